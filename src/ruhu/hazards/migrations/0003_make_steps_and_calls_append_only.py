"""Hazard steps and follow-up calls are evidence: triggers refuse UPDATE and DELETE on both
engines (DESIGN 4). The SQL is written out here so it never changes under later code."""

from django.db import migrations

# ruff: noqa: S608 (the SQL is built from this file's own table names)

TABLES = ("hazards_hazardstep", "hazards_followupcall")

SQLITE = []
for table in TABLES:
    SQLITE += [
        f"""CREATE TRIGGER ruhu_guard_{table}_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, 'ruhu: UPDATE of {table} refused: the record is immutable'); END""",
        f"""CREATE TRIGGER ruhu_guard_{table}_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, 'ruhu: DELETE of {table} refused: the record is immutable'); END""",
    ]
# ruhu_refuse_change() was created by common's 0002 migration
POSTGRES = [
    f"""CREATE TRIGGER ruhu_guard_{table}_update_delete BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION ruhu_refuse_change()"""
    for table in TABLES
]


def install(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql, params=None)


def remove(apps, schema_editor):
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS ruhu_guard_{table}_update_delete ON {table}"
            )
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS ruhu_guard_{table}_update")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS ruhu_guard_{table}_delete")


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0002_seed_catalogue_and_loop_policies"),
        ("common", "0002_make_audit_events_append_only"),
    ]
    operations = [migrations.RunPython(install, remove)]
