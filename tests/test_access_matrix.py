"""Every route × every role × an object of the user's branch and one of the other branch,
against what the route itself declares (`ruhu.common.access`, decision 0012).

The routes come from the URL patterns and the OpenAPI schema, not from a list here: a
page or operation without a declaration fails `test_it_finds_a_declaration_on_every_route`
the day it is added. What this file holds is the data: which fixture object each route's
parameters name (`PAGE_OBJECTS`, `API_OBJECTS`), and sample values of required query
parameters. A new route with parameters fails until it is told which object they name.

The rule each answer is held to:
- a role holding none of the declared capabilities: 403;
- an object of another branch: 404, except for head office;
- a task is its assignee's alone, and field staff reach only the visits they made: 404;
- anything else: allowed (200, or a redirect).
An attachment is allowed to its uploader and to whoever may open a record citing it (the
route that shows that record decides), else 404.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ruhu.api import api
from ruhu.common.access import Access, access_of
from tests.access_world import NOW, Branch, World, build_world

API_PREFIX = "/api/v1"
ALLOWED = "allowed"
OK_STATUSES = {200, 204, 302}


@dataclass(frozen=True)
class Target:
    """The URL parameters naming one object, and who alone may reach it."""

    kwargs: dict
    assignee: object | None = None  # a task: only the person it is given to
    made_by: object | None = None  # a visit: among field staff, only who made it
    or_holder: str = ""  # ... or whoever holds this capability (in scope)


def _own(attr: str, param: str = "pk", *, assignee: str = "", made_by: str = ""):
    def target(branch: Branch) -> Target:
        obj = getattr(branch, attr)
        return Target(
            {param: obj.pk},
            assignee=getattr(branch, assignee) if assignee else None,
            made_by=getattr(branch, made_by) if made_by else None,
        )

    return target


# which object each page's URL parameters name, by URL name
PAGE_OBJECTS: dict[str, Callable[[Branch], Target]] = {
    "token-revoke": lambda b: Target(
        {"pk": b.token.pk}, assignee=b.inspector, or_holder="staff.manage"
    ),
    "staff-detail": lambda b: Target({"pk": b.inspector.pk}),
    "staff-reactivate": lambda b: Target({"pk": b.inspector.pk}),
    "staff-deactivate": lambda b: Target({"pk": b.inspector.pk}),
    "staff-unmask": lambda b: Target({"pk": b.inspector.pk}),
    "staff-role": lambda b: Target({"pk": b.inspector.pk}),
    "staff-password-reset": lambda b: Target({"pk": b.inspector.pk}),
    "staff-invite": lambda b: Target({"pk": b.inspector.pk}),
    "inbox-read": lambda b: Target({"pk": b.message.pk}, assignee=b.inspector),
    "household-import-job": _own("import_job"),
    "household-import-report": _own("import_job"),
    "facility-import-job": _own("facility_import_job"),
    "facility-import-report": _own("facility_import_job"),
    "household-detail": _own("household"),
    "household-unmask": _own("household"),
    "household-visits": _own("household"),
    "household-hazards": _own("household"),
    "visit-detail": _own("visit", "visit_id", made_by="inspector"),
    "missed-visit-notice": _own("absent_visit", "visit_id", made_by="inspector"),
    "review-visit": _own("absent_visit", "visit_id"),
    "visit-page": _own("plan_task", "task_id", assignee="inspector"),
    "plan-detail": _own("plan"),
    "plan-approve": _own("plan"),
    "plan-unplanned": _own("plan"),
    "community-notices-issue": _own("plan"),
    "community-notice-pdf": _own("community_notice"),
    "community-notice-posting": _own("community_notice"),
    "hazard-package-file": lambda b: Target({"pk": b.package.pk, "fmt": "pdf"}),
    "hazard-detail": _own("hazard"),
    "hazard-file": lambda b: Target({"pk": b.hazard.pk, "attachment_id": b.hazard.before_photo_id}),
    "hazard-notice-pdf": _own("notice"),
    "hazard-notice-photo": _own("notice"),
    "hazard-call-recording": _own("call"),
    "facility-check-page": _own("facility_task", "task_id", assignee="inspector"),
    "facility-check-unplanned": _own("facility"),
    "facility-check-detail": _own("check"),
    "facility-check-file": lambda b: Target(
        {"pk": b.check.pk, "attachment_id": b.check.photos.get().attachment_id}
    ),
    "facility-detail": _own("facility"),
    "facility-edit": _own("facility"),
    "facility-set-active": _own("facility"),
    "facility-card-pdf": _own("facility"),
    "facility-task-cancel": lambda b: Target({"pk": b.facility.pk, "task_pk": b.facility_task.pk}),
    "facility-repair-photo": lambda b: Target({"pk": b.facility.pk, "repair_pk": b.repair.pk}),
}

# which object an API path parameter names
API_OBJECTS: dict[str, Callable[[Branch], Target]] = {
    "token_id": lambda b: Target(
        {"token_id": b.token.pk}, assignee=b.inspector, or_holder="staff.manage"
    ),
    "user_id": lambda b: Target({"user_id": b.inspector.pk}),
    "household_id": _own("household", "household_id"),
    "hazard_id": _own("hazard", "hazard_id"),
    "notice_id": _own("notice", "notice_id"),
    "task_id": _own("plan_task", "task_id", assignee="inspector"),
    "visit_id": _own("visit", "visit_id", made_by="inspector"),
    "facility_id": _own("facility", "facility_id"),
    "check_id": _own("check", "check_id"),
    "repair_id": _own("repair", "repair_id"),
}
# path parameters walked by `test_it_shows_each_attachment_to_who_may_see_its_record`
ATTACHMENT_PARAM = "attachment_id"
# required query parameters of API operations
QUERY_SAMPLES = {"role": "lead", "start": "2026-11-01", "end": "2026-11-30"}

# A role holding the declared capability may still be refused by a finer rule of the
# route; each entry says which.
FINER_RULES = {
    "GET /api/v1/hazards/queue": "?role= names a queue, which needs that queue's capability",
}

# What cites each attachment of the world: the routes that show the citing record.
ATTACHMENT_PARENTS = {
    "visit.signature": ["visit-detail"],
    "visit.item_photo": ["visit-detail"],
    "visit.absent_photo": ["missed-visit-notice"],
    "hazard.before_photo": ["hazard-detail", "visit-detail"],
    "notice.document": ["hazard-notice-pdf"],
    "notice.delivery_photo": ["hazard-notice-photo"],
    "call.recording": ["hazard-call-recording"],
    "package.pdf": ["hazard-package-file"],
    "community_notice.document": ["community-notice-pdf"],
    "community_notice.posting_photo": ["community-notice-pdf"],
    "check.photo": ["facility-check-detail"],
    "repair.after_photo": ["facility-repair-photo"],
    "stray_upload": [],
}


# ── the routes, from the URL patterns and the schema ─────────────────────────────────


@dataclass(frozen=True)
class Route:
    key: str  # URL name for pages, "METHOD /path" for the API
    access: Access | None
    params: tuple[str, ...]
    path: str = ""  # the API path template
    query: tuple[str, ...] = ()


def _patterns(resolver=None, prefix: str = ""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, prefix + str(pattern.pattern))
        else:
            assert isinstance(pattern, URLPattern)
            yield prefix + str(pattern.pattern), pattern


def _framework(path: str) -> bool:
    """Django's admin (staff only, its own permissions) and the API's URL space, whose
    operations are walked from the schema; its docs and root are Ninja's own pages."""
    return path.startswith(("admin/", "api/v1/"))


