"""Per-user API tokens: obtain one with email and password, or see, regenerate and revoke
your own while signed in.

A password alone never yields a token for an account that has two-factor authentication (or
must have it, for staff when DESTEK_REQUIRE_STAFF_MFA is on), nor for an unverified address
when verification is mandatory: such users create their token from a signed-in session.
"""

from __future__ import annotations

from typing import cast

from allauth.account.adapter import get_adapter
from allauth.account.utils import has_verified_email
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from destek.accounts.emails import normalized_email
from destek.accounts.mfa import must_enrol_mfa
from destek.accounts.models import User
from destek.api.base import ApiView, actor, error_responses
from destek.api.parsers import JSON_OR_FORM
from destek.audit.log import Action, record
from destek.core.errors import ApplicationError, NotFound, PermissionDenied

# allauth's per-account window for failed sign-ins (ACCOUNT_LOGIN_ATTEMPTS_TIMEOUT, 5 min).
LOCKOUT_RETRY_SECONDS = 300


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(source="key",
                                  help_text="Send it as `Authorization: Token <token>`.")
    created = serializers.DateTimeField()


def _refuse(request: HttpRequest, user: User, reason: str, message: str) -> PermissionDenied:
    record(Action.SIGN_IN_FAILED, actor=user, request=request, target=f"user:{user.pk}",
           method="api_password", reason=reason)
    return PermissionDenied(message)


def token_for_password_login(request: HttpRequest, user: User) -> Token:
    """The user's token for a password that matched; the sign-in (and a token created for
    it) goes to the audit log, as does a refusal."""
    if settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory" and not has_verified_email(user):
        raise _refuse(request, user, "email_unverified",
                      _("Verify your email address before using the API."))
    if is_mfa_enabled(user):
        raise _refuse(request, user, "mfa_enabled",
                      _("Two-factor authentication is on for this account: sign in "
                        "on the web and create your API token there."))
    if must_enrol_mfa(user):
        raise _refuse(request, user, "mfa_required",
                      _("Set up two-factor authentication before using the API."))
    token, created = Token.objects.get_or_create(user=user)
    record(Action.SIGN_IN, actor=user, request=request, target=f"user:{user.pk}",
           method="api_password")
    if created:
        record(Action.TOKEN_CREATED, actor=user, request=request, target=f"user:{user.pk}")
    return token


def authenticate_password(request: HttpRequest, *, email: str, password: str) -> User | None:
    """Check a password with the web sign-in's failed-attempt limits (allauth's
    `login_failed`: per account and per client address, shared with the web form, so a
    lockout there holds here too). Too many failures: 429 with Retry-After.

    DRF's Request stands in for the HttpRequest it wraps, as in DRF's own
    AuthTokenSerializer (the backends read its META and session through it)."""
    try:
        user = get_adapter(request).authenticate(request, email=email, password=password)
    except ValidationError:
        raise Throttled(wait=LOCKOUT_RETRY_SECONDS,
                        detail=_("Too many failed sign-in attempts. Try again later.")) from None
    # allauth's authenticate also hands back an inactive account whose password matched (its
    # web flow shows an "account inactive" page); a token is never issued for one. (A wrong
    # password is recorded by the adapter's authentication_failed.)
    if user is None:
        return None
    if not user.is_active:
        record(Action.SIGN_IN_FAILED, actor=user, request=request, target=f"user:{user.pk}",
               method="api_password", reason="inactive")
        return None
    return cast(User, user)


class TokenObtainApi(ApiView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    parser_classes = JSON_OR_FORM

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TokenObtainInput"

        email = serializers.EmailField()
        password = serializers.CharField(max_length=4096, trim_whitespace=False,
                                         style={"input_type": "password"})

    @extend_schema(
        operation_id="auth_token_obtain", tags=["auth"], auth=[],
        summary="Your API token, for your email and password",
        request=InputSerializer,
        responses={200: TokenSerializer, **error_responses(400, 403)},
        description="Failed attempts count against the same per-account and per-address "
                    "limits as the web sign-in; past them the answer is 429.",
    )
    def post(self, request: Request) -> Response:
        params = TokenObtainApi.InputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        user = authenticate_password(cast(HttpRequest, request),
                                     email=normalized_email(data["email"]),
                                     password=data["password"])
        if user is None:
            raise ApplicationError(_("Unable to sign in with this email address and password."))
        token = token_for_password_login(cast(HttpRequest, request), cast(User, user))
        return Response(TokenSerializer(token).data)


class TokenShowApi(ApiView):
    @extend_schema(
        operation_id="auth_token_me_retrieve", tags=["auth"], summary="Your current API token",
        responses={200: TokenSerializer, **error_responses(404)},
    )
    def get(self, request: Request) -> Response:
        token = Token.objects.filter(user=actor(request)).first()
        if token is None:
            raise NotFound(_("You have no API token yet."))
        return Response(TokenSerializer(token).data)


class TokenRegenerateApi(ApiView):
    @extend_schema(
        operation_id="auth_token_me_regenerate", tags=["auth"], request=None,
        summary="Create a new API token (the old one stops working)",
        responses={201: TokenSerializer, **error_responses(403)},
    )
    def post(self, request: Request) -> Response:
        user = actor(request)  # staff without a required second factor: 403 in ApiView
        with transaction.atomic():
            Token.objects.filter(user=user).delete()
            token = Token.objects.create(user=user)
            record(Action.TOKEN_REGENERATED, actor=user, request=cast(HttpRequest, request),
                   target=f"user:{user.pk}")
        return Response(TokenSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenRevokeApi(ApiView):
    @extend_schema(
        operation_id="auth_token_me_revoke", tags=["auth"], summary="Revoke your API token",
        responses={204: OpenApiResponse(description="Revoked."), **error_responses()},
    )
    def delete(self, request: Request) -> Response:
        user = actor(request)
        deleted, _rows = Token.objects.filter(user=user).delete()
        if deleted:
            record(Action.TOKEN_REVOKED, actor=user, request=cast(HttpRequest, request),
                   target=f"user:{user.pk}")
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenMeApi(TokenShowApi, TokenRegenerateApi, TokenRevokeApi):
    # GET shows, POST regenerates, DELETE revokes the signed-in user's token.
    pass
