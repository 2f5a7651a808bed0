"""The rectification notice quotes the branch's policy, as on the day it is issued: the
company copy's return time (hazard.company_copy_return_hours, 48 h) and the second notice's
deadline (hazard.second_notice_days, 3 days), never numbers of its own (RULES B6.3, B6.4)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from ruhu.common.attachments import attachment_open
from ruhu.common.policy import policy_set
from ruhu.hazards.documents import rectification_notice_pdf
from ruhu.hazards.models import HazardNotice
from tests.hazards.conftest import find
from tests.hazards.test_documents import NOTICE
from tests.pdf import pdf_text

HEATER = {"hazard_type": "direct_exhaust_heater", "item": "no_direct_exhaust", "level": 1}


def text(data: bytes) -> str:
    return pdf_text(data).replace(" ", "").replace("\xa0", "")


def test_it_prints_the_numbers_it_is_given():
    default = text(rectification_notice_pdf(NOTICE))
    assert "此联须于48小时内交回" in default and "限期3日内整改" in default
    other = dataclasses.replace(NOTICE, copy_return_hours=24, second_notice_days=5)
    printed = text(rectification_notice_pdf(other))
    assert "此联须于24小时内交回" in printed and "限期5日内整改" in printed
    assert "48小时" not in printed and "限期3日" not in printed


def test_the_notice_handed_over_at_a_visit_quotes_the_branch_s_policy(
    clock, alice, charlie, org, household_a
):
    for key, value in (
        ("hazard.company_copy_return_hours", 24),
        ("hazard.second_notice_days", 5),
    ):
        policy_set(
            acting_user=alice,
            key=key,
            value=value,
            effective_from=dt.date(2026, 1, 1),
            branch=org.a,
        )
    find(charlie, household_a, HEATER)
    notice = HazardNotice.objects.get()
    with attachment_open(notice.document) as stream:
        printed = text(stream.read())
    assert "此联须于24小时内交回" in printed and "限期5日内整改" in printed