def page_routes() -> list[Route]:
    routes = []
    for path, pattern in _patterns():
        if _framework(path) or getattr(pattern.callback, "login_required", True) is False:
            continue
        params = tuple(pattern.pattern.regex.groupindex)  # path() and re_path() alike
        routes.append(Route(pattern.name or path, access_of(pattern.callback), params))
    return routes


def api_routes() -> list[Route]:
    schema = api.get_openapi_schema(path_prefix=API_PREFIX)
    routes = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if not operation.get("security"):
                continue  # public: signing in
            declared = operation.get("x-capability")
            access = None if declared is None else Access(tuple(declared))
            parameters = operation.get("parameters", [])
            routes.append(
                Route(
                    f"{method.upper()} {path}",
                    access,
                    tuple(p["name"] for p in parameters if p["in"] == "path"),
                    path,
                    tuple(p["name"] for p in parameters if p["in"] == "query" and p["required"]),
                )
            )
    return routes


def test_it_finds_a_declaration_on_every_route():
    undeclared = [r.key for r in page_routes() + api_routes() if r.access is None]
    assert undeclared == [], "declare with ruhu.common.access.requires / signed_in"


def test_it_knows_the_object_every_route_parameter_names():
    unknown = [r.key for r in page_routes() if r.params and r.key not in PAGE_OBJECTS]
    unknown += [
        f"{r.key} {{{p}}}"
        for r in api_routes()
        for p in r.params
        if p not in API_OBJECTS and p != ATTACHMENT_PARAM
    ]
    unknown += [f"{r.key} ?{q}" for r in api_routes() for q in r.query if q not in QUERY_SAMPLES]
    assert unknown == [], "say which fixture object (or sample) these parameters name"


