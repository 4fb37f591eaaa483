"""The desk's erasure page: what will be erased, the address typed to confirm, then erase."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from destek.accounts.models import Role, User
from destek.accounts.web import acting_user, admin_required
from destek.privacy.erasure import erase_customer, erasure_preview, is_erased


class ConfirmErasureForm(forms.Form):
    confirm_email = forms.CharField(label=gettext_lazy("Type the customer's email address"),
                                    max_length=254)

    def __init__(self, *args: object, expected: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.expected = expected

    def clean_confirm_email(self) -> str:
        typed = self.cleaned_data["confirm_email"].strip()
        if typed.lower() != self.expected.lower():
            raise forms.ValidationError(_("This is not the customer's email address."))
        return typed


def _customer_or_404(user_id: int) -> User:
    customer = User.objects.filter(pk=user_id, role=Role.CUSTOMER).first()
    if customer is None:
        raise Http404("Not found.")
    return customer


@admin_required
def erase(request: HttpRequest, user_id: int) -> HttpResponse:
    customer = _customer_or_404(user_id)
    if is_erased(customer):
        return render(request, "privacy/erasure_done.html", {"customer": customer})
    form = ConfirmErasureForm(request.POST or None, expected=customer.email)
    if request.method == "POST" and form.is_valid():
        erase_customer(customer, by=acting_user(request), request=request)
        messages.success(request, _("The customer's personal data was erased."))
        return redirect(reverse("desk:privacy_erase", args=[customer.pk]))
    return render(request, "privacy/erasure_confirm.html", {
        "customer": customer, "counts": erasure_preview(customer=customer), "form": form,
    }, status=400 if request.method == "POST" else 200)
