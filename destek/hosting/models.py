"""Hosting services, what a customer is worth, and the settings that turn worth into a tier."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from destek.core.sealing import unseal


class ServiceKind(models.TextChoices):
    SHARED = "shared", _("Shared hosting")
    RESELLER = "reseller", _("Reseller hosting")
    VPS = "vps", _("VPS")
    DEDICATED = "dedicated", _("Dedicated server")
    DOMAIN = "domain", _("Domain")
    SSL = "ssl", _("SSL certificate")
    EMAIL = "email", _("Email")
    BACKUP = "backup", _("Backup")
    OTHER = "other", _("Other")


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")
    PENDING = "pending", _("Pending")


class ControlPanel(models.TextChoices):
    NONE = "", _("None")
    CPANEL = "cpanel", "cPanel"
    PLESK = "plesk", "Plesk"
    DIRECTADMIN = "directadmin", "DirectAdmin"
    CYBERPANEL = "cyberpanel", "CyberPanel"
    OTHER = "other", _("Other")


class BillingCycle(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    SEMIANNUALLY = "semiannually", _("Every six months")
    ANNUALLY = "annually", _("Annually")
    BIENNIALLY = "biennially", _("Every two years")
    TRIENNIALLY = "triennially", _("Every three years")
    ONE_TIME = "one_time", _("One time")
    FREE = "free", _("Free")


# Months one payment covers; one-time and free services add nothing to the monthly value.
CYCLE_MONTHS: dict[str, int] = {
    BillingCycle.MONTHLY: 1, BillingCycle.QUARTERLY: 3, BillingCycle.SEMIANNUALLY: 6,
    BillingCycle.ANNUALLY: 12, BillingCycle.BIENNIALLY: 24, BillingCycle.TRIENNIALLY: 36,
}

# Services that cost the customer money now: they count towards the monthly value.
BILLED_STATUSES = (ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED)


class Tier(models.TextChoices):
    """What a customer is worth, shown as a badge. It may buy faster service (an SLA policy
    can match a tier) but never slower than the promises every customer has."""

    STANDARD = "standard", _("Standard")
    PLUS = "plus", _("Plus")
    KEY = "key", _("Key account")


class Service(models.Model):
    """One thing a customer buys: a hosting account, a server, a domain, a certificate…

    Owned by a person (`customer`), by an organization, or both (a person buying for their
    company); a customer's services are their own plus their organization's."""

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="services",
                                 verbose_name=_("customer"))
    organization = models.ForeignKey("accounts.Organization", null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="services",
                                     verbose_name=_("organization"))
    # Where the row comes from ("whmcs", "csv", "api"…) and its id there: the key of every
    # idempotent import and sync. Empty for services typed in by hand.
    source = models.CharField(_("source"), max_length=32, blank=True, default="")
    external_id = models.CharField(_("external id"), max_length=64, blank=True, default="")
    kind = models.CharField(_("kind"), max_length=16, choices=ServiceKind.choices,
                            default=ServiceKind.SHARED)
    plan = models.CharField(_("product / plan"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ServiceStatus.choices,
                              default=ServiceStatus.ACTIVE)
    domain = models.CharField(_("primary domain"), max_length=253, blank=True)
    server = models.CharField(_("server / node"), max_length=120, blank=True)
    datacenter = models.CharField(_("datacenter"), max_length=120, blank=True)
    ip_addresses = models.JSONField(_("IP addresses"), default=list, blank=True)
    control_panel = models.CharField(_("control panel"), max_length=16, blank=True,
                                     choices=ControlPanel.choices, default=ControlPanel.NONE)
    control_panel_url = models.URLField(_("control panel link"), max_length=300, blank=True)
    started_on = models.DateField(_("start date"), null=True, blank=True)
    renews_on = models.DateField(_("renewal date"), null=True, blank=True)
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    billing_cycle = models.CharField(_("billing cycle"), max_length=16,
                                     choices=BillingCycle.choices, default=BillingCycle.MONTHLY)
    recurring_amount = models.DecimalField(_("recurring amount"), max_digits=12,
                                           decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    attributes = models.JSONField(_("other attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | Q(organization__isnull=False),
                name="service_has_owner"),
            models.UniqueConstraint(fields=["source", "external_id"],
                                    condition=~Q(external_id=""),
                                    name="service_unique_external_id"),
        ]
        indexes = [
            models.Index(fields=["server"], name="service_server"),
            models.Index(fields=["plan"], name="service_plan"),
            models.Index(fields=["domain"], name="service_domain"),
        ]

    def __str__(self) -> str:
        label = self.domain or self.plan or self.get_kind_display()
        return f"{label} ({self.get_kind_display()})"


class CustomerValue(models.Model):
    """What one account (a person without an organization, or an organization) is worth,
    maintained whenever one of its services changes (`services.refresh_values`)."""

    customer = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="hosting_value")
    organization = models.OneToOneField("accounts.Organization", null=True, blank=True,
                                        on_delete=models.CASCADE, related_name="hosting_value")
    monthly_value = models.DecimalField(_("monthly recurring value"), max_digits=14,
                                        decimal_places=2, default=Decimal("0"))
    lifetime_value = models.DecimalField(_("lifetime value"), max_digits=16, decimal_places=2,
                                         default=Decimal("0"))
    customer_since = models.DateField(_("customer since"), null=True, blank=True)
    active_services = models.PositiveIntegerField(_("active services"), default=0)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices,
                            default=Tier.STANDARD)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("customer value")
        verbose_name_plural = _("customer values")
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=True) ^ Q(organization__isnull=True),
                name="customer_value_one_owner"),
        ]
        indexes = [models.Index(fields=["tier"], name="customer_value_tier")]

    def __str__(self) -> str:
        return str(self.organization or self.customer or "")


class HostingSettings(models.Model):
    """One row, edited in the admin: the currency values are counted in, the rates to it,
    and the monthly values at which a customer becomes Plus or a key account."""

    base_currency = models.CharField(_("currency values are counted in"), max_length=3,
                                     default="USD")
    exchange_rates = models.JSONField(
        _("exchange rates"), default=dict, blank=True,
        help_text=_('One unit of each currency in the base currency, e.g. {"EUR": 1.08, '
                    '"TRY": 0.029}. Amounts in a currency without a rate are left out.'))
    plus_from = models.DecimalField(_("Plus from (monthly value)"), max_digits=12,
                                    decimal_places=2, default=Decimal("50"))
    key_account_from = models.DecimalField(_("Key account from (monthly value)"),
                                           max_digits=12, decimal_places=2,
                                           default=Decimal("500"))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hosting settings")
        verbose_name_plural = _("hosting settings")

    def __str__(self) -> str:
        return str(_("Hosting settings"))


class ImportState(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded, waiting for confirmation")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


def import_file_path(instance: ImportJob, filename: str) -> str:
    """A generated name under the data directory's media; nobody reaches it but the task."""
    return f"hosting-imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.csv"


