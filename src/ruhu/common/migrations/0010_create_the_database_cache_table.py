"""Create the database cache table (settings.CACHES, "ruhu_cache" without Redis) so that
`ruhu migrate` alone gives a database where people can sign in: the login throttle keeps its
counts in the cache and refuses every login while its table is missing.

Which caches live in the database is configuration, read when the migration runs: on Redis
there is nothing to create. Django's own `createcachetable` does the work (it skips a table
that exists); this migration imports no app code.
"""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations

DATABASE_CACHE = "django.core.cache.backends.db.DatabaseCache"


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_tables(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    for cache in settings.CACHES.values():
        if cache.get("BACKEND") == DATABASE_CACHE:
            schema_editor.execute(f"DROP TABLE IF EXISTS {quote(cache['LOCATION'])}")


class Migration(migrations.Migration):
    dependencies = [("common", "0009_seed_upload_policies")]

    operations = [migrations.RunPython(create_cache_tables, drop_cache_tables)]
