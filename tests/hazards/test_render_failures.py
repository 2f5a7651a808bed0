"""A notice the background job cannot render says why on its pages, and is retried."""

from __future__ import annotations

import pytest

from ruhu.hazards.models import HazardNotice
from ruhu.hazards.tasks import hazard_notice_render_task
from tests.conftest import login
from tests.hazards.conftest import find

HEATER = {"hazard_type": "direct_exhaust_heater", "item": "no_direct_exhaust", "level": 1}
MISSING = "缺少中文字体 (fonts-wqy-microhei)"

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def no_font(settings, tmp_path):
    settings.RUHU_CJK_FONT = str(tmp_path / "wqy-microhei.ttc")  # a file that is not there


def test_it_records_a_missing_font_on_the_notice_and_shows_it(
    client, clock, charlie, lena, household_a, no_font
):
    [hazard] = find(charlie, household_a, HEATER)
    notice = HazardNotice.objects.get()
    assert notice.document_id is None
    assert MISSING in notice.render_error
    login(client, lena)
    html = client.get(f"/hazards/{hazard.pk}/").content.decode()
    assert MISSING in html
    assert f"/hazards/notices/{notice.pk}/document.pdf" not in html


def test_the_job_is_retried_and_renders_once_the_font_is_back(
    client, clock, charlie, lena, household_a, no_font, settings
):
    assert hazard_notice_render_task.retries > 0 and hazard_notice_render_task.retry_delay > 0
    [hazard] = find(charlie, household_a, HEATER)
    notice = HazardNotice.objects.get()
    settings.RUHU_CJK_FONT = ""
    hazard_notice_render_task.call_local(notice.pk)
    notice.refresh_from_db()
    assert notice.document_id is not None
    assert notice.render_error == ""
    login(client, lena)
    html = client.get(f"/hazards/{hazard.pk}/").content.decode()
    assert MISSING not in html
    assert f"/hazards/notices/{notice.pk}/document.pdf" in html


def test_a_notice_not_yet_rendered_says_it_is_being_made(client, clock, charlie, lena, household_a):
    [hazard] = find(charlie, household_a, HEATER)
    HazardNotice.objects.update(document=None)  # as between the visit and the job
    login(client, lena)
    assert "PDF 正在生成" in client.get(f"/hazards/{hazard.pk}/").content.decode()
