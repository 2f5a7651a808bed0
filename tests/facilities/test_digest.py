"""The leads' morning list of what is late: sent once a day, only when something is."""

from __future__ import annotations

import datetime as dt

from ruhu.common.models import OutboxMessage
from ruhu.facilities.services import facility_check_submit, facility_digest_send
from tests.facilities.checking import check_payload
from tests.facilities.conftest import make_facility


def test_it_tells_each_lead_once_a_day_what_is_late(
    clock, lena, charlie, box, org, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    make_facility(
        org.a, "LATE", last_checked_on=dt.date(2026, 8, 1), last_cleaned_on=dt.date(2025, 8, 1)
    )
    facility_check_submit(acting_user=charlie, payload=check_payload(box, cutoff_pa=3400))
    today = dt.date(2026, 12, 1)  # the job raised on 27 Nov was due on the 30th
    assert facility_digest_send(on=today) == 1
    [mail] = OutboxMessage.objects.filter(subject="场站设施超期提醒")
    assert mail.recipient == "lena@example.com"
    assert "超期未检查 1 处" in mail.body
    assert "维修任务超期 1 项" in mail.body
    assert "调压箱超期未清洗 1 处" in mail.body  # LATE; the box, cleaned in March, is not
    facility_digest_send(on=today)
    assert OutboxMessage.objects.filter(subject="场站设施超期提醒").count() == 1


def test_nothing_late_sends_nothing(clock, lena, org):
    make_facility(
        org.a, "FINE", last_checked_on=dt.date(2026, 11, 1), last_cleaned_on=dt.date(2026, 11, 1)
    )
    assert facility_digest_send(on=dt.date(2026, 11, 27)) == 0
    assert not OutboxMessage.objects.filter(subject="场站设施超期提醒").exists()
