"""Indexes for the household search at ten million rows (decision 0028).

A branch's list pages in account order: (branch, account_no) gives it that order, where
the account index alone made the planner walk every earlier branch's accounts. The search
matches an exact name or community, or an address fragment (`icontains`). The first two
get plain B-tree indexes on both engines. On PostgreSQL the fragment gets a
trigram GIN index on the expression Django's `icontains` compares, UPPER(address::text),
from the pg_trgm extension that ships with PostgreSQL (trusted: the database owner may
create it). SQLite has no such index; its deployments are one branch's size.
"""

from django.db import migrations, models

TRIGRAM_INDEX = "household_address_trgm"


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON premises_household "
        "USING gin (UPPER(address::text) gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("premises", "0010_say_the_special_cycle_range_comes_from_policy"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="household",
            index=models.Index(fields=["branch", "account_no"], name="household_branch_account"),
        ),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(fields=["name"], name="household_name"),
        ),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(fields=["community"], name="household_community"),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
