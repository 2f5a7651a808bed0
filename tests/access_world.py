"""The data the access matrix walks over: one user per role in branch A (and two at head
office), and in each branch one of every kind of record a route can name: a household, a
plan with its community notice, an inspected visit (photos, signature, hazards), an absent
visit waiting for review, a hazard with a notice posted on the door and a recorded call,
a month-end package, a facility with a task, a check and a repaired defect, an import job
and a device token. Built once per module through the services, as the users would."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.test import TestCase
from PIL import Image

from ruhu.accounts.roles import FIELD_ROLES, Role
from ruhu.accounts.services import org_unit_create, token_issue
from ruhu.common.attachments import attachment_store
from ruhu.common.inbox import inbox_post
from ruhu.common.models import Attachment, ImportJob, InboxMessage
from ruhu.facilities.models import FacilityRepair
from ruhu.facilities.services import facility_repair_done, facility_tasks_assign
from ruhu.hazards.models import Hazard
from ruhu.hazards.services import (
    followup_call_record,
    hazard_assign,
    hazard_notice_deliver,
    hazard_notice_issue,
    hazard_repair_fail,
    monthly_package_build,
)
from ruhu.inspection.models import AbsentReview, PlanTask
from ruhu.inspection.services import (
    community_notice_record_posting,
    community_notices_issue,
    visit_submit,
)
from ruhu.premises.services import household_create
from tests.conftest import make_user
from tests.facilities.checking import submit
from tests.factories import make_approved_plan, make_facility, make_training
from tests.inspection.visiting import absent, inspected, photo

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)  # a week before December's plan
DECEMBER = dt.date(2026, 12, 1)
WALL = {"hazard_type": "hose_through_wall", "item": "stove_connection", "level": 2}


@dataclass
class Branch:
    """One branch's records, each the object its routes name."""

    unit: object
    inspector: object
    lead: object
    repairer: object
    household: object = None
    plan: object = None
    plan_task: object = None
    community_notice: object = None
    visit: object = None
    absent_visit: object = None
    hazard: object = None
    notice: object = None
    call: object = None
    package: object = None
    facility: object = None
    facility_task: object = None
    check: object = None
    repair: object = None
    import_job: object = None
    facility_import_job: object = None
    token: object = None
    message: object = None  # in the inspector's inbox
    stray_upload: object = None  # uploaded, cited by no record


@dataclass
class World:
    users: dict[str, object]  # persona name → user: every role of branch A, and head office
    a: Branch
    b: Branch
    attachments: dict[str, dict[str, Attachment]] = field(default_factory=dict)


def _png(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "PNG")
    return out.getvalue()


def _recording(user) -> Attachment:
    return attachment_store(
        acting_user=user,
        kind=Attachment.Kind.RECORDING,
        file=io.BytesIO(b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes([len(user.username)]) * 64),
        branch_id=user.branch_id,
    )


def _upload(user, colour: str) -> Attachment:
    return Attachment.objects.get(sha256=photo(user, colour), branch_id=user.branch_id)


def build_world() -> World:
    company = org_unit_create(acting_user=None, kind="company", code="acme", name="示范燃气")
    units = {}
    for code, name in (("a", "东城项目公司"), ("b", "西城项目公司")):
        branch = org_unit_create(
            acting_user=None, kind="branch", code=code, name=name, parent=company
        )
        team = org_unit_create(
            acting_user=None, kind="team", code=f"{code}1", name=f"{name}一班", parent=branch
        )
        units[code] = (branch, team)
    users = {}
    for role in Role:
        branch, team = units["a"]
        unit = team if role in FIELD_ROLES else branch
        users[f"a.{role.value}"] = make_user(f"a_{role.value}", role, unit, badge_no=f"A-{role}")
    users["head_office.admin"] = make_user("ho_admin", Role.ADMIN, company, is_superuser=True)
    users["head_office.manager"] = make_user("ho_manager", Role.MANAGER, company)
    a = Branch(
        units["a"][0],
        inspector=users["a.inspector"],
        lead=users["a.inspection_lead"],
        repairer=users["a.repairer"],
    )
    branch_b, team_b = units["b"]
    b = Branch(
        branch_b,
        inspector=make_user("b_inspector", Role.INSPECTOR, team_b, badge_no="B-1"),
        lead=make_user("b_lead", Role.INSPECTION_LEAD, branch_b),
        repairer=make_user("b_repairer", Role.REPAIRER, team_b),
    )
    world = World(users=users, a=a, b=b)
    for key, branch in (("a", a), ("b", b)):
        _fill(branch, key)
        world.attachments[key] = _attachments(branch)
    return world


def _fill(branch: Branch, key: str) -> None:
    _households_and_plan(branch, key)
    _visits(branch)
    _hazard_paper(branch)
    _facility(branch, key)
    branch.import_job = ImportJob.objects.create(
        kind="household", branch=branch.unit, mode="all", file_name="households.csv", status="done",
        created_by=branch.lead, report=ContentFile(b"line,column,reason\n", name="report.csv"),
    )  # fmt: skip
    branch.facility_import_job = ImportJob.objects.create(
        kind="facility", branch=branch.unit, mode="all", file_name="facilities.csv",
        status="done", created_by=branch.lead,
        report=ContentFile(b"line,column,reason\n", name="report.csv"),
    )  # fmt: skip
    branch.token, _raw = token_issue(
        acting_user=branch.inspector, user=branch.inspector, name="phone"
    )
    branch.stray_upload = _upload(branch.inspector, "purple")
    inbox_post(users=[branch.inspector], subject="培训通知")
    branch.message = InboxMessage.objects.get(recipient=branch.inspector)


