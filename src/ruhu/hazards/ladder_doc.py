"""The ladder's table as `docs/hazards.md` shows it: `ruhu hazards workflow` prints it, and
a test holds the page's table equal to `workflow.TABLE` row by row."""

from __future__ import annotations

from django.utils import translation

from ruhu.hazards.models import State
from ruhu.hazards.workflow import OPEN, TABLE, Transition

HEADER = ("state", "action", "who (capability)", "precondition", "next state", "deadline rule")
ANY_OPEN_STATE = "any open state"
STAYS = "(stays)"


def _code(value: str) -> str:
    return f"`{value}`"


def _states(row: Transition) -> str:
    if not row.states:
        return "—"
    if set(row.states) == set(OPEN):
        return ANY_OPEN_STATE
    return " ".join(_code(state) for state in row.states)


def ladder_cells() -> list[tuple[str, ...]]:
    """One tuple of cells per row of the table, in its order."""
    return [
        (
            _states(row),
            _code(row.action),
            " or ".join(_code(who) for who in row.who),
            "; ".join(condition.text for condition in row.preconditions) or "—",
            _code(row.to) if row.to else STAYS,
            row.deadline.text,
        )
        for row in TABLE
    ]


def _line(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(cells) + " |"


def ladder_markdown() -> str:
    """The states with their Chinese names, then the table."""
    with translation.override("zh-hans"):
        names = [(_code(state), str(state.label)) for state in State]
    lines = [_line(("state", "名称")), _line(("---", "---")), *(_line(n) for n in names), ""]
    lines += [_line(HEADER), _line(tuple("---" for _ in HEADER))]
    lines += [_line(cells) for cells in ladder_cells()]
    return "\n".join(lines) + "\n"


def parse_ladder(markdown: str) -> list[tuple[str, ...]]:
    """The rows of the table headed by HEADER in `markdown` (a page of the docs)."""
    lines = markdown.splitlines()
    start = lines.index(_line(HEADER)) + 2  # past the header and its rule
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(tuple(cell.strip() for cell in line.strip().strip("|").split("|")))
    return rows
