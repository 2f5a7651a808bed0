"""The registry import pages: upload a file, follow its import job's progress, see the
counts and the rejected rows, and download the report of rejected rows.

The import runs as a job in the background like the household import (common/importing):
the upload waits in the job, the job's page polls its progress, and the report stays with
the job, for the people of its branch who may import.
"""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from ruhu.accounts.models import OrgUnit
from ruhu.accounts.roles import Capability
from ruhu.accounts.selectors import branch_list
from ruhu.common.access import requires
from ruhu.common.errors import DomainError
from ruhu.common.importing.jobs import UPLOAD_SUFFIXES
from ruhu.common.importing.selectors import import_job_get, import_job_list
from ruhu.common.importing.web import import_job_page, import_report_response
from ruhu.common.models import ImportJob
from ruhu.common.spreadsheets import csv_writer
from ruhu.common.web import add_domain_error
from ruhu.facilities.importing import COLUMNS, FACILITY_IMPORT, LABELS, MAX_CSV_BYTES, REQUIRED
from ruhu.facilities.services.importing import facility_import_job_create

RECENT_JOBS = 10


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


def _job(request, pk) -> ImportJob:
    return import_job_get(
        acting_user=request.user,
        pk=pk,
        kind=FACILITY_IMPORT,
        capability=Capability.MANAGE_FACILITIES,
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.MANAGE_FACILITIES)
def facility_import_page(request):
    jobs = import_job_list(
        acting_user=request.user, kind=FACILITY_IMPORT, capability=Capability.MANAGE_FACILITIES
    )
    form = FacilityImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = facility_import_job_create(
                acting_user=request.user,
                branch=form.cleaned_data.get("branch"),
                mode=form.cleaned_data["mode"],
                upload=form.cleaned_data["file"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("facility-import-job", pk=job.pk)
    return render(
        request,
        "facilities/import.html",
        {
            "form": form,
            "own_branch": None if request.user.is_head_office else request.user.branch,
            "jobs": jobs[:RECENT_JOBS],
            "columns": [(column, LABELS[column], column in REQUIRED) for column in COLUMNS],
        },
        status=422 if form.errors else 200,
    )


@require_GET
@requires(Capability.MANAGE_FACILITIES)
def facility_import_job(request, pk):
    job = _job(request, pk)
    return import_job_page(
        request,
        job,
        template="facilities/import_job.html",
        status_url=reverse("facility-import-job", args=[job.pk]),
        report_url=reverse("facility-import-report", args=[job.pk]),
        labels=LABELS,
    )


@require_GET
@requires(Capability.MANAGE_FACILITIES)
def facility_import_report(request, pk):
    return import_report_response(_job(request, pk), name="facility-import-errors")


@require_GET
@requires(Capability.MANAGE_FACILITIES)
def facility_import_template(request):
    """An empty file with the Chinese header, saved as Excel opens it (UTF-8 with BOM)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="facility-import-template.csv"'
    response.write("\ufeff")
    csv_writer(response).writerow([LABELS[column] for column in COLUMNS])
    return response


urlpatterns = [
    path("facilities/import/", facility_import_page, name="facility-import"),
    path("facilities/import/<uuid:pk>/", facility_import_job, name="facility-import-job"),
    path(
        "facilities/import/<uuid:pk>/report/",
        facility_import_report,
        name="facility-import-report",
    ),
    path(
        "facilities/import/template.csv",
        facility_import_template,
        name="facility-import-template",
    ),
]
