"""Every policy key is declared once; the code, the tables and docs/policy.md agree with the
declarations (decision 0018)."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

import ruhu
from ruhu.common.models import Attachment
from ruhu.common.policy import policy_coerce
from ruhu.common.policy_docs import policy_docs_path, policy_docs_written
from ruhu.common.policy_registry import (
    KEY_SHAPE,
    Kind,
    policy_declarations_all,
    policy_is_declared,
)
from ruhu.facilities.models import FacilityKind

SRC = Path(ruhu.__file__).parent
READERS = {"policy_get"}


class Reads:
    """What the source says about policy keys, each with where it says it."""

    def __init__(self) -> None:
        self.literal: dict[str, list[str]] = defaultdict(list)  # policy_get("a.b")
        self.patterns: dict[str, list[str]] = defaultdict(list)  # policy_get(f"a.{x}")
        self.named: dict[str, list[str]] = defaultdict(list)  # "a.b" in any code
        self.named_patterns: dict[str, list[str]] = defaultdict(list)  # f"a.{x}" in any code
        self.indirect: set[Path] = set()  # modules that pass policy_get a variable

    def matched(self, pattern: str) -> set[str]:
        return {d.key for d in policy_declarations_all() if re.fullmatch(pattern, d.key)}

    def looked_up(self, where: list[str]) -> bool:
        """Said in a module that hands policy_get a variable, so maybe a key it reads."""
        return any(SRC.parent / w.split(":")[0] in self.indirect for w in where)


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts or path.name == "policies.py":
            continue  # the declarations themselves read nothing
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            found.add(id(first.value))
    return found


def _called(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _key_argument(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    return next((kw.value for kw in call.keywords if kw.arg == "key"), None)


def _pattern(joined: ast.JoinedStr) -> str:
    """An f-string key as a pattern: each placeholder stands for dotted words."""
    return "".join(
        re.escape(part.value) if isinstance(part, ast.Constant) else r"[a-z0-9_.]+"
        for part in joined.values
    )


def scan() -> Reads:
    reads = Reads()
    for path, tree in _modules():
        where = str(path.relative_to(SRC.parent))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) in READERS:
                key = _key_argument(node)
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    reads.literal[key.value].append(f"{where}:{node.lineno}")
                elif isinstance(key, ast.JoinedStr):
                    reads.patterns[_pattern(key)].append(f"{where}:{node.lineno}")
                else:
                    reads.indirect.add(path)
            elif isinstance(node, ast.JoinedStr):
                reads.named_patterns[_pattern(node)].append(f"{where}:{node.lineno}")
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and KEY_SHAPE.fullmatch(node.value)
            ):
                reads.named[node.value].append(f"{where}:{node.lineno}")
    return reads


@pytest.fixture(scope="module")
def reads() -> Reads:
    return scan()


def test_it_finds_the_reads_it_must_check(reads):
    """The scanner sees the known shapes, so an empty result cannot pass for a clean one."""
    assert "auth.session_idle_minutes" in reads.literal  # accounts/middleware.py
    assert "hazard.handover_days" in reads.named  # a deadline rule of hazards/workflow.py
    assert SRC / "hazards" / "workflow.py" in reads.indirect
    assert "attachments\\.max_mb\\.[a-z0-9_.]+" in reads.patterns  # attachments.py
    assert "hazard\\.fix_working_days\\.[a-z0-9_.]+" in reads.named_patterns  # cases.py
    assert "inspection.cycle_months.residential" in reads.named  # due.py's CYCLE_KEYS
    assert SRC / "premises" / "due.py" in reads.indirect


def test_it_declares_every_key_the_code_asks_for(reads):
    undeclared = {key: where for key, where in reads.literal.items() if not policy_is_declared(key)}
    assert not undeclared, f"declare these keys in their app's policies.py: {undeclared}"
    unmatched = {p: where for p, where in reads.patterns.items() if not reads.matched(p)}
    assert not unmatched, f"no declared key fits these f-string keys: {unmatched}"


def test_it_declares_every_key_named_where_keys_are_looked_up(reads):
    """A module that hands policy_get a variable names its keys in a table (CYCLE_KEYS,
    INTERVAL_KEY, …): every key-shaped name there in a declared namespace is declared."""
    namespaces = {d.key.split(".")[0] for d in policy_declarations_all()}
    suspects = {
        key: where
        for key, where in reads.named.items()
        if key.split(".")[0] in namespaces
        and not policy_is_declared(key)
        and reads.looked_up(where)
    }
    assert not suspects, f"undeclared keys in tables the code reads keys from: {suspects}"
    unmatched = {
        p: where
        for p, where in reads.named_patterns.items()
        if p.split("\\.")[0] in namespaces and not reads.matched(p) and reads.looked_up(where)
    }
    assert not unmatched, f"no declared key fits these f-string keys: {unmatched}"


def test_it_reads_every_declared_key(reads):
    looked_up = [p for p, where in reads.named_patterns.items() if reads.looked_up(where)]
    matched = set().union(*(reads.matched(p) for p in [*reads.patterns, *looked_up]))
    unread = [
        d.key
        for d in policy_declarations_all()
        if d.key not in reads.literal and d.key not in reads.named and d.key not in matched
    ]
    assert not unread, f"declared but read by no code (declare a key with its feature): {unread}"


def test_it_declares_every_row_of_the_dynamic_families(db):
    """The f-string keys are complete for every value the code puts in them."""
    from ruhu.hazards.models import HazardType

    rows = set(HazardType.objects.exclude(schedule_row="").values_list("schedule_row", flat=True))
    assert rows
    for row in rows:
        assert policy_is_declared(f"hazard.fix_working_days.{row}"), row
    for kind in Attachment.Kind.values:
        assert policy_is_declared(f"attachments.max_mb.{kind}"), kind
    for level in (1, 2, 3):
        assert policy_is_declared(f"target.rectification_rate.level{level}")
    from ruhu.facilities.checklist import INTERVAL_KEY

    assert set(INTERVAL_KEY) == set(FacilityKind.values)


def test_it_gives_every_declaration_a_default_of_its_kind_and_a_rule():
    for d in policy_declarations_all():
        assert policy_coerce(d.kind, d.default) == d.default, d.key
        assert d.kind in Kind.values and d.source and d.zh and d.en, d.key


def test_it_keeps_docs_policy_md_as_the_declarations_write_it():
    current = policy_docs_path().read_text(encoding="utf-8")
    assert policy_docs_written(current) == current, "run `ruhu policy docs`"
    for d in policy_declarations_all():
        assert f"| `{d.key}` |" in current, d.key


def test_it_does_not_present_a_coming_key_as_enforced():
    current = policy_docs_path().read_text(encoding="utf-8")
    coming = current.partition("## Coming with the features that read them")[2]
    keys = re.findall(r"^\| `([a-z0-9_.]+)`", coming, re.M)
    assert "repair.work_order_filing_days" in keys
    for key in keys:
        assert not policy_is_declared(key), f"{key} is declared: move it to the table"
