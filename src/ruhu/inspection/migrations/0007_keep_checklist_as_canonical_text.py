"""Keep a visit's checklist as canonical JSON text, so that the ledger hashes its bytes.

On SQLite, Django changes a column by rebuilding the table, and the rebuild loses the
table's triggers (and the child tables' triggers, which name it, refuse to run meanwhile).
So the guard triggers of the visit tables are set aside in a temporary table first and put
back, unchanged, after the change. Any later schema change of a guarded table must do the
same (decision 0002).
"""

from django.db import migrations, models

SAVED = "_ruhu_saved_visit_guards"


def set_guards_aside(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(f"CREATE TEMP TABLE {SAVED} (name TEXT, sql TEXT)")
    schema_editor.execute(
        f"INSERT INTO {SAVED} SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "  # noqa: S608
        "AND name LIKE 'ruhu_guard_inspection_visit%'"
    )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT name FROM {SAVED}")  # noqa: S608 (a fixed name)
        names = [row[0] for row in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f"DROP TRIGGER {name}")


def put_guards_back(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT sql FROM {SAVED}")  # noqa: S608 (a fixed name)
        statements = [row[0] for row in cursor.fetchall()]
    for sql in statements:
        schema_editor.execute(sql, params=None)
    schema_editor.execute(f"DROP TABLE {SAVED}")


class Migration(migrations.Migration):
    dependencies = [("inspection", "0006_freeze_visits_by_triggers")]

    operations = [
        migrations.RunPython(set_guards_aside, put_guards_back),
        migrations.RemoveField(model_name="visit", name="checklist"),
        migrations.AddField(
            model_name="visit",
            name="checklist_json",
            field=models.TextField(blank=True, default="{}", verbose_name="检查项"),
        ),
        migrations.RunPython(put_guards_back, set_guards_aside),
    ]
