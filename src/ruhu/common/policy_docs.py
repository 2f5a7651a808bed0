"""The table of docs/policy.md, written from the declarations (decision 0018).

Only the part between BEGIN and END is generated; the prose around it is written by hand.
`ruhu policy docs` rewrites it, `ruhu policy docs --check` (and a test) fails while it is
out of date.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.utils import translation

from ruhu.common.policy_registry import Declaration, policy_declarations_all

BEGIN = "<!-- BEGIN policy table: written by `ruhu policy docs` from src/ruhu/*/policies.py -->"
END = "<!-- END policy table -->"
HEADER = "| key | default | unit | 说明 | meaning | source |\n|---|---|---|---|---|---|"


def policy_docs_path() -> Path:
    return Path(settings.PROJECT_DIR) / "docs" / "policy.md"


def policy_docs_table() -> str:
    """One table per declaring app, in the order the apps declared their keys."""
    by_app: dict[str, list[Declaration]] = {}
    for declaration in policy_declarations_all():
        by_app.setdefault(declaration.app, []).append(declaration)
    parts = []
    with translation.override("zh-hans"):
        for app, declarations in by_app.items():
            title = apps.get_app_config(app).verbose_name
            rows = "\n".join(_row(d) for d in declarations)
            parts.append(f"### {title} (`src/ruhu/{app}/policies.py`)\n\n{HEADER}\n{rows}")
    return "\n\n".join(parts)


def policy_docs_written(current: str) -> str:
    """`current` with the part between the markers replaced by the table of today's code."""
    head, begin, rest = current.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"docs/policy.md lacks the markers {BEGIN!r} and {END!r}")
    return f"{head}{BEGIN}\n{policy_docs_table()}\n{END}{tail}"


def _row(d: Declaration) -> str:
    cells = (f"`{d.key}`", _default(d.default), d.unit, d.zh, d.en, d.source)
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _default(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"`{value}`"
    return str(value)