def _households_and_plan(branch: Branch, key: str) -> None:
    make_training(branch.lead, branch.inspector)
    homes = [
        household_create(
            acting_user=None, branch=branch.unit, account_no=f"{key.upper()}00000{n}",
            name=f"住户{n}", category="residential", community="翠苑", building="1幢",
            room=f"{n}01", phone=f"1391234{'ab'.index(key)}{n:03d}", address=f"翠苑1幢{n}01室",
        )
        for n in (1, 2)
    ]  # fmt: skip
    branch.household = homes[0]
    branch.plan = make_approved_plan(branch.lead, branch.unit, DECEMBER)
    branch.plan_task = PlanTask.objects.filter(plan=branch.plan).order_by("pk").first()
    [notice] = community_notices_issue(acting_user=branch.lead, plan=branch.plan)
    branch.community_notice = community_notice_record_posting(
        acting_user=branch.inspector, notice=notice, photo=io.BytesIO(_png("pink")), note="已张贴"
    )


def _visits(branch: Branch) -> None:
    user, household = branch.inspector, branch.household
    payload = inspected(user, household).model_dump()
    payload["checklist"][WALL["item"]] = {"state": "hazard"}
    payload["checklist"]["gas_odour"] = {"state": "ok", "photos": [photo(user, "grey")]}
    payload["hazards"] = [{**WALL, "fixed_on_spot": False, "before_photo": photo(user, "red")}]
    with TestCase.captureOnCommitCallbacks(execute=True):
        branch.visit, _ = visit_submit(acting_user=user, payload=inspected(user, household, **{
            k: payload[k] for k in ("id", "checklist", "hazards")
        }))  # fmt: skip
        branch.absent_visit, _ = visit_submit(acting_user=user, payload=absent(user, household))
    AbsentReview.objects.get_or_create(
        absent_visit=branch.absent_visit, defaults={"branch_id": branch.unit.pk, "reason": "sample"}
    )
    branch.hazard = Hazard.objects.get(found_visit=branch.visit)


def _hazard_paper(branch: Branch) -> None:
    """The repairer cannot fix it; the inspector posts a rectification notice on the door;
    the lead calls the customer and records the call; the month's package is built."""
    hazard_assign(acting_user=branch.repairer, hazard=branch.hazard, repairer=branch.repairer)
    hazard_repair_fail(acting_user=branch.repairer, hazard=branch.hazard, reason="无法入户")
    branch.hazard.refresh_from_db()
    branch.notice = hazard_notice_issue(
        acting_user=branch.inspector, kind="rectify", hazards=[branch.hazard]
    )
    hazard_notice_deliver(
        acting_user=branch.inspector, notice=branch.notice, method="posted",
        photo=_upload(branch.inspector, "blue"),
    )  # fmt: skip
    branch.notice.refresh_from_db()
    branch.hazard.refresh_from_db()
    branch.call = followup_call_record(
        acting_user=branch.lead, hazard=branch.hazard, called_at=dt.datetime.now(dt.UTC),
        result="refused", notes="客户称下周处理", recording=_recording(branch.lead),
    )  # fmt: skip
    branch.package = monthly_package_build(
        branch=branch.unit, month=dt.date(2026, 11, 1), audience="supervision"
    )


def _facility(branch: Branch, key: str) -> None:
    facility = make_facility(branch.unit, f"TYX-{key.upper()}-001", last_checked_on=None)
    branch.facility = facility
    [branch.facility_task] = facility_tasks_assign(
        acting_user=branch.lead,
        facility_ids=[facility.pk],
        assignee=branch.inspector,
        day=NOW.date() + dt.timedelta(days=1),
    )
    checklist = {item: {"state": "ok"} for item in _items(facility)}
    defect = next(iter(checklist))
    checklist[defect] = {"state": "defect", "note": "锈蚀", "photos": [photo(branch.inspector)]}
    branch.check = submit(branch.inspector, facility, checklist=checklist)
    repair = FacilityRepair.objects.get(raised_by=branch.check)
    branch.repair = facility_repair_done(
        acting_user=branch.repairer, repair=repair, note="已除锈", after_photo=photo(
            branch.repairer, "green"
        ),
    )  # fmt: skip


def _items(facility) -> list[str]:
    from ruhu.facilities.checklist import items_for

    return [item.code for item in items_for(facility.kind)]


def _attachments(branch: Branch) -> dict[str, Attachment]:
    """Every attachment of the branch by what cites it."""
    visit = branch.visit
    return {
        "visit.signature": visit.signature,
        "visit.item_photo": visit.photos.get(purpose="item").attachment,
        "visit.absent_photo": branch.absent_visit.photos.get().attachment,
        "hazard.before_photo": branch.hazard.before_photo,
        "notice.document": branch.notice.document,
        "notice.delivery_photo": branch.notice.delivery_photo,
        "call.recording": branch.call.recording,
        "package.pdf": branch.package.pdf,
        "community_notice.document": branch.community_notice.document,
        "community_notice.posting_photo": branch.community_notice.posting_photo,
        "check.photo": branch.check.photos.get().attachment,
        "repair.after_photo": branch.repair.after_photo,
        "stray_upload": branch.stray_upload,
    }
