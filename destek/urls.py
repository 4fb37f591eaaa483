from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path, reverse

from destek.accounts.views import set_language
from destek.core.views import health
from destek.kb.sitemaps import sitemaps as kb_sitemaps


def home(request: HttpRequest) -> HttpResponse:
    """Agents land on their queue, signed-in customers on their tickets (the help center is
    in their navbar); a visitor lands on the help center, with "Sign in" beside it, not on
    a login wall."""
    user = request.user
    if user.is_authenticated and getattr(user, "is_agent", False):
        return redirect(reverse("desk:queue"))
    if user.is_authenticated:
        return redirect(reverse("portal:ticket_list"))
    return redirect(reverse("kb:index"))


# The admin's own login form would check passwords without the sign-in limits: admins sign in
# through allauth's (rate-limited, MFA-aware) login like everyone else.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health, name="health"),
    path("brand/", include("destek.branding.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("portal/complaints/", include("destek.feedback.urls_portal")),
    path("portal/", include("destek.portal.urls")),
    path("desk/feedback/", include("destek.feedback.urls_desk")),
    path("desk/settings/", include("destek.configuration.urls")),
    path("desk/incidents/monitoring/", include("destek.status.urls_hooks_desk")),
    path("desk/incidents/", include("destek.status.urls_desk")),
    path("desk/incident-tickets/", include("destek.status.urls_links")),
    path("desk/chat/", include("destek.livechat.urls_desk")),
    path("desk/", include("destek.desk.urls")),
    path("chat/", include("destek.livechat.urls")),
    path("kb/", include("destek.kb.urls")),
    path("ideas/", include("destek.ideas.urls")),
    path("status/hooks/", include("destek.status.urls_hooks")),
    path("status/", include("destek.status.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": kb_sitemaps},
         name="django.contrib.sitemaps.views.sitemap"),
    path("api/", include("destek.api.urls")),
    path("mail/inbound/", include("destek.mail.doors.urls")),
    path("feedback/nps/", include("destek.feedback.urls_nps")),
]

handler404 = "destek.api.errors.page_not_found"
