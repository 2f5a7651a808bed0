"""The household import's jobs join the one import-job table in common (kind "household").

Each row keeps its id, so its uploaded file and report (under `imports/<id>/`) and the audit
events about it still find it: the content type the audit trail points at moves along with
it, from premises.importjob to common.importjob, unless the new one already exists.
"""

from django.db import migrations

FIELDS = (
    "id", "branch_id", "mode", "file", "file_name", "status", "rows_total", "rows_read",
    "inserted", "updated", "unchanged", "rejected", "written", "report", "message",
    "created_by_id", "created_at", "finished_at",
)  # fmt: skip


def carry_jobs_to_common(apps, schema_editor):
    old, new = apps.get_model("premises", "ImportJob"), apps.get_model("common", "ImportJob")
    alias = schema_editor.connection.alias
    new.objects.using(alias).bulk_create(
        [
            # a rejected row had at least one error: the count of rows is the best known
            new(kind="household", error_count=row["rejected"], **row)
            for row in old.objects.using(alias).values(*FIELDS).iterator()
        ],
        batch_size=500,
    )
    _move_content_type(apps, alias, "premises", "common")


def carry_jobs_back(apps, schema_editor):
    old, new = apps.get_model("premises", "ImportJob"), apps.get_model("common", "ImportJob")
    alias = schema_editor.connection.alias
    households = new.objects.using(alias).filter(kind="household")
    old.objects.using(alias).bulk_create(
        [old(**row) for row in households.values(*FIELDS).iterator()], batch_size=500
    )
    households.delete()
    _move_content_type(apps, alias, "common", "premises")


def _move_content_type(apps, alias, source, target):
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(alias)
    if not content_types.filter(app_label=target, model="importjob").exists():
        content_types.filter(app_label=source, model="importjob").update(app_label=target)


class Migration(migrations.Migration):
    dependencies = [
        ("premises", "0008_add_special_site_cycle"),
        ("common", "0011_create_import_jobs_of_every_kind"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(carry_jobs_to_common, carry_jobs_back),
        migrations.DeleteModel(name="ImportJob"),
    ]
