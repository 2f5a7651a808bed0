"""Every service says who acts: a keyword-only `acting_user`, typed (DESIGN, rule 1).

A public function of a services module takes `*, acting_user: User` (or `User | None` where
the system may act: commands, jobs, the demo), unless it is listed below as something else
(a job, a read-only helper, a rule check). `common` cannot import accounts: its functions
type the parameter as `Actor` (common/actors.py), a Protocol that User satisfies. Wherever
the parameter appears, in services and in common, it carries one of those annotations, so
mypy (the Makefile's TYPED list) checks what services do with it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "ruhu"

# Public functions of services modules that no person calls as an act of their own.
WITHOUT_ACTING_USER = {
    # jobs: the system acts, on a schedule or after a commit
    "facilities/services/digest.py:facility_digest_send",
    "hazards/services/clock.py:hazard_clock_run",
    "hazards/services/notices.py:hazard_notice_render",
    "hazards/services/packages.py:monthly_package_build",
    "hazards/services/packages.py:monthly_packages_build_due",
    "hazards/services/tally.py:hazard_tally_rebuild",
    "premises/services/importing.py:import_job_run",
    "facilities/services/importing.py:facility_import_job_run",
    "inspection/services/notices.py:household_notices_send_due",
    # sign-in and invitations: the person is not known (or not signed in) yet
    "accounts/services/staff.py:login_check",
    "accounts/services/staff.py:session_start",
    "accounts/services/staff.py:session_end",
    "accounts/services/tokens.py:token_authenticate",
    "accounts/services/credentials.py:invitation_user",
    "accounts/services/credentials.py:user_invitation_accept",
    # rule checks, taking the acting user first like common.scoping.require
    "accounts/services/rules.py:require_may_grant",
    "accounts/services/rules.py:require_manages",
    "accounts/services/rules.py:require_may_place",
    # helpers the services above call inside their own transaction, or pure computations
    "accounts/services/credentials.py:invitation_token",
    "accounts/services/rules.py:branch_of",
    "accounts/services/rules.py:capability_labels",
    "accounts/services/rules.py:check_password",
    "accounts/services/rules.py:first_login_hours",
    "accounts/services/staff.py:role_change_text",
    "accounts/services/staff.py:end_sessions",
    "accounts/services/tokens.py:tokens_revoke_all",
    "accounts/services/tokens.py:token_digest",
    "accounts/services/tokens.py:refuse_until_password_changed",
    "facilities/services/checks.py:judge",
    "facilities/services/digest.py:branch_lateness",
    "hazards/services/catalogue.py:hazard_type_check",
    "hazards/services/found.py:default_route",
    "hazards/services/packages.py:month_bounds",
    "hazards/services/tally.py:tally_add",
    "hazards/services/tally.py:tally_resolution",
    "hazards/services/transitions.py:chain",
    "hazards/services/transitions.py:require_photo",
    "inspection/services/notices.py:community_sms",
    "inspection/services/notices.py:household_sms",
}

IN_APPS = {"User", "User | None"}
IN_COMMON = {"Actor", "Actor | None"}


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def services_modules() -> dict[str, ast.Module]:
    paths = {*ROOT.glob("*/services.py"), *ROOT.glob("*/services/*.py")}
    return {relative(p): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(paths)}


def common_modules() -> dict[str, ast.Module]:
    return {
        relative(p): ast.parse(p.read_text(encoding="utf-8"))
        for p in sorted((ROOT / "common").glob("*.py"))
    }


def functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def acting_user_param(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[ast.arg, bool] | None:
    """The `acting_user` parameter and whether it is keyword-only, if the function has one."""
    args = node.args
    for arg in args.kwonlyargs:
        if arg.arg == "acting_user":
            return arg, True
    for arg in args.posonlyargs + args.args:
        if arg.arg == "acting_user":
            return arg, False
    return None


def signature_problems(
    name: str, tree: ast.Module, allowed: set[str], *, services: bool
) -> list[str]:
    """What is wrong with the module's functions: in services, a public one without a
    keyword-only `acting_user` (unless listed); anywhere, an `acting_user` not typed as one
    of `allowed`."""
    problems = []
    public = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    for node in functions(tree):
        where = f"{name}:{node.name}"
        found = acting_user_param(node)
        service = services and node.name in public and not node.name.startswith("_")
        if service and where not in WITHOUT_ACTING_USER and (found is None or not found[1]):
            problems.append(f"{where} takes no keyword-only acting_user")
        if found is not None:
            annotation = ast.unparse(found[0].annotation) if found[0].annotation else None
            if annotation not in allowed:
                problems.append(f"{where}: acting_user is {annotation}, not one of {allowed}")
    return problems


def test_it_finds_acting_user_typed_and_keyword_only_on_every_service():
    problems = [
        problem
        for name, tree in services_modules().items()
        for problem in signature_problems(name, tree, IN_APPS, services=True)
    ]
    assert problems == [], "\n".join(problems)


def test_it_finds_acting_user_typed_as_an_actor_throughout_common():
    problems = [
        problem
        for name, tree in common_modules().items()
        for problem in signature_problems(name, tree, IN_COMMON, services=False)
    ]
    assert problems == [], "\n".join(problems)


def test_it_lists_only_functions_that_exist():
    """A name left here after its function went would exempt the next one to take it."""
    defined = {
        f"{name}:{node.name}"
        for name, tree in services_modules().items()
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    }
    assert WITHOUT_ACTING_USER - defined == set()


def test_it_catches_a_service_that_forgets_its_acting_user():
    source = """
def household_close(*, household: int) -> None: ...
def household_open(acting_user: User, *, household: int) -> None: ...
def household_move(*, acting_user, household: int) -> None: ...
def household_keep(*, acting_user: User | None, household: int) -> None: ...
def _helper(acting_user: User) -> None: ...
"""
    assert signature_problems(
        "premises/services.py", ast.parse(source), IN_APPS, services=True
    ) == [
        "premises/services.py:household_close takes no keyword-only acting_user",
        "premises/services.py:household_open takes no keyword-only acting_user",
        f"premises/services.py:household_move: acting_user is None, not one of {IN_APPS}",
    ]
