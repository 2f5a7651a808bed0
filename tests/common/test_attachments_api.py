from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ruhu.accounts.roles import Role
from ruhu.accounts.services import token_issue
from ruhu.common.models import Attachment
from ruhu.inspection.services import visit_submit
from tests.common.test_attachments import jpeg_with_exif
from tests.conftest import make_user
from tests.inspection.visiting import all_fine, inspected


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def bearer(user) -> dict[str, str]:
    _token, raw = token_issue(acting_user=user, user=user, name="phone")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def upload(client, user, data: bytes, kind: str = "photo", name: str = "p.jpg"):
    return client.post(
        "/api/v1/attachments",
        {"kind": kind, "file": SimpleUploadedFile(name, data)},
        **bearer(user),
    )


def test_it_uploads_a_photo_and_serves_it_to_who_may_see_the_visit_citing_it(
    client, org, charlie, bob, dave, household_a
):
    response = upload(client, charlie, jpeg_with_exif())
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "photo" and body["content_type"] == "image/jpeg"
    assert body["latitude"] is not None and body["taken_at"] is not None
    url = f"/api/v1/attachments/{body['id']}"
    reception = make_user("rita", Role.RECEPTION, org.a)

    assert client.get(url, **bearer(charlie)).status_code == 200  # the uploader's own
    assert client.get(url, **bearer(bob)).status_code == 404  # cited by nothing yet
    checklist = all_fine(household_a)
    checklist["gas_odour"] = {"state": "ok", "photos": [body["sha256"]]}
    visit_submit(acting_user=charlie, payload=inspected(charlie, household_a, checklist=checklist))

    content = client.get(f"{url}/content", **bearer(bob))
    assert content.status_code == 200
    assert hashlib.sha256(b"".join(content.streaming_content)).hexdigest() == body["sha256"]
    assert client.get(url, **bearer(dave)).status_code == 404  # another branch
    assert client.get(url, **bearer(reception)).status_code == 404  # may not see visits


def test_it_returns_the_first_attachment_for_the_same_upload(client, charlie):
    first = upload(client, charlie, jpeg_with_exif()).json()
    again = upload(client, charlie, jpeg_with_exif()).json()
    assert again["id"] == first["id"]
    assert Attachment.objects.count() == 1


def test_it_refuses_a_disguised_file_and_stores_nothing(client, charlie):
    response = upload(client, charlie, b"just some text, not a picture")
    assert response.status_code == 422
    assert response.json()["code"]
    assert not Attachment.objects.exists()


def test_it_refuses_an_unknown_kind(client, charlie):
    response = upload(client, charlie, jpeg_with_exif(), kind="selfie")
    assert response.status_code == 422
    assert not Attachment.objects.exists()


def test_it_refuses_anonymous_uploads(client, db):
    response = client.post("/api/v1/attachments", {"kind": "photo"})
    assert response.status_code == 401