def test_it_walks_enough_to_mean_something():
    assert len(page_routes()) > 55 and len(api_routes()) > 40


# ── the world, built once ─────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    media = tempfile.mkdtemp(prefix="ruhu-access-")
    traveller = time_machine.travel(NOW, tick=False)
    settings = override_settings(MEDIA_ROOT=media)
    traveller.start()
    settings.enable()
    try:
        with django_db_blocker.unblock():
            built = build_world()
        yield built
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)
        settings.disable()
        traveller.stop()
        shutil.rmtree(media, ignore_errors=True)


@pytest.fixture
def clients(world, db) -> dict[str, Client]:
    made = {}
    for name, user in world.users.items():
        made[name] = Client()
        made[name].force_login(user)
    return made


def expected(user, access: Access, target: Target | None, foreign: bool) -> object:
    if not access.allows(user):
        return 403
    if target is None:
        return ALLOWED
    if foreign and not user.is_head_office:
        return 404
    someone_else = target.assignee is not None and user.pk != target.assignee.pk
    if someone_else and not (target.or_holder and user.can(target.or_holder)):
        return 404
    if target.made_by is not None and user.is_field_staff and user.pk != target.made_by.pk:
        return 404
    return ALLOWED


@dataclass
class Tally:
    requests: int = 0
    wrong: list[str] = field(default_factory=list)
    exposures: int = 0

    def check(self, label: str, want, response, *, finer: bool = False):
        self.requests += 1
        got = response.status_code
        if want == ALLOWED:
            ok = got in OK_STATUSES or (finer and got in {403, 404})
        else:
            ok = got == want
            self.exposures += got in OK_STATUSES
        if not ok:
            self.wrong.append(f"{label}: want {want}, got {got}")

    def verdict(self, what: str) -> None:
        print(f"{what}: {self.requests} requests, {self.exposures} exposures")
        if self.wrong:
            wrong = "\n".join(self.wrong)
            pytest.fail(f"{len(self.wrong)} wrong answers:\n{wrong}", pytrace=False)


def _targets(world: World, make) -> list[tuple[str, Target | None]]:
    if make is None:
        return [("", None)]
    return [("own", make(world.a)), ("foreign", make(world.b))]


def _api_url(route: Route, target: Target | None) -> str:
    url = route.path
    for name, value in (target.kwargs if target else {}).items():
        url = url.replace("{" + name + "}", str(value))
    query = "&".join(f"{q}={QUERY_SAMPLES[q]}" for q in route.query)
    return url + (f"?{query}" if query else "")


def _api_target(world: World, route: Route):
    if not route.params:
        return None
    makers = [API_OBJECTS[p] for p in route.params]

    def target(branch: Branch) -> Target:
        parts = [make(branch) for make in makers]
        kwargs = {k: v for part in parts for k, v in part.kwargs.items()}
        return Target(
            kwargs,
            assignee=next((p.assignee for p in parts if p.assignee), None),
            made_by=next((p.made_by for p in parts if p.made_by), None),
            or_holder=next((p.or_holder for p in parts if p.or_holder), ""),
        )

    return target


