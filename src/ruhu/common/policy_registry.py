"""Every policy key, declared once: its kind, default, unit, rule and meaning (decision 0018).

`common` cannot know which keys the later apps read, so each app declares its own in
`<app>/policies.py`, imported from its AppConfig.ready:

    declare = policy_declarations("hazards")
    declare(
        "hazard.customer_notice_days",
        kind=Kind.INTEGER, default=7, unit="天", source="RULES B6.3",
        zh="《安全隐患整改通知书》整改期限", en="Deadline given on the rectification notice",
    )

Keys read per row of a table (`hazard.fix_working_days.<row>`) are declared together with
`declare.family`. From the declarations `policy_seed` fills the policy tables after every
`migrate`, `ruhu policy docs` writes the table of docs/policy.md, and `policy_get` refuses
an undeclared key in development and tests. A key is declared when a feature reads it, not
before: a value nothing reads would look enforced and is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ruhu.common.models import PolicyKey

Kind = PolicyKey.Kind
KEY_SHAPE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")


class PolicyUndeclared(LookupError):
    """Code asked for a key no app declares: a programming error, not a user's."""


@dataclass(frozen=True)
class Declaration:
    key: str
    kind: str
    default: Any
    unit: str
    source: str
    zh: str
    en: str
    app: str


_declared: dict[str, Declaration] = {}


class _Declarer:
    """`declare(...)` for one app; `declare.family(...)` for keys that share all but a row."""

    def __init__(self, app: str) -> None:
        self.app = app

    def __call__(
        self,
        key: str,
        *,
        kind: str,
        default: Any,
        source: str,
        zh: str,
        en: str,
        unit: str = "",
    ) -> Declaration:
        if not KEY_SHAPE.fullmatch(key):
            raise ValueError(f"policy key {key!r} is not dotted lower_case words")
        if kind not in Kind.values:
            raise ValueError(f"policy key {key!r} has an unknown kind {kind!r}")
        if key in _declared:
            raise ValueError(f"policy key {key!r} is declared twice")
        declaration = Declaration(key, kind, default, unit, source, zh, en, self.app)
        _declared[key] = declaration
        return declaration

    def family(
        self,
        prefix: str,
        *,
        kind: str,
        unit: str,
        source: str,
        rows: dict[str, tuple[Any, str, str]],
    ) -> list[Declaration]:
        """One key per row, `prefix + row`; each row is (default, zh, en)."""
        return [
            self(prefix + row, kind=kind, default=default, unit=unit, source=source, zh=zh, en=en)
            for row, (default, zh, en) in rows.items()
        ]


def policy_declarations(app: str) -> _Declarer:
    return _Declarer(app)


def policy_declaration(key: str) -> Declaration:
    try:
        return _declared[key]
    except KeyError:
        raise PolicyUndeclared(
            f"policy {key!r} is not declared: declare it in its app's policies.py"
        ) from None


def policy_is_declared(key: str) -> bool:
    return key in _declared


def policy_declarations_all() -> list[Declaration]:
    """Every declaration, in the order the apps declared them."""
    return list(_declared.values())
