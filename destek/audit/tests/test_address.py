"""Where an event came from is the connection's address, as the sign-in limits count it: a
client cannot write its own into the log through X-Forwarded-For, unless a trusted proxy in
front of Destek is configured to be the one who appends it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from destek.audit.log import Action, record

pytestmark = pytest.mark.django_db


def _request():  # type: ignore[no-untyped-def]
    return RequestFactory().get("/", REMOTE_ADDR="203.0.113.9",
                                HTTP_X_FORWARDED_FOR="198.51.100.66, 192.0.2.1")


def test_a_forged_forwarded_for_is_not_the_address(settings) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert record(Action.SIGN_IN_FAILED, request=_request()).ip == "203.0.113.9"


def test_behind_one_trusted_proxy_the_address_it_appended_is_used(settings) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert record(Action.SIGN_IN_FAILED, request=_request()).ip == "192.0.2.1"
