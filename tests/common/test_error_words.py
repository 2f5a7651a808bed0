"""Domain error messages are translatable (zh-hans first, English complete).

Every `DomainError(...)` made in src/ruhu (a subclass too, wherever it is defined) says its
message through gettext: no bare literal, no f-string, no `"…" % x` outside `_()`. Each such
msgid has an English msgstr with the same placeholders, in the .po and in the compiled .mo.
"""

from __future__ import annotations

import ast
import gettext as stdlib_gettext
import os
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "src" / "ruhu"
LOCALE = ROOT / "locale" / "en" / "LC_MESSAGES"

SINGULAR = {"_", "gettext", "gettext_lazy"}  # their msgids are checked against the .po
GETTEXT = SINGULAR | {"pgettext", "pgettext_lazy", "ngettext", "ngettext_lazy"}
PLACEHOLDER = re.compile(r"%\((\w+)\)")
HAN = re.compile(r"[\u4e00-\u9fff]")


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@cache
def modules() -> dict[Path, ast.Module]:
    return {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(ROOT.rglob("*.py"))
        if "migrations" not in path.parts
    }


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _subclasses(trees, names: frozenset[str]) -> frozenset[str]:
    """`names` and every class deriving from one of them, by name, in `trees`."""
    found = set(names)
    classes = [n for t in trees for n in ast.walk(t) if isinstance(n, ast.ClassDef)]
    grown = True
    while grown:
        grown = False
        for cls in classes:
            if cls.name not in found and any(_name(b) in found for b in cls.bases):
                found.add(cls.name)
                grown = True
    return frozenset(found)


@cache
def domain_error_names() -> frozenset[str]:
    """DomainError and every class deriving from it, across src/ruhu."""
    return _subclasses(modules().values(), frozenset({"DomainError"}))


def message_of(call: ast.Call, names: frozenset[str]) -> ast.expr | None:
    """The message argument of a DomainError construction, else None."""
    if _name(call.func) not in names:
        return None
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg == "message"), None)


def _constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level `NAME = <expr>`: a message kept in a constant is judged by its value."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                found[target.id] = node.value
    return found


def _resolve(expr: ast.expr, constants: dict[str, ast.expr]) -> ast.expr:
    if isinstance(expr, ast.Name) and expr.id in constants:
        return constants[expr.id]
    return expr


def bare_literals(expr: ast.expr) -> list[ast.expr]:
    """What in a message no gettext call wraps: the message itself when it is a literal or
    an f-string, and any Chinese literal inside it (a branch of `a if x else b`, a string
    formatted with `%`, a value filled into a placeholder)."""
    if isinstance(expr, ast.JoinedStr) or (
        isinstance(expr, ast.Constant) and isinstance(expr.value, str)
    ):
        return [expr]
    return _chinese_literals(expr)


def _chinese_literals(expr: ast.expr) -> list[ast.expr]:
    if isinstance(expr, ast.Call) and _name(expr.func) in GETTEXT:
        return []
    if isinstance(expr, ast.JoinedStr | ast.Constant) and HAN.search(ast.unparse(expr)):
        return [expr]
    return [lit for child in ast.iter_child_nodes(expr) for lit in _chinese_literals(child)]


def msgids(expr: ast.expr) -> list[str]:
    """The msgids of the (singular, context-free) gettext calls in `expr`."""
    return [
        node.args[0].value
        for node in ast.walk(expr)
        if isinstance(node, ast.Call)
        and _name(node.func) in SINGULAR
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ]


def messages(tree: ast.Module) -> list[tuple[int, ast.expr]]:
    """(line, message expression) of each DomainError construction in the module."""
    names, constants = _subclasses([tree], domain_error_names()), _constants(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            message = message_of(node, names)
            if message is not None:
                found.append((node.lineno, _resolve(message, constants)))
    return found


def untranslated(tree: ast.Module) -> list[int]:
    return sorted(line for line, message in messages(tree) if bare_literals(message))


def read_po(path: Path) -> dict[str, tuple[str, set[str]]]:
    """msgid → (msgstr, flags) of the entries msgfmt compiles: obsolete ones (`#~`) and
    plural forms left out. Entries are separated by blank lines, as gettext writes them."""
    entries = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line.strip() for line in block.strip().splitlines()]
        if any(line.startswith("#~") or line.startswith("msgid_plural") for line in lines):
            continue
        flags = {f.strip() for line in lines if line.startswith("#,") for f in line[2:].split(",")}
        fields: dict[str, str] = {}
        field = None
        for line in lines:
            if line.startswith(("msgid ", "msgstr ", "msgctxt ")):
                field, _, line = line.partition(" ")
                fields[field] = ""
            if line.startswith('"') and field:
                fields[field] += ast.literal_eval(line)
        if fields.get("msgid") and "msgctxt" not in fields:
            entries[fields["msgid"]] = (fields.get("msgstr", ""), flags)
    return entries


def scanned() -> dict[Path, ast.Module]:
    return modules()


def test_it_finds_no_untranslated_domain_error_message():
    offenders = [
        f"{relative(path)}:{line}"
        for path, tree in scanned().items()
        for line in untranslated(tree)
    ]
    assert offenders == [], "wrap these messages in _() (common/errors.py):\n" + "\n".join(
        offenders
    )


