"""The hot operations answer from the row in hand, without the response schema's validation
pass (decision 0033): the same bytes, status and content type the schema's answer gives,
and the schema is still the one the OpenAPI document declares."""

from __future__ import annotations

import json

import pytest

from ruhu.api import api
from ruhu.common.models import Attachment
from ruhu.common.schemas import AttachmentOut, answered, attributes
from ruhu.inspection.schemas import VisitOut, visit_answer
from ruhu.inspection.services import visit_submit
from tests.inspection.visiting import absent, inspected, photo


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def schema_answer(schema, obj, status: int):
    """What ninja answers for `obj` under a `response={status: schema}` declaration."""
    return api.create_response(None, schema.model_validate(obj).model_dump(), status=status)


def assert_same(ours, theirs) -> None:
    assert ours.content == theirs.content
    assert ours.status_code == theirs.status_code
    assert ours["Content-Type"] == theirs["Content-Type"]


def test_it_answers_an_upload_as_its_schema_would(charlie):
    attachment = Attachment.objects.get(sha256=photo(charlie))
    stored = Attachment.objects.get(pk=attachment.pk)  # as read back, decimals and all
    for obj in (attachment, stored):
        assert_same(
            answered(attributes(AttachmentOut, obj)), schema_answer(AttachmentOut, obj, 200)
        )


def test_it_answers_a_visit_as_its_schema_would(charlie, household_a):
    for payload in (inspected(charlie, household_a), absent(charlie, household_a)):
        visit, created = visit_submit(acting_user=charlie, payload=payload)  # as written
        assert created
        assert_same(answered(visit_answer(visit), status=201), schema_answer(VisitOut, visit, 201))
        again, created = visit_submit(acting_user=charlie, payload=payload)  # as read back
        assert not created
        assert_same(answered(visit_answer(again)), schema_answer(VisitOut, again, 200))
        assert json.loads(answered(visit_answer(again)).content)["ledger_seq"] is not None


def test_the_operations_still_declare_their_schemas():
    paths = api.get_openapi_schema()["paths"]
    visit = paths["/api/v1/inspection/visits"]["post"]["responses"]
    attachment = paths["/api/v1/attachments/{attachment_id}"]["get"]["responses"]
    for status in (200, 201):
        assert visit[status]["content"]["application/json"]["schema"]["$ref"].endswith("VisitOut")
    ref = attachment[200]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("AttachmentOut")
