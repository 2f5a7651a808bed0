"""Who may see an attachment: its uploader, and whoever may see a record citing it
(`ruhu.common.citations`; the route × role matrix covers every kind of record)."""

from __future__ import annotations

import pytest

from ruhu.accounts.roles import Role
from ruhu.common.citations import attachments_visible, citations, register_citation
from ruhu.common.models import Attachment
from ruhu.inspection.services import visit_submit
from tests.conftest import make_user
from tests.inspection.visiting import all_fine, inspected, photo


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _visit_with_photos(charlie, household, count: int):
    checklist = all_fine(household)
    shas = [photo(charlie, colour) for colour in ("red", "green", "blue", "grey")[:count]]
    checklist["gas_odour"] = {"state": "ok", "photos": shas}
    visit, _ = visit_submit(
        acting_user=charlie, payload=inspected(charlie, household, checklist=checklist)
    )
    return visit


def test_it_answers_a_set_of_ids_with_one_query_per_kind_of_record(
    charlie, bob, household_a, django_assert_max_num_queries
):
    visit = _visit_with_photos(charlie, household_a, 4)
    stray = Attachment.objects.get(sha256=photo(charlie, "purple"))
    ids = [p.attachment_id for p in visit.photos.all()] + [visit.signature_id, stray.pk]
    with django_assert_max_num_queries(1 + len(citations())):
        seen = attachments_visible(acting_user=bob, ids=ids)
    assert seen == set(ids) - {stray.pk}  # the stray upload is its uploader's alone
    assert attachments_visible(acting_user=charlie, ids=ids) == set(ids)


def test_a_role_that_may_see_no_citing_record_sees_nothing_and_asks_nothing(
    charlie, org, household_a, django_assert_num_queries
):
    visit = _visit_with_photos(charlie, household_a, 1)
    security = make_user("sid", Role.SECURITY, org.a)
    with django_assert_num_queries(1):  # its own uploads, and no citing kind to ask
        assert attachments_visible(acting_user=security, ids=[visit.signature_id]) == set()


def test_an_inactive_or_anonymous_user_sees_nothing(charlie, household_a):
    from django.contrib.auth.models import AnonymousUser

    visit = _visit_with_photos(charlie, household_a, 1)
    assert attachments_visible(acting_user=AnonymousUser(), ids=[visit.signature_id]) == set()
    charlie.is_active = False
    assert attachments_visible(acting_user=charlie, ids=[visit.signature_id]) == set()
    assert attachments_visible(acting_user=charlie, ids=["not-an-id"]) == set()


def test_a_kind_of_record_is_registered_once():
    known = next(c for c in citations() if c.name == "hazards.call")
    register_citation(  # the same declaration again (an app's ready run twice) is harmless
        known.name, capabilities=known.capabilities, records=known.records, fields=known.fields
    )
    with pytest.raises(ValueError):
        register_citation(
            known.name, capabilities=("hazards.view",), records=known.records, fields=known.fields
        )
    with pytest.raises(ValueError):
        register_citation("nothing.cited", capabilities=(), records=known.records, fields=())
