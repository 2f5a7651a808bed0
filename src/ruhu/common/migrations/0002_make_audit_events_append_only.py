"""Database triggers refuse UPDATE and DELETE of audit events on SQLite and PostgreSQL.

The SQL is written out here (not imported) so this migration never changes under later code.
"""

from django.db import migrations

TABLE = "common_auditevent"

SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS ruhu_guard_{TABLE}_update BEFORE UPDATE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'ruhu: audit events are append-only'); END;",
    f"CREATE TRIGGER IF NOT EXISTS ruhu_guard_{TABLE}_delete BEFORE DELETE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'ruhu: audit events are append-only'); END;",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION ruhu_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'ruhu: % of % refused: the record is immutable', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
    END $$;""",
    f"CREATE TRIGGER ruhu_guard_{TABLE}_update_delete BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION ruhu_refuse_change();",
]


def install(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql, params=None)  # no params: the PL/pgSQL '%' stays literal


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS ruhu_guard_{TABLE}_update_delete ON {TABLE}")
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS ruhu_guard_{TABLE}_update")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS ruhu_guard_{TABLE}_delete")


class Migration(migrations.Migration):
    dependencies = [("common", "0001_create_audit_policy_calendar_outbox_attachments")]
    operations = [migrations.RunPython(install, remove)]
