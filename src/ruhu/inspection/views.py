"""Pages of the inspection domain."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ruhu.common.errors import DomainError
from ruhu.common.web import add_domain_error
from ruhu.inspection.forms import TrainingForm
from ruhu.inspection.models import TrainingTopic
from ruhu.inspection.selectors import qualifications, trainable_inspectors, training_record_list
from ruhu.inspection.services import training_record_create


@require_http_methods(["GET", "POST"])
def training(request):
    """Each inspector's training status, recent trainings, and the form to record one."""
    recent = training_record_list(acting_user=request.user)[:20]
    inspectors = trainable_inspectors(acting_user=request.user)
    form = TrainingForm(request.POST or None, inspectors=inspectors)
    if request.method == "POST" and form.is_valid():
        try:
            records = training_record_create(
                acting_user=request.user,
                inspectors=list(form.cleaned_data["inspectors"]),
                trained_on=form.cleaned_data["trained_on"],
                topics=form.cleaned_data["topics"],
                trainer=form.cleaned_data["trainer"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, _("已登记 %(count)d 名安检员的培训") % {"count": len(records)}
            )
            return redirect("training")
    people = list(inspectors)
    status = qualifications(inspectors=people, on=timezone.localdate())
    labels = dict(TrainingTopic.choices)
    rows = [
        {
            "person": person,
            "status": status[person.pk],
            "missing": [labels[topic] for topic in status[person.pk].missing_topics],
        }
        for person in people
    ]
    return render(
        request,
        "inspection/training.html",
        {"form": form, "rows": rows, "recent": recent, "labels": labels},
        status=422 if form.errors else 200,
    )