def test_every_page_answers_each_role_as_declared(world, clients):
    tally = Tally()
    for route in page_routes():
        for side, target in _targets(world, PAGE_OBJECTS.get(route.key) if route.params else None):
            url = reverse(route.key, kwargs=target.kwargs if target else None)
            for name, user in world.users.items():
                want = expected(user, route.access, target, side == "foreign")
                response = clients[name].get(url)
                if response.status_code == 405:
                    continue  # a form's POST address: see the write test
                tally.check(f"GET {url} as {name} {side}", want, response)
    tally.verdict("pages")


def test_every_api_read_answers_each_role_as_declared(world, clients):
    tally = Tally()
    for route in api_routes():
        if not route.key.startswith("GET ") or ATTACHMENT_PARAM in route.params:
            continue
        for side, target in _targets(world, _api_target(world, route)):
            url = _api_url(route, target)
            for name, user in world.users.items():
                want = expected(user, route.access, target, side == "foreign")
                tally.check(
                    f"{route.key} {url} as {name} {side}",
                    want,
                    clients[name].get(url),
                    finer=route.key in FINER_RULES,
                )
    tally.verdict("api")


def test_every_page_write_refuses_who_lacks_the_capability_or_the_branch(world, clients):
    """POSTs that must change nothing: a role without the declared capability (403 before
    the view runs), or another branch's object (404). Allowed writes have their own tests."""
    tally = Tally()
    for route in page_routes():
        for side, target in _targets(world, PAGE_OBJECTS.get(route.key) if route.params else None):
            url = reverse(route.key, kwargs=target.kwargs if target else None)
            for name, user in world.users.items():
                want = expected(user, route.access, target, side == "foreign")
                if want == ALLOWED:
                    continue
                response = clients[name].post(url, {})
                if response.status_code == 405:
                    continue
                tally.check(f"POST {url} as {name} {side}", want, response)
    tally.verdict("writes")


def _attachment_routes() -> list[Route]:
    routes = [r for r in api_routes() if ATTACHMENT_PARAM in r.params]
    assert routes and all(
        r.key.startswith("GET ") and r.params == (ATTACHMENT_PARAM,) for r in routes
    )
    return routes


def test_it_shows_each_attachment_to_who_may_see_its_record(world, clients):
    tally = Tally()
    assert set(world.attachments["a"]) == set(ATTACHMENT_PARENTS)
    for route in _attachment_routes():
        for side, key in (("own", "a"), ("foreign", "b")):
            branch = getattr(world, key)
            for label, attachment in world.attachments[key].items():
                url = route.path.replace("{" + ATTACHMENT_PARAM + "}", str(attachment.pk))
                for name, user in world.users.items():
                    want = _attachment_expected(world, branch, label, attachment, user, side)
                    tally.check(f"{url} ({label}) as {name} {side}", want, clients[name].get(url))
    tally.verdict("attachments")


def _attachment_expected(world, branch, label, attachment, user, side) -> object:
    if attachment.uploaded_by_id == user.pk:
        return ALLOWED
    routes = {r.key: r for r in page_routes()}
    for parent in ATTACHMENT_PARENTS[label]:
        target = PAGE_OBJECTS[parent](branch)
        if expected(user, routes[parent].access, target, side == "foreign") == ALLOWED:
            return ALLOWED
    return 404


def test_a_section_of_another_page_leaves_it_for_a_role_without_the_capability(world, clients):
    installer = clients["a.installer"]  # may see households, not hazards
    url = reverse("household-hazards", kwargs={"pk": world.a.household.pk})
    quiet = installer.get(url, headers={"HX-Request": "true"})
    assert quiet.status_code == 200 and quiet.content == b""
    assert installer.get(url).status_code == 403


def test_the_schema_tells_clients_what_each_operation_needs(world):
    operation = api.get_openapi_schema(path_prefix=API_PREFIX)["paths"][
        "/api/v1/hazards/{hazard_id}"
    ]
    assert operation["get"]["x-capability"] == ["hazards.view"]
    assert re.fullmatch(r"[a-z_.]+", operation["get"]["x-capability"][0])
