"""No phone or ID number lies around on disk (issue 13, item 1).

Runs what writes files, as users do it: a household import and a facility import, both
with bad rows so their reports are written; a visit with photos, a signature and a
hazard, whose notice PDF renders after commit; unmasking a phone and an ID number; the
month-end package. Then reads every file under the test's media and var folders, the
text inside PDFs and XLSX files included, and the captured logs: none of the raw phone or
ID numbers used is there. Everything the app wrote there is 0600 in 0700 folders. (The
SQLite files: tests/test_pii_in_database_file.py.)
"""

from __future__ import annotations

import csv
import io
import stat
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ruhu.common.models import ImportJob
from ruhu.common.private_files import scratch_sweep
from ruhu.hazards.services import monthly_package_build
from ruhu.premises.models import Household
from ruhu.premises.services import import_jobs_sweep
from tests.conftest import login
from tests.facilities.test_import import EN
from tests.facilities.test_import import row as facility_row
from tests.hazards.conftest import find
from tests.pdf import pdf_text
from tests.premises.test_import import HEADER

HEATER = {"hazard_type": "direct_exhaust_heater", "item": "no_direct_exhaust", "level": 1}
# every phone and ID number the test brings (household_a's come from tests/conftest.py)
PHONES = ["13812340001", "13812340002", "15012340003", "13912340004", "13912345678"]
IDS = ["110101199003071233", "11010519491231002X", "110101199003071234", "110101198001011232"]
HOUSEHOLDS = [
    ["B200001", "王伟", PHONES[0], IDS[0], "居民", "东城区", "翠苑小区", "1幢", "1单元", "101",
     "翠苑小区1幢1单元101", "", "", "", "", "", "否", "否"],
    ["B200002", "李娜", f"+86{PHONES[1]}", IDS[1], "居民"] + [""] * 13,
    ["B200003", "张强", PHONES[2], IDS[2], "居民"] + [""] * 13,  # bad ID checksum
    ["B200004", "赵敏", PHONES[3], "", "别墅"] + [""] * 13,  # unknown category
    [PHONES[3], "钱多", "", "", "居民"] + [""] * 13,  # an account number shaped like a phone,
    [PHONES[3], "钱多", "", "", "居民"] + [""] * 13,  # repeated: the reason quotes it
]  # fmt: skip


def csv_upload(header, rows, name) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def readable_text(path: Path) -> bytes:
    """What a reader of the file gets: its bytes, the text of a PDF, the parts of a zip."""
    data = path.read_bytes()
    parts = [data]
    if data.startswith(b"%PDF"):
        parts.append(pdf_text(data).encode())
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts += [archive.read(name) for name in archive.namelist()]
    return b"\n".join(parts)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def folders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"
    return tmp_path


def test_no_phone_or_id_number_is_left_in_any_file(
    client,
    org,
    bob,
    charlie,
    lena,
    household_a,
    folders,
    caplog,
    capfd,
    django_capture_on_commit_callbacks,
):
    login(client, bob)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/households/import/",
            {
                "file": csv_upload(HEADER, HOUSEHOLDS, "用户.csv"),
                "branch": org.a.pk,
                "mode": "valid",
            },
        )
    job = ImportJob.objects.get(kind="household")
    assert (job.status, job.inserted, job.rejected) == ("done", 3, 3)
    imported = Household.objects.get(account_no="B200001")
    for field in ("phone", "id_number"):
        answer = client.post(
            f"/households/{imported.pk}/unmask/",
            {"field": field, "reason": "客户来电要求核对登记的联系方式"},
        )
        assert answer.status_code == 200
    client.logout()

    login(client, lena)
    facilities = [facility_row("TYX-101"), facility_row(PHONES[4]), facility_row(PHONES[4])]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/facilities/import/", {"file": csv_upload(EN, facilities, "台账.csv"), "mode": "all"}
        )
    find(charlie, household_a, HEATER)  # photos, a signature, the notice PDF
    package = monthly_package_build(
        branch=org.a, month=household_a.created_at.date(), audience="supervision"
    )
    assert package.cases == 1
    assert import_jobs_sweep() == 0 and scratch_sweep() == 0

    files = [p for p in folders.rglob("*") if p.is_file()]
    names = {p.relative_to(folders).parts[:2] for p in files}
    assert ("media", "imports") in names  # the reports of both imports' jobs
    assert sum(p.suffix == ".pdf" for p in files) >= 2 and any(p.suffix == ".jpg" for p in files)
    blob = b"\n".join(readable_text(p) for p in files)
    # the check does see the contents: the reports' masked numbers, the package's address
    assert b"139****0004" in blob and b"139****5678" in blob
    assert household_a.address.encode() in blob and b"A000001" in blob
    raw = [*PHONES, *(f"+86{p}" for p in PHONES), *IDS]
    assert [value for value in raw if value.encode() in blob] == []
    logs = caplog.text + "".join(capfd.readouterr())
    assert [value for value in raw if value in logs] == []

    written = [p for p in folders.rglob("*") if p != folders]
    assert {str(p.relative_to(folders)): mode(p) for p in written if p.is_dir()} == {
        str(p.relative_to(folders)): 0o700 for p in written if p.is_dir()
    }
    assert {str(p.relative_to(folders)): mode(p) for p in files} == {
        str(p.relative_to(folders)): 0o600 for p in files
    }