def test_it_catches_literals_and_f_strings_but_not_gettext():
    source = """
from ruhu.common.errors import Conflict, DomainError
class Mine(Conflict): ...
A = "常量"
B = _("常量")
raise Conflict("字面")
raise Mine(f"{x} 字面")
raise DomainError(message="字面" % {})
raise Conflict("有" if x else _("无"))
raise Conflict(A)
raise Conflict(_("已翻译 %(x)s") % {"x": "参数"})
raise Conflict(_("已翻译 %(day)s") % {"day": day.strftime("%Y-%m-%d")})
raise Conflict(B)
raise Conflict(gettext_lazy("已翻译"), code="code_is_not_a_message")
"""
    assert untranslated(ast.parse(source)) == [6, 7, 8, 9, 10, 11]


def test_it_has_english_for_every_domain_error_message():
    catalogue = read_po(LOCALE / "django.po")
    with (LOCALE / "django.mo").open("rb") as compiled:
        mo = stdlib_gettext.GNUTranslations(compiled)
    problems = []
    for path, tree in scanned().items():
        for line, message in messages(tree):
            for msgid in msgids(message):
                where = f"{relative(path)}:{line} {msgid!r}"
                english, flags = catalogue.get(msgid, ("", set()))
                if not english or "fuzzy" in flags:
                    problems.append(f"{where}: no English in django.po")
                elif set(PLACEHOLDER.findall(english)) != set(PLACEHOLDER.findall(msgid)):
                    problems.append(f"{where}: placeholders differ from {english!r}")
                elif PLACEHOLDER.search(msgid) and "python-format" not in flags:
                    problems.append(f"{where}: mark it `#, python-format`")
                elif mo.gettext(msgid) != english:
                    problems.append(f"{where}: django.mo is stale (msgfmt -o django.mo)")
    assert problems == [], "\n".join(problems)


def test_it_reads_the_po_file_as_msgfmt_does(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: a.py\n#, python-format\nmsgid "已有 %(n)s 个"\nmsgstr ""\n"%(n)s "\n"exist"\n\n'
        '#, fuzzy\nmsgid "模糊"\nmsgstr "Fuzzy"\n\n'
        '#~ msgid "作废"\n#~ msgstr "Obsolete"\n',
        encoding="utf-8",
    )
    assert read_po(po) == {
        "已有 %(n)s 个": ("%(n)s exist", {"python-format"}),
        "模糊": ("Fuzzy", {"fuzzy"}),
    }


# ── converting a file: python tests/common/test_error_words.py wrap|missing FILE… ─────────


def wrap(path: Path) -> None:
    """Put `_()` around each literal DomainError message in the file (importing gettext as
    `_` when nothing is imported under that name); print what is left for a person."""
    source = path.read_bytes()
    tree = ast.parse(source)
    literals = []
    for line, message in messages(tree):
        if isinstance(message, ast.Constant) and isinstance(message.value, str):
            literals.append(message)
        elif bare_literals(message):
            print(f'{path}:{line}: by hand: _("… %(name)s …") % {{"name": …}}')
    lines = source.splitlines(keepends=True)  # AST columns count UTF-8 bytes
    for node in sorted(literals, key=lambda n: (n.lineno, n.col_offset), reverse=True):
        end, start = node.end_lineno - 1, node.lineno - 1
        lines[end] = lines[end][: node.end_col_offset] + b")" + lines[end][node.end_col_offset :]
        lines[start] = lines[start][: node.col_offset] + b"_(" + lines[start][node.col_offset :]
    source = b"".join(lines)
    imported = any(
        isinstance(n, ast.ImportFrom) and any((a.asname or a.name) == "_" for a in n.names)
        for n in tree.body
    )
    if literals and not imported:
        anchor = b"from __future__ import annotations\n"
        anchor = anchor if anchor in source else b"\n\n"
        gettext = b"from django.utils.translation import gettext as _\n"
        source = source.replace(anchor, anchor + gettext, 1)
    path.write_bytes(source)
    print(f"{path}: {len(literals)} wrapped")


def missing(paths: list[Path]) -> None:
    """The DomainError msgids of the files that django.po lacks, as entries to fill in."""
    catalogue, seen = read_po(LOCALE / "django.po"), set()
    for path in paths:
        for _line, message in messages(ast.parse(path.read_text(encoding="utf-8"))):
            for msgid in msgids(message):
                if msgid in seen or catalogue.get(msgid, ("",))[0]:
                    continue
                seen.add(msgid)
                flag = "#, python-format\n" if PLACEHOLDER.search(msgid) else ""
                quoted = msgid.replace("\\", "\\\\").replace('"', '\\"')
                where = os.path.relpath(path.resolve(), ROOT)
                print(f'#: {where}\n{flag}msgid "{quoted}"\nmsgstr ""\n')


if __name__ == "__main__":
    import sys

    command, *files = sys.argv[1:]
    if command == "wrap":
        for file in files:
            wrap(Path(file))
    else:
        missing([Path(file) for file in files])
