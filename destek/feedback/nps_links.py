"""The signed links of the NPS email: one answer token per survey (the eleven score links
share it) and one unsubscribe token per customer. django.core.signing with their own salts;
a tampered, expired or foreign token is NotFound, the same answer for each."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from destek.core.errors import NotFound
from destek.feedback.models import NpsResponse

ANSWER_SALT = "destek.feedback.nps-answer"
UNSUBSCRIBE_SALT = "destek.feedback.nps-unsubscribe"
# An unsubscribe link keeps working long after its email: a year.
UNSUBSCRIBE_DAYS = 365


def _absolute(path: str) -> str:
    return f"{settings.BASE_URL.rstrip('/')}{path}"


def answer_token(response: NpsResponse) -> str:
    return signing.dumps({"r": response.pk, "c": response.customer_id}, salt=ANSWER_SALT,
                         compress=True)


def answer_urls(response: NpsResponse) -> list[str]:
    """The eleven one-click links, for 0 to 10."""
    token = answer_token(response)
    return [_absolute(reverse("feedback_nps:answer", kwargs={"token": token, "score": n}))
            for n in range(11)]


def unsubscribe_token(customer_id: int) -> str:
    return signing.dumps({"c": customer_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(customer_id: int) -> str:
    return _absolute(reverse("feedback_nps:unsubscribe",
                             kwargs={"token": unsubscribe_token(customer_id)}))


def _invalid() -> NotFound:
    return NotFound(_("This link is invalid or has expired."))


def access_response_by_token(*, token: str, valid_days: int,
                             for_update: bool = False) -> NpsResponse:
    """The survey the token names, still its customer's."""
    try:
        data = signing.loads(token, salt=ANSWER_SALT, max_age=valid_days * 24 * 60 * 60)
    except signing.BadSignature:
        raise _invalid() from None
    if not isinstance(data, dict) or not isinstance(data.get("r"), int) \
            or not isinstance(data.get("c"), int):
        raise _invalid()
    query = NpsResponse.objects.select_related("customer")
    if for_update:
        query = query.select_for_update(of=("self",))
    response = query.filter(pk=data["r"], customer_id=data["c"]).first()
    if response is None:
        raise _invalid()
    return response


def customer_id_from_unsubscribe_token(token: str) -> int:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT,
                             max_age=UNSUBSCRIBE_DAYS * 24 * 60 * 60)
    except signing.BadSignature:
        raise _invalid() from None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        raise _invalid()
    return int(data["c"])
