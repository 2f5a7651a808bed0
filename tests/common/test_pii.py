"""Personal data: encrypted at rest, found by blind index, masked, unmasked only with a reason."""

from __future__ import annotations

import logging

import pytest
from cryptography.exceptions import InvalidTag
from django.core.management import call_command
from django.db import connection
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ruhu.accounts.models import User
from ruhu.common import crypto
from ruhu.common.errors import PermissionRefused, ValidationFailed
from ruhu.common.logging import RedactPiiFilter, redact
from ruhu.common.masking import mask_id_number, mask_middle, mask_phone
from ruhu.common.models import AuditEvent
from ruhu.common.pii import pii_unmask
from ruhu.premises.models import Household
from ruhu.premises.services import household_create
from tests.conftest import PASSWORD, login

PHONE_A, ID_A = "13912345678", "110101198001011232"


def raw_row(model, pk, *columns):
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {cols} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()


def test_it_stores_only_ciphertext_in_the_personal_columns(household_a, bob):
    phone, id_number, phone_bidx = raw_row(
        Household, household_a.pk, "phone", "id_number", "phone_bidx"
    )
    for value in (phone, id_number):
        assert value.startswith(f"{crypto.PREFIX}:{crypto.keyring().current_id}:")
        assert PHONE_A not in value and ID_A not in value and "8613912345678" not in value
    assert len(phone_bidx) == 64 and PHONE_A not in phone_bidx
    user_phone, user_id = raw_row(User, bob.pk, "phone", "id_number")
    assert "13812348000" not in user_phone and "110101199003071233" not in user_id
    household_a.refresh_from_db()
    assert household_a.phone == "+8613912345678"
    assert household_a.id_number == ID_A


def test_it_encrypts_the_same_value_differently_each_time(org):
    one = household_create(
        acting_user=None,
        branch=org.a,
        account_no="A1",
        name="甲",
        category="residential",
        phone=PHONE_A,
    )
    two = household_create(
        acting_user=None,
        branch=org.a,
        account_no="A2",
        name="乙",
        category="residential",
        phone=PHONE_A,
    )
    assert raw_row(Household, one.pk, "phone") != raw_row(Household, two.pk, "phone")
    assert raw_row(Household, one.pk, "phone_bidx") == raw_row(Household, two.pk, "phone_bidx")


def test_it_binds_a_ciphertext_to_its_column(household_a):
    (phone,) = raw_row(Household, household_a.pk, "phone")
    with pytest.raises(InvalidTag):
        crypto.decrypt(phone, aad="accounts.user.phone")


@pytest.mark.parametrize("query", [PHONE_A, "+86 139 1234 5678", "139-1234-5678"])
def test_it_finds_a_household_by_exact_phone_through_the_blind_index(
    client, bob, household_a, household_b, query
):
    login(client, bob)
    response = client.post("/households/", {"q": query}, follow=True)
    assert [h.pk for h in response.context["page"].object_list] == [household_a.pk]
    partial = client.post("/households/", {"q": "1391234567"}, follow=True)
    assert list(partial.context["page"].object_list) == []


def test_it_finds_by_phone_and_id_number_through_the_api(client, alice, household_a, household_b):
    login(client, alice)
    search = "/api/v1/households/search"
    by_phone = client.post(search, {"q": PHONE_A}, content_type="application/json").json()
    assert [row["account_no"] for row in by_phone["items"]] == ["A000001"]
    by_id = client.post(search, {"q": ID_A}, content_type="application/json").json()
    assert [row["account_no"] for row in by_id["items"]] == ["A000001"]
    row = by_phone["items"][0]
    assert row["phone_masked"] == "139****5678"
    assert row["id_number_masked"] == "110***********1232"
    assert PHONE_A not in str(by_phone) and ID_A not in str(by_phone)


def test_it_finds_staff_by_phone(client, alice, bob, charlie):
    login(client, alice)
    response = client.post("/staff/", {"q": "13812348000"}, follow=True)
    assert [u.username for u in response.context["page"].object_list] == ["bob"]


def test_it_masks_in_the_documented_formats():
    assert mask_phone("+8613812348000") == "138****8000"
    assert mask_phone("13812348000") == "138****8000"
    assert mask_id_number("110101199003071234") == "110***********1234"
    assert mask_phone("") == mask_id_number("") == ""
    assert mask_phone("12345") == "*****"


def test_it_shows_masked_values_on_the_pages(client, bob, household_a):
    login(client, bob)
    page = client.get(f"/households/{household_a.pk}/").content.decode()
    assert "139****5678" in page and "110***********1232" in page
    assert PHONE_A not in page and ID_A not in page
    staff = client.get(f"/staff/{bob.pk}/").content.decode()
    assert "138****8000" in staff and "13812348000" not in staff


