"""The registry import page: upload a file, see the counts and every rejected row, and
download the report of rejected rows.

The import runs in the request (a registry is small). The report of the last run is
kept as a file under the var directory, named by a random token that only the user's
session knows: the URLs carry nothing but the page's own address.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import secrets
import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from ruhu.accounts.models import OrgUnit
from ruhu.accounts.roles import Capability
from ruhu.accounts.selectors import branch_list
from ruhu.common.access import requires
from ruhu.common.errors import DomainError
from ruhu.common.private_files import private_dir, remove_older_than, scratch_dir
from ruhu.common.scoping import require
from ruhu.common.spreadsheets import csv_writer
from ruhu.common.web import add_domain_error
from ruhu.facilities.importing import COLUMNS, LABELS, MAX_CSV_BYTES, REQUIRED
from ruhu.facilities.services.importing import facility_import

SESSION_KEY = "facility_import_last"
SHOWN_ERRORS = 500
REPORT_KEEP_SECONDS = 24 * 3600
UPLOAD_SUFFIXES = {".csv", ".xlsx", ".txt"}
TOKEN = re.compile(r"[0-9a-f]{32}")


class FacilityImportForm(forms.Form):
    file = forms.FileField(
        label=_("文件（CSV 或 XLSX）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    branch = forms.ModelChoiceField(
        label=_("导入到分公司"),
        queryset=OrgUnit.objects.none(),
        empty_label=_("请选择分公司"),
        error_messages={"required": _("请选择分公司")},
    )
    mode = forms.ChoiceField(
        label=_("有错误行时"),
        choices=[("all", _("全部不导入（推荐）")), ("valid", _("只导入正确的行"))],
        initial="all",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_head_office:
            self.fields["branch"].queryset = branch_list(acting_user=user)
        else:  # branch staff import into their own branch
            del self.fields["branch"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in UPLOAD_SUFFIXES:
            raise forms.ValidationError(_("请上传 CSV 或 XLSX 文件"))
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(
                _("文件过大（最大 %(mb)d MB），请分成几个文件导入") % {"mb": MAX_CSV_BYTES >> 20}
            )
        return upload


@require_http_methods(["GET", "POST"])
@requires(Capability.MANAGE_FACILITIES)
def facility_import_page(request):
    require(request.user, Capability.MANAGE_FACILITIES)
    form = FacilityImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            last = _run(request, form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            _forget_report(request.session.get(SESSION_KEY))
            request.session[SESSION_KEY] = last
            return redirect("facility-import")
    last = request.session.get(SESSION_KEY)
    report = _report_path(last)
    return render(
        request,
        "facilities/import.html",
        {
            "form": form,
            "own_branch": None if request.user.is_head_office else request.user.branch,
            "last": last,
            "errors": _shown_errors(report) if report else [],
            "shown_limit": SHOWN_ERRORS,
            "columns": [(column, LABELS[column], column in REQUIRED) for column in COLUMNS],
        },
        status=422 if form.errors else 200,
    )


@require_GET
@requires(Capability.MANAGE_FACILITIES)
def facility_import_report(request):
    require(request.user, Capability.MANAGE_FACILITIES)
    last = request.session.get(SESSION_KEY)
    report = _report_path(last)
    if report is None:
        raise Http404
    at = dt.datetime.fromisoformat(last["at"])
    return FileResponse(
        open(report, "rb"),  # FileResponse closes it
        as_attachment=True,
        filename=f"facility-import-errors-{timezone.localtime(at):%Y%m%d-%H%M}.csv",
        content_type="text/csv; charset=utf-8",
    )


@require_GET
@requires(Capability.MANAGE_FACILITIES)
def facility_import_template(request):
    """An empty file with the Chinese header, saved as Excel opens it (UTF-8 with BOM)."""
    require(request.user, Capability.MANAGE_FACILITIES)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="facility-import-template.csv"'
    response.write("\ufeff")
    csv_writer(response).writerow([LABELS[column] for column in COLUMNS])
    return response


def _run(request, data: dict) -> dict:
    """Import the upload; what the page shows of the run (and the report's token)."""
    upload = data["file"]
    reports = _reports_dir()
    token = secrets.token_hex(16)
    report = reports / f"{token}.csv"
    suffix = Path(upload.name).suffix.lower()
    with tempfile.NamedTemporaryFile(
        dir=scratch_dir(), prefix="facility-import-", suffix=suffix
    ) as copy:
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        try:
            result = facility_import(
                acting_user=request.user,
                path=Path(copy.name),
                branch=data.get("branch"),
                mode=data["mode"],
                report=report,
            )
        except DomainError:
            report.unlink(missing_ok=True)
            raise
    if not result.error_count:
        report.unlink(missing_ok=True)
    branch = data.get("branch") or request.user.branch
    return {
        "token": token if result.error_count else "",
        "file_name": Path(upload.name).name[-150:],
        "branch": str(branch),
        "mode": data["mode"],
        "at": timezone.now().isoformat(),
        "error_count": result.error_count,
        **{
            name: getattr(result, name)
            for name in ("read", "inserted", "updated", "unchanged", "rejected", "written")
        },
    }


def _reports_dir() -> Path:
    """The reports' directory (0700), rid of reports older than a day (of sessions long
    gone)."""
    reports = private_dir(Path(settings.VAR_DIR) / "facility-import-reports")
    remove_older_than(reports, seconds=REPORT_KEEP_SECONDS, pattern="*.csv")
    return reports


def _report_path(last: dict | None) -> Path | None:
    token = (last or {}).get("token") or ""
    if not TOKEN.fullmatch(token):
        return None
    report = Path(settings.VAR_DIR) / "facility-import-reports" / f"{token}.csv"
    return report if report.exists() else None


def _forget_report(last: dict | None) -> None:
    report = _report_path(last)
    if report is not None:
        report.unlink(missing_ok=True)


def _shown_errors(report: Path) -> list[dict]:
    """The first rows of the report, with each column's label."""
    shown = []
    with open(report, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for line, column, reason in reader:
            shown.append(
                {"line": line, "column": column, "label": LABELS.get(column, ""), "reason": reason}
            )
            if len(shown) == SHOWN_ERRORS:
                break
    return shown


urlpatterns = [
    path("facilities/import/", facility_import_page, name="facility-import"),
    path("facilities/import/report/", facility_import_report, name="facility-import-report"),
    path(
        "facilities/import/template.csv",
        facility_import_template,
        name="facility-import-template",
    ),
]