class ImportJob(models.Model):
    """A CSV of services uploaded in the admin, previewed, then imported in the background.

    `done` counts the data lines applied so far: a worker that dies is resumed there (the
    sync is idempotent, so a chunk applied twice changes nothing the second time). The file
    is deleted when the job ends."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("uploaded by"))
    source = models.CharField(_("source"), max_length=32, default="csv")
    file_name = models.CharField(_("file"), max_length=200)
    file = models.FileField(upload_to=import_file_path, max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    language = models.CharField(max_length=8, default="en")
    state = models.CharField(_("state"), max_length=16, choices=ImportState.choices,
                             default=ImportState.UPLOADED)
    total = models.PositiveIntegerField(_("lines"), default=0)
    done = models.PositiveIntegerField(_("lines done"), default=0)
    # {"created": {"service": n, …}, "updated": {…}, "unchanged": {…}}
    counts = models.JSONField(default=dict, blank=True)
    # [{"line": n, "kind": …, "external_id": …, "message": …}], the first MAX_STORED_ERRORS
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    failure = models.TextField(_("why it failed"), blank=True, default="")
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("service import")
        verbose_name_plural = _("service imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="hosting_import_state")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        if self.state == ImportState.DONE:
            return 100
        return min(100, int(100 * self.done / self.total)) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.state in (ImportState.DONE, ImportState.FAILED, ImportState.CANCELLED)


# --- WHMCS sync (destek.hosting.whmcs) -------------------------------------------------------

# Names the key the API secret is sealed with (core.sealing), not a secret itself.
WHMCS_SECRET_PURPOSE = "hosting.whmcs.api-secret"  # noqa: S105


class WhmcsConnection(models.Model):
    """A WHMCS installation whose clients, products and domains are pulled on a schedule.

    The API secret is stored sealed with a key derived from SECRET_KEY (`core.sealing`) and is
    never shown again; the admin form only replaces it."""

    name = models.CharField(_("name"), max_length=100, default="WHMCS")
    source = models.SlugField(
        _("source"), max_length=32, unique=True, default="whmcs",
        help_text=_("Names the services this connection brings in. Keep it once services "
                    "exist: changing it makes them new services."))
    url = models.URLField(_("WHMCS address"), max_length=300,
                          help_text=_("The address of your WHMCS, e.g. "
                                      "https://billing.example.com (the API is "
                                      "/includes/api.php under it)."))
    identifier = models.CharField(_("API identifier"), max_length=128)
    sealed_secret = models.TextField(_("API secret (encrypted)"), blank=True, default="",
                                     editable=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    interval_minutes = models.PositiveIntegerField(
        _("sync every (minutes)"), default=60, validators=[MinValueValidator(5)])
    kind_map = models.JSONField(
        _("service kinds by product group"), default=dict, blank=True,
        help_text=_('WHMCS product group names and the kind of service they sell, e.g. '
                    '{"VPS": "vps", "Dedicated Servers": "dedicated", "SSL": "ssl"}. Groups '
                    'not listed follow the product type (shared, reseller, dedicated, other).'))
    default_currency = models.CharField(
        _("default currency"), max_length=3, default="USD",
        help_text=_("Your WHMCS's default currency, used when a client's is not known."))
    fetch_client_details = models.BooleanField(
        _("read client details"), default=True,
        help_text=_("Read the currency, phone and language of each new or changed client "
                    "(one more API call per such client)."))
    page_size = models.PositiveIntegerField(_("rows per API call"), default=250,
                                            validators=[MinValueValidator(10)])
    # A run holds the connection until this instant and extends it as it goes: one run at a
    # time, and a run whose worker died is taken over once its lease ends.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_started_at = models.DateTimeField(_("last run started"), null=True, blank=True,
                                           editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("WHMCS connection")
        verbose_name_plural = _("WHMCS connections")

    def __str__(self) -> str:
        return self.name

    def api_secret(self) -> str:
        return unseal(self.sealed_secret, purpose=WHMCS_SECRET_PURPOSE)


class SyncStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCESS = "success", _("Complete")
    PARTIAL = "partial", _("Partial")
    FAILED = "failed", _("Failed")


class WhmcsSyncRun(models.Model):
    """One run of a connection's sync and what it changed, per kind of row."""

    connection = models.ForeignKey(WhmcsConnection, on_delete=models.CASCADE,
                                   related_name="runs", verbose_name=_("connection"))
    manual = models.BooleanField(_("started by hand"), default=False)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=SyncStatus.choices,
                              default=SyncStatus.RUNNING)
    created = models.JSONField(_("rows created"), default=dict, blank=True)
    updated = models.JSONField(_("rows updated"), default=dict, blank=True)
    unchanged = models.JSONField(_("rows unchanged"), default=dict, blank=True)
    # Services gone from WHMCS, cancelled (never deleted) after a complete run.
    deleted = models.JSONField(_("cancelled (gone from WHMCS)"), default=dict, blank=True)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("first errors"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True, default="")
    pages = models.PositiveIntegerField(_("pages fetched"), default=0)
    failed_pages = models.PositiveIntegerField(_("pages failed"), default=0)
    calls = models.PositiveIntegerField(_("API calls"), default=0)

    class Meta:
        verbose_name = _("WHMCS sync run")
        verbose_name_plural = _("WHMCS sync runs")
        indexes = [models.Index(fields=["connection", "-started_at"],
                                name="whmcs_run_latest")]

    def __str__(self) -> str:
        return f"{self.connection} {self.started_at:%Y-%m-%d %H:%M}"


class WhmcsClientDetails(models.Model):
    """What GetClientsDetails said about a client (currency, phone, language), read again
    only when the client's GetClients row changes or the copy is a week old."""

    connection = models.ForeignKey(WhmcsConnection, on_delete=models.CASCADE,
                                   related_name="client_details")
    client_id = models.PositiveIntegerField()
    signature = models.CharField(max_length=64)
    details = models.JSONField(default=dict)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "client_id"],
                                               name="whmcs_client_details_unique")]

    def __str__(self) -> str:
        return f"{self.connection_id}:{self.client_id}"