def test_it_unmasks_with_the_capability_and_a_reason_on_the_web(client, bob, household_a):
    login(client, bob)
    response = client.post(
        f"/households/{household_a.pk}/unmask/",
        {"field": "id_number", "reason": "客户来电核实身份"},
    )
    assert response.status_code == 200
    assert ID_A in response.content.decode()
    event = AuditEvent.objects.get(action="pii.unmask")
    assert (event.actor, event.reason, event.via) == (bob, "客户来电核实身份", "web")
    assert event.target_id == str(household_a.pk)
    assert event.changes == {"field": [None, "id_number"]}


def test_it_refuses_a_short_reason_and_reveals_nothing(client, bob, household_a):
    login(client, bob)
    response = client.post(
        f"/households/{household_a.pk}/unmask/", {"field": "phone", "reason": "看看"}
    )
    assert response.status_code == 422
    assert "原因" in response.content.decode()
    assert PHONE_A not in response.content.decode()
    missing = client.post(f"/households/{household_a.pk}/unmask/", {"field": "phone"})
    assert missing.status_code == 422
    with pytest.raises(ValidationFailed):
        pii_unmask(acting_user=bob, target=household_a, field="phone", reason="   短  ")
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()
    # the short reasons are refused by the rule and audited; no reason at all is a bad form
    assert AuditEvent.objects.filter(action="pii.unmask_refused", actor=bob).count() == 2


def test_it_refuses_fields_that_are_not_personal_data(bob, household_a):
    for field in ("name", "phone_bidx", "nonexistent"):
        with pytest.raises(ValidationFailed):
            pii_unmask(acting_user=bob, target=household_a, field=field, reason="核实身份信息")
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()
    refused = AuditEvent.objects.filter(action="pii.unmask_refused").order_by("id")
    assert [e.changes["refusal_code"][1] for e in refused] == ["pii_unknown_field"] * 3


def test_it_refuses_unmasking_without_the_capability(charlie, household_a):
    with pytest.raises(PermissionRefused):
        pii_unmask(acting_user=charlie, target=household_a, field="phone", reason="核实身份信息")
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()
    assert AuditEvent.objects.get(action="pii.unmask_refused").actor == charlie


