"""The household's blind indexes as hash indexes on PostgreSQL (decision 0030).

`phone_bidx` and `id_number_bidx` hold a 64-character HMAC; the search only ever asks for
one value (`=` or `= ANY`). A B-tree keeps the whole 64 characters per row (1.1 GB of
index at ten million rows), and a branch's import inserts its rows at random places in
it: nearly every page is written again, with a full-page image in the WAL after each
checkpoint. A hash index keeps a 4-byte hash per row, a third of the pages, so an
import writes a third as much. A household without a phone or ID number has "" there
(30 % have no ID number): one hash bucket would hold all of them and every insert walk
its chain, so the hash indexes leave "" out; the planner proves that `= 'value'`
implies `<> ''`. The model still declares a B-tree index of the same name, which is what
SQLite gets (its planner would not use a partial index for `=`). Rebuilding the two
indexes locks the table for writes for a minute or so at ten million rows.
"""

from django.db import migrations

BLIND_INDEXES = (
    ("household_phone_bidx", "phone_bidx"),
    ("household_id_number_bidx", "id_number_bidx"),
)


def _remake(schema_editor, *, hashed: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in BLIND_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        if hashed:
            schema_editor.execute(
                f"CREATE INDEX {name} ON premises_household USING hash ({column}) "
                f"WHERE {column} <> ''"
            )
        else:
            schema_editor.execute(f"CREATE INDEX {name} ON premises_household ({column})")


def hash_blind_indexes(apps, schema_editor):
    _remake(schema_editor, hashed=True)


def unhash_blind_indexes(apps, schema_editor):
    _remake(schema_editor, hashed=False)


class Migration(migrations.Migration):
    dependencies = [
        ("premises", "0011_index_household_lists_and_search_terms"),
    ]

    operations = [migrations.RunPython(hash_blind_indexes, unhash_blind_indexes)]
