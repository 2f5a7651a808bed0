"""Frozen facility checks and their photo and defect rows refuse UPDATE and DELETE on both
engines, exactly as visits do (DESIGN 4): a check is inserted unfrozen, its rows added and
the check frozen in one transaction; from then on nothing of it can change, and no row can
be added to it. The SQL is written out in full so that it never changes under later code
(decision 0002).
"""

from django.db import migrations

# ruff: noqa: S608 (the SQL is built from this file's own table names)

CHECK = "facilities_facilitycheck"
CHILDREN = ("facilities_facilitycheckphoto", "facilities_facilitydefect")

SQLITE = [
    f"""CREATE TRIGGER ruhu_guard_{CHECK}_update BEFORE UPDATE ON {CHECK}
    WHEN OLD.frozen BEGIN SELECT RAISE(ABORT, 'ruhu: UPDATE of {CHECK} refused: the check is frozen'); END""",
    f"""CREATE TRIGGER ruhu_guard_{CHECK}_delete BEFORE DELETE ON {CHECK}
    WHEN OLD.frozen BEGIN SELECT RAISE(ABORT, 'ruhu: DELETE of {CHECK} refused: the check is frozen'); END""",
]
for child in CHILDREN:
    SQLITE += [
        f"""CREATE TRIGGER ruhu_guard_{child}_insert BEFORE INSERT ON {child}
        WHEN (SELECT frozen FROM {CHECK} WHERE id = NEW.check_record_id)
        BEGIN SELECT RAISE(ABORT, 'ruhu: INSERT into {child} refused: the check is frozen'); END""",
        f"""CREATE TRIGGER ruhu_guard_{child}_update BEFORE UPDATE ON {child}
        WHEN (SELECT frozen FROM {CHECK} WHERE id = OLD.check_record_id)
          OR (SELECT frozen FROM {CHECK} WHERE id = NEW.check_record_id)
        BEGIN SELECT RAISE(ABORT, 'ruhu: UPDATE of {child} refused: the check is frozen'); END""",
        f"""CREATE TRIGGER ruhu_guard_{child}_delete BEFORE DELETE ON {child}
        WHEN (SELECT frozen FROM {CHECK} WHERE id = OLD.check_record_id)
        BEGIN SELECT RAISE(ABORT, 'ruhu: DELETE of {child} refused: the check is frozen'); END""",
    ]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION ruhu_refuse_frozen_check_child() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF (TG_OP <> 'INSERT' AND EXISTS (
            SELECT 1 FROM facilities_facilitycheck WHERE id = OLD.check_record_id AND frozen))
         OR (TG_OP <> 'DELETE' AND EXISTS (
            SELECT 1 FROM facilities_facilitycheck WHERE id = NEW.check_record_id AND frozen))
      THEN
        RAISE EXCEPTION 'ruhu: % of % refused: the check is frozen', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$""",
    f"""CREATE TRIGGER ruhu_guard_{CHECK}_update_delete BEFORE UPDATE OR DELETE ON {CHECK}
    FOR EACH ROW WHEN (OLD.frozen) EXECUTE FUNCTION ruhu_refuse_change()""",
]
for child in CHILDREN:
    POSTGRES.append(
        f"""CREATE TRIGGER ruhu_guard_{child}_frozen BEFORE INSERT OR UPDATE OR DELETE ON {child}
        FOR EACH ROW EXECUTE FUNCTION ruhu_refuse_frozen_check_child()"""
    )


def install(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql, params=None)  # no params: the PL/pgSQL '%' stays literal


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS ruhu_guard_{CHECK}_update_delete ON {CHECK}")
        for child in CHILDREN:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS ruhu_guard_{child}_frozen ON {child}")
        schema_editor.execute("DROP FUNCTION IF EXISTS ruhu_refuse_frozen_check_child()")
        return
    for sql in SQLITE:
        name = sql.split()[2]
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0002_make_audit_events_append_only"),
        ("facilities", "0002_seed_schedule_and_repair_policies"),
    ]
    operations = [migrations.RunPython(install, remove)]