def test_it_unmasks_through_the_api(client, bob, household_a):
    login(client, bob)
    response = client.post(
        f"/api/v1/households/{household_a.pk}/unmask",
        {"field": "phone", "reason": "上门前电话确认"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {"field": "phone", "value": "+8613912345678"}
    event = AuditEvent.objects.get(action="pii.unmask")
    assert (event.reason, event.via) == ("上门前电话确认", "api")
    short = client.post(
        f"/api/v1/households/{household_a.pk}/unmask",
        {"field": "phone", "reason": "看"},
        content_type="application/json",
    )
    assert short.status_code == 422
    assert short.json()["code"] == "pii_reason_required"
    assert AuditEvent.objects.filter(action="pii.unmask").count() == 1


def test_it_unmasks_staff_data_too(client, alice, bob):
    login(client, alice)
    response = client.post(f"/staff/{bob.pk}/unmask/", {"field": "phone", "reason": "紧急联系"})
    assert response.status_code == 200
    assert "+8613812348000" in response.content.decode()
    assert AuditEvent.objects.filter(action="pii.unmask", target_id=str(bob.pk)).count() == 1


@pytest.fixture
def tmp_keys(settings, tmp_path):
    """A key file of the test's own, so rotation does not touch var/keys."""
    settings.RUHU_FIELD_KEYS = ""
    settings.RUHU_FIELD_KEYS_FILE = str(tmp_path / "field.keys")
    crypto.keyring_reload()
    yield tmp_path / "field.keys"
    crypto.keyring_reload()


def test_it_rotates_every_row_to_a_new_key(tmp_keys, bob, household_a, household_b, capsys):
    old = crypto.keyring().current_id
    call_command("keys", "rotate", "--new-key")
    new = crypto.keyring().current_id
    assert new != old
    assert tmp_keys.read_text().splitlines()[0].startswith(f"{new}:")
    for model, pk in [(Household, household_a.pk), (Household, household_b.pk), (User, bob.pk)]:
        for value in raw_row(model, pk, "phone", "id_number"):
            assert not value or crypto.key_id_of(value) == new
    household_a.refresh_from_db()
    bob.refresh_from_db()
    assert (household_a.phone, household_a.id_number) == ("+8613912345678", ID_A)
    assert bob.phone == "+8613812348000"
    # search by blind index still works, and new writes use the new key
    assert Household.objects.filter(phone_bidx=household_a.phone_bidx).count() == 1
    assert "rows re-encrypted" in capsys.readouterr().out
    call_command("keys", "rotate")  # nothing left under the old key
    assert f"done: 0 rows now under key {new}" in capsys.readouterr().out


@hsettings(max_examples=200, deadline=None)
@given(text=st.text(), aad=st.text(min_size=1, max_size=40))
def test_it_round_trips_any_text_through_encryption(text, aad):
    token = crypto.encrypt(text, aad=aad)
    assert crypto.decrypt(token, aad=aad) == text


@hsettings(max_examples=300)
@given(digits=st.text(alphabet="0123456789X", max_size=25))
def test_it_never_reveals_more_than_the_kept_digits(digits):
    for masked, keep_start, keep_end in (
        (mask_id_number(digits), 3, 4),
        (mask_middle(digits, keep_start=3, keep_end=4), 3, 4),
    ):
        assert len(masked) == len(digits)
        shown = [c for c in masked if c != "*"]
        assert len(shown) <= keep_start + keep_end
        if len(digits) > keep_start + keep_end:
            assert masked[:keep_start] == digits[:keep_start]
            assert masked[len(digits) - keep_end :] == digits[len(digits) - keep_end :]
            assert set(masked[keep_start : len(digits) - keep_end]) == {"*"}
        else:
            assert set(masked) <= {"*"}


@hsettings(max_examples=300)
@given(number=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), e164=st.booleans())
def test_it_masks_any_mobile_number_to_seven_kept_digits(number, e164):
    masked = mask_phone(("+86" + number) if e164 else number)
    assert masked == number[:3] + "****" + number[-4:]


def test_it_keeps_personal_data_out_of_the_logs(client, bob, org, caplog, settings):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    settings.DEBUG = True  # SQL is logged with its parameters
    connection.force_debug_cursor = True
    try:
        login(client, bob)
        household = household_create(
            acting_user=bob,
            branch=org.a,
            account_no="A9",
            name="赵六",
            category="residential",
            phone="13700001111",
            id_number="110101199003071233",
        )
        client.post("/households/", {"q": "13700001111"}, follow=True)
        client.post(
            f"/households/{household.pk}/unmask/", {"field": "phone", "reason": "核实联系电话"}
        )
        client.post(f"/households/{household.pk}/unmask/", {"field": "id_number", "reason": "x"})
        client.post(
            f"/api/v1/households/{household.pk}/unmask",
            {"field": "id_number", "reason": "核实身份"},
            content_type="application/json",
        )
    finally:
        connection.force_debug_cursor = False
    assert AuditEvent.objects.filter(action="pii.unmask").count() == 2
    assert any("SELECT" in r.getMessage() for r in caplog.records)  # the capture worked
    text = "\n".join(r.getMessage() for r in caplog.records)
    for value in ("13700001111", "110101199003071233", "13812348000", PASSWORD):
        assert value not in text


def test_it_redacts_phone_and_id_numbers_that_reach_a_log_handler():
    assert redact("call 13812348000 or +8613812348000") == "call [redacted] or [redacted]"
    assert redact("id 11010119850505122X, order 2026112700001") == (
        "id [redacted], order 2026112700001"
    )
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "user %s phoned", ("13812348000",), None
    )
    assert RedactPiiFilter().filter(record)
    assert record.getMessage() == "user [redacted] phoned"


@hsettings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.text(max_size=30), max_size=5),
    key=st.binary(min_size=32, max_size=100),
)
def test_the_bulk_blind_index_is_the_blind_index(values, key):
    """The import's HMAC from precomputed pad states gives every value's `blind_index`."""
    ring = crypto.KeyRing(keys=crypto.keyring().keys, blind_key=key)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(crypto, "_adopted", ring)
        expected = [crypto.blind_index("phone", value) if value else "" for value in values]
        assert crypto.blind_index_many("phone", values) == expected


@hsettings(max_examples=50, deadline=None)
@given(values=st.lists(st.sampled_from(["", "+8613912345678", "110101198001011232", "王"])))
def test_the_bulk_encryption_decrypts_to_each_value(values):
    tokens = crypto.encrypt_many(values, aad="premises.household.phone")
    assert len(tokens) == len(values)
    for value, token in zip(values, tokens, strict=True):
        if not value:
            assert token == ""
            continue
        assert crypto.decrypt(token, aad="premises.household.phone") == value
        assert token.startswith(f"v1:{crypto.keyring().current_id}:")
