"""The NPS survey's pages: the answer page of the email's links (GET shows, POST records),
the unsubscribe page (also RFC 8058's one-click POST), the customer's preference from the
portal profile, the supervisors' report and the administrators' settings."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from destek.accounts.web import acting_user, admin_required, staff_required
from destek.audit.log import record
from destek.audit.models import Action
from destek.core.errors import NotFound
from destek.feedback import nps
from destek.feedback.nps_links import access_response_by_token, customer_id_from_unsubscribe_token
from destek.feedback.selectors import feedback_settings

NOINDEX = {"X-Robots-Tag": "noindex, nofollow"}


class AnswerForm(forms.Form):
    score = forms.TypedChoiceField(label=_lazy("Your answer"), coerce=int,
                                   choices=[(n, str(n)) for n in range(11)])
    comment = forms.CharField(label=_lazy("What is the main reason for your score?"),
                              required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}))


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str, score: int) -> HttpResponse:
    """GET (a click in the email, or a mail scanner) shows the score chosen, records
    nothing; the POST records it."""
    if not 0 <= score <= 10:
        raise Http404
    config = feedback_settings()
    try:
        response = access_response_by_token(token=token, valid_days=config.link_valid_days)
    except NotFound:
        raise Http404 from None
    now = timezone.now()
    open_ = nps.may_change(response, now=now, config=config)
    done = False
    if request.method == "POST" and open_:
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                nps.nps_answer(response=response, score=form.cleaned_data["score"],
                               comment=form.cleaned_data["comment"], now=now)
                done = True
            except nps.AnswerClosed:
                open_ = False
    else:
        form = AnswerForm(initial={"score": score, "comment": response.comment})
    page = render(request, "feedback/nps/answer.html", {
        "form": form, "response": response, "chosen": score, "open": open_, "done": done,
        "scores": range(11)})
    for header, value in NOINDEX.items():
        page[header] = value
    return page


@csrf_exempt  # the token is the credential; RFC 8058 one-click POSTs come without a cookie
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        customer_id = customer_id_from_unsubscribe_token(token)
    except NotFound:
        raise Http404 from None
    done = False
    if request.method == "POST":
        nps.nps_opt_out(customer_id=customer_id)
        done = True
    page = render(request, "feedback/nps/unsubscribe.html", {"done": done})
    for header, value in NOINDEX.items():
        page[header] = value
    return page


@login_required
@require_POST
def preference(request: HttpRequest) -> HttpResponse:
    """The portal profile's checkbox "Send me the occasional satisfaction survey"."""
    user = acting_user(request)
    if not user.is_customer:
        raise Http404
    if request.POST.get("nps_survey"):
        nps.nps_opt_in(customer_id=user.pk)
        messages.success(request, _("You will receive the occasional satisfaction survey."))
    else:
        nps.nps_opt_out(customer_id=user.pk)
        messages.success(request, _("You will not receive the satisfaction survey."))
    next_url = request.POST.get("next", "")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = reverse("home")
    return redirect(next_url)


@staff_required
def report(request: HttpRequest) -> HttpResponse:
    """Supervisors and administrators: the score, the response rate, the months, comments."""
    if not acting_user(request).may_configure:
        raise Http404
    data = nps.nps_report()
    before_raw = request.GET.get("before", "")
    before = int(before_raw) if before_raw.isdigit() else None
    comments = nps.nps_comments(before=before, limit=20)
    bars = []
    for index, bar in enumerate(data.months):
        # Bars from the middle line (NPS 0) up for a positive score, down for a negative
        # one; the chart is 100 units high each way.
        value = bar.score or 0
        bars.append({"bar": bar, "x": 10 + index * 60, "height": abs(value),
                     "y": 110 - value if value > 0 else 110})
    return render(request, "feedback/nps/report.html", {
        "report": data, "bars": bars, "chart_width": 20 + 60 * len(bars), "comments": comments,
        "next_before": comments[-1].pk if len(comments) == 20 else None,
        "days": nps.REPORT_DAYS, "config": feedback_settings(),
        "may_edit_settings": acting_user(request).is_admin,
    })


class SettingsForm(forms.Form):
    nps_enabled = forms.BooleanField(label=_lazy("Send the NPS survey"), required=False)
    nps_every_days = forms.IntegerField(
        label=_lazy("Ask each customer at most every (days)"), min_value=7, max_value=730,
        widget=forms.NumberInput(attrs={"class": "form-control"}))


@admin_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    config = feedback_settings()
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            changed = nps.nps_settings_update(**form.cleaned_data)
            if changed:
                record(Action.SETTINGS_CHANGED, request=request, target="feedback:nps",
                       fields=changed)
            messages.success(request, _("The NPS survey settings were saved."))
            return redirect("feedback_nps:settings")
    else:
        form = SettingsForm(initial={"nps_enabled": config.nps_enabled,
                                     "nps_every_days": config.nps_every_days})
    return render(request, "feedback/nps/settings.html", {"form": form})
