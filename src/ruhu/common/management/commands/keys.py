"""Field-encryption keys: `ruhu keys generate` prints a key; `ruhu keys rotate` re-encrypts.

With keys in files (the embedded default), `rotate --new-key` first adds a new current key.
With keys in the environment, put the new key first in RUHU_FIELD_KEYS, then run `rotate`.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from ruhu.common import crypto
from ruhu.common.fields import encrypted_fields

BATCH = 1000


class Command(BaseCommand):
    help = "Generate a field key, or re-encrypt every personal field with the current key."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("generate", help="print a new key as id:base64")
        rotate = sub.add_parser("rotate", help="re-encrypt every row not under the current key")
        rotate.add_argument("--new-key", action="store_true", help="add a new current key first")

    def handle(self, *args, action, **options):
        if action == "generate":
            self.stdout.write(f"kNEW:{crypto.new_key_b64()}")
            return
        if options.get("new_key"):
            self.stdout.write(f"new current key: {crypto.add_key_to_file()}")
        current = crypto.keyring().current_id
        total = 0
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if fields:
                count = self.rotate_model(model, fields, current)
                total += count
                if count:
                    self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"done: {total} rows now under key {current}"))

    def rotate_model(self, model, fields, current: str) -> int:
        table = connection.ops.quote_name(model._meta.db_table)
        pk = model._meta.pk
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        last, changed = None, 0
        while True:
            where = f"WHERE {connection.ops.quote_name(pk.column)} > %s" if last is not None else ""
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {connection.ops.quote_name(pk.column)}, {columns} FROM {table} "  # noqa: S608
                    f"{where} ORDER BY 1 LIMIT {BATCH}",
                    [last] if last is not None else [],
                )
                rows = cursor.fetchall()
            if not rows:
                return changed
            with transaction.atomic():
                for row in rows:
                    stale = {
                        f.attname: crypto.decrypt(value, aad=f.aad)
                        for f, value in zip(fields, row[1:], strict=True)
                        if value and crypto.key_id_of(value) != current
                    }
                    if stale:
                        model._base_manager.filter(pk=row[0]).update(**stale)
                        changed += 1
            last = rows[-1][0]
