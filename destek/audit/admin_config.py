"""django.contrib.admin with the site that records its changes (destek.audit.admin_site).
INSTALLED_APPS names `AuditedAdminConfig` in place of "django.contrib.admin"; it lives apart
from destek.audit.apps so that Django finds one app config there."""

from django.contrib.admin.apps import AdminConfig


class AuditedAdminConfig(AdminConfig):
    default_site = "destek.audit.admin_site.AuditedAdminSite"
