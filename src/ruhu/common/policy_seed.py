"""The policy tables follow the declarations (decision 0018): run after every `migrate`.

Each declared key gets its row in PolicyKey, whose kind, unit, meaning and source are the
declaration's (the code owns them). A key without any company-wide value gets its default
from SEED_EFFECTIVE on; a key that has one keeps it, whoever set it. So a new declaration is
in force after the next `migrate`, and no value an administrator set is ever overwritten.

Data migrations never import app code, so this is not one: the `post_migrate` handler that
CommonConfig connects calls it with the migrated state's models. The seed migrations of
earlier releases stay as history.
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, transaction

from ruhu.common.policy import policy_cache_clear
from ruhu.common.policy_registry import Declaration, policy_declarations_all

SEED_EFFECTIVE = dt.date(2000, 1, 1)
SEED_NOTE = "default"
METADATA = ("kind", "unit", "description", "source")


def policy_seed(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Write the declarations into the policy tables; the keys given their default."""
    PolicyKey = apps.get_model("common", "PolicyKey")
    PolicyValue = apps.get_model("common", "PolicyValue")
    declarations = policy_declarations_all()
    with transaction.atomic(using=using):
        keys = PolicyKey.objects.using(using)
        existing = {row.key: row for row in keys.filter(key__in=[d.key for d in declarations])}
        changed = []
        for declaration in declarations:
            row = existing.get(declaration.key)
            wanted = _metadata(declaration)
            if row is None:
                keys.create(key=declaration.key, **wanted)
            elif any(getattr(row, field) != wanted[field] for field in METADATA):
                for field in METADATA:
                    setattr(row, field, wanted[field])
                changed.append(row)
        keys.bulk_update(changed, METADATA)
        valued = set(
            PolicyValue.objects.using(using)
            .filter(branch__isnull=True)
            .values_list("key_id", flat=True)
            .distinct()
        )
        missing = [d for d in declarations if d.key not in valued]
        PolicyValue.objects.using(using).bulk_create(
            PolicyValue(
                key_id=d.key,
                branch=None,
                value=d.default,
                effective_from=SEED_EFFECTIVE,
                note=SEED_NOTE,
            )
            for d in missing
        )
    policy_cache_clear()
    return [d.key for d in missing]


def _metadata(declaration: Declaration) -> dict[str, str]:
    return {
        "kind": declaration.kind,
        "unit": declaration.unit,
        "description": declaration.zh,
        "source": declaration.source,
    }


def seed_after_migrate(sender, *, apps=global_apps, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: seed, unless the migrated state has no policy tables (`migrate … zero`)."""
    try:
        apps.get_model("common", "PolicyValue")
    except LookupError:
        return
    policy_seed(apps=apps, using=using)
