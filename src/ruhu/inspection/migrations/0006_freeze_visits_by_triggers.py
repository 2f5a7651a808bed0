"""Frozen visits and their child rows refuse UPDATE and DELETE on both engines (DESIGN 4).

A visit is inserted unfrozen, its photos, hazards and appliance records are added, then it
is frozen in the same transaction; from then on neither the visit nor any child row can be
changed or removed, and no child row can be added. Performance deductions are append-only.
The SQL is written out in full so that it never changes under later code (decision 0002).
"""

from django.db import migrations

# ruff: noqa: S608 (the SQL is built from this file's own table names)

VISIT = "inspection_visit"
CHILDREN = ("inspection_visitphoto", "inspection_visithazard", "inspection_visitappliance")
APPEND_ONLY = ("inspection_performancededuction",)

SQLITE = [
    f"""CREATE TRIGGER ruhu_guard_{VISIT}_update BEFORE UPDATE ON {VISIT}
    WHEN OLD.frozen BEGIN SELECT RAISE(ABORT, 'ruhu: UPDATE of {VISIT} refused: the visit is frozen'); END""",
    f"""CREATE TRIGGER ruhu_guard_{VISIT}_delete BEFORE DELETE ON {VISIT}
    WHEN OLD.frozen BEGIN SELECT RAISE(ABORT, 'ruhu: DELETE of {VISIT} refused: the visit is frozen'); END""",
]
for child in CHILDREN:
    SQLITE += [
        f"""CREATE TRIGGER ruhu_guard_{child}_insert BEFORE INSERT ON {child}
        WHEN (SELECT frozen FROM {VISIT} WHERE id = NEW.visit_id)
        BEGIN SELECT RAISE(ABORT, 'ruhu: INSERT into {child} refused: the visit is frozen'); END""",
        f"""CREATE TRIGGER ruhu_guard_{child}_update BEFORE UPDATE ON {child}
        WHEN (SELECT frozen FROM {VISIT} WHERE id = OLD.visit_id)
          OR (SELECT frozen FROM {VISIT} WHERE id = NEW.visit_id)
        BEGIN SELECT RAISE(ABORT, 'ruhu: UPDATE of {child} refused: the visit is frozen'); END""",
        f"""CREATE TRIGGER ruhu_guard_{child}_delete BEFORE DELETE ON {child}
        WHEN (SELECT frozen FROM {VISIT} WHERE id = OLD.visit_id)
        BEGIN SELECT RAISE(ABORT, 'ruhu: DELETE of {child} refused: the visit is frozen'); END""",
    ]
for table in APPEND_ONLY:
    SQLITE += [
        f"""CREATE TRIGGER ruhu_guard_{table}_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, 'ruhu: UPDATE of {table} refused: the record is immutable'); END""",
        f"""CREATE TRIGGER ruhu_guard_{table}_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, 'ruhu: DELETE of {table} refused: the record is immutable'); END""",
    ]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION ruhu_refuse_frozen_visit_child() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF (TG_OP <> 'INSERT' AND EXISTS (
            SELECT 1 FROM inspection_visit WHERE id = OLD.visit_id AND frozen))
         OR (TG_OP <> 'DELETE' AND EXISTS (
            SELECT 1 FROM inspection_visit WHERE id = NEW.visit_id AND frozen)) THEN
        RAISE EXCEPTION 'ruhu: % of % refused: the visit is frozen', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$""",
    f"""CREATE TRIGGER ruhu_guard_{VISIT}_update_delete BEFORE UPDATE OR DELETE ON {VISIT}
    FOR EACH ROW WHEN (OLD.frozen) EXECUTE FUNCTION ruhu_refuse_change()""",
]
for child in CHILDREN:
    POSTGRES.append(
        f"""CREATE TRIGGER ruhu_guard_{child}_frozen BEFORE INSERT OR UPDATE OR DELETE ON {child}
        FOR EACH ROW EXECUTE FUNCTION ruhu_refuse_frozen_visit_child()"""
    )
for table in APPEND_ONLY:
    POSTGRES.append(
        f"""CREATE TRIGGER ruhu_guard_{table}_update_delete BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION ruhu_refuse_change()"""
    )


def install(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql, params=None)  # no params: the PL/pgSQL '%' stays literal


def _postgres_triggers():
    yield f"ruhu_guard_{VISIT}_update_delete", VISIT
    for child in CHILDREN:
        yield f"ruhu_guard_{child}_frozen", child
    for table in APPEND_ONLY:
        yield f"ruhu_guard_{table}_update_delete", table


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, table in _postgres_triggers():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS ruhu_refuse_frozen_visit_child()")
        return
    for sql in SQLITE:
        name = sql.split()[2]
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0002_make_audit_events_append_only"),
        ("inspection", "0005_create_visits_reviews_and_readings"),
    ]
    operations = [migrations.RunPython(install, remove)]
