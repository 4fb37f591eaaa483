"""The portal's "File a complaint" form (/portal/complaints/new/): signed-in customers only
(staff get 404); the related ticket is checked by tickets.access in the service."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from destek.accounts.models import User
from destek.core.errors import ApplicationError, NotFound
from destek.feedback.complaints import DESCRIPTION_MAX, SUBJECT_MAX, complaint_file
from destek.tickets.models import Ticket, format_reference

RELATED_SHOWN = 50


class ComplaintForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=SUBJECT_MAX)
    description = forms.CharField(label=gettext_lazy("What went wrong?"),
                                  max_length=DESCRIPTION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 6}))
    ticket = forms.TypedChoiceField(label=gettext_lazy("Related ticket (optional)"),
                                    required=False, coerce=int, empty_value=None)

    def __init__(self, *args: object, customer: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        recent = (Ticket.objects.filter(customer=customer, merged_into__isnull=True)
                  .order_by("-pk").values_list("pk", "subject")[:RELATED_SHOWN])
        field = self.fields["ticket"]
        assert isinstance(field, forms.TypedChoiceField)
        for each in self.fields.values():
            css = "form-select" if isinstance(each.widget, forms.Select) else "form-control"
            each.widget.attrs["class"] = css
        field.choices = [("", "—"), *[(pk, f"{format_reference(pk)} · {subject}")
                                      for pk, subject in recent]]


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    customer = request.user
    assert isinstance(customer, User)
    if not customer.is_customer:
        raise Http404
    form = ComplaintForm(request.POST or None, customer=customer)
    if request.method == "POST":
        # Another customer's ticket is not among the choices: the form refuses it, and the
        # service would answer NotFound anyway.
        if form.is_valid():
            try:
                complaint = complaint_file(
                    customer=customer, subject=form.cleaned_data["subject"],
                    description=form.cleaned_data["description"],
                    related_ticket_id=form.cleaned_data["ticket"])
            except NotFound:
                form.add_error("ticket", _("Choose one of your tickets."))
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None,
                               error.message)
            else:
                messages.success(request, _("Your complaint was filed; a supervisor will "
                                            "answer it within 24 hours."))
                return redirect(f"/portal/tickets/{complaint.ticket_id}/")
        return render(request, "feedback/complaint_new.html", {"form": form}, status=400)
    return render(request, "feedback/complaint_new.html", {"form": form})
