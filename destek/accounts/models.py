"""People: customers (optionally in organizations), staff with roles, and departments."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from destek.accounts.emails import normalized_email
from destek.audit.log import Action, record


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    OUTSOURCED = "outsourced", _("Outsourced agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.AGENT, Role.OUTSOURCED, Role.SUPERVISOR, Role.ADMIN})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=normalized_email(self.normalize_email(email)), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        """`createsuperuser`: an administrator made from the command line, which the audit
        log records as a role given (the admin's user form records its own)."""
        fields.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        user = self.create_user(email, password, **fields)
        record(Action.ROLE_CHANGED, target=f"user:{user.pk}", user=user.email, old_role=None,
               new_role=user.role, via="create_superuser")
        return user


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    # A reseller sells hosting to its own customers, who are organizations under it
    # (`reseller`); its people see and manage those customers' tickets in the portal.
    is_reseller = models.BooleanField(_("reseller"), default=False)
    reseller = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="end_customers",
        limit_choices_to={"is_reseller": True}, verbose_name=_("reseller"),
        help_text=_("The reseller this organization is an end customer of."))
    support_department = models.ForeignKey(
        "Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("dedicated team"),
        help_text=_("New tickets from this organization (and a reseller's end customers) go "
                    "to this department."))
    # Its id in the billing system, the key of idempotent imports and syncs.
    external_id = models.CharField(_("external id"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], condition=~models.Q(external_id=""),
                                    name="organization_unique_external_id"),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractBaseUser, PermissionsMixin):
    """One account type for everyone; `role` says whether this is a customer or staff."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="members", verbose_name=_("organization"),
    )
    language = models.CharField(_("language"), max_length=8, default="en",
                                choices=[("en", "English"), ("tr", "Türkçe")])
    # Set by the language switch or the profile: until then a customer's pages (and emails)
    # follow their browser's language (UserLanguageMiddleware).
    language_chosen = models.BooleanField(_("language chosen by the user"), default=False)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Every date shown to this person, and "we will answer by …", in their zone; empty: the
    # installation's TIME_ZONE.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")
    # Whether ticket updates reach them by email (they always reach the portal).
    email_notifications = models.BooleanField(_("email me about my tickets"), default=True)
    # Their id in the billing system, the key of idempotent imports and syncs.
    external_id = models.CharField(_("external id"), max_length=64, blank=True, default="")
    # Agent-only: whether automatic assignment may pick them, and how many open tickets at most.
    is_available = models.BooleanField(_("available for assignment"), default=True)
    max_open_tickets = models.PositiveIntegerField(_("open ticket limit"), default=25)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("can use the admin site"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["role", "email"], name="user_role_email")]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], condition=~models.Q(external_id=""),
                                    name="user_unique_external_id"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    @property
    def is_agent(self) -> bool:
        """Any staff role: agent, outsourced agent, supervisor or admin."""
        return self.role in STAFF_ROLES

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_admin(self) -> bool:
        """An administrator: the audit log, customers' data rights, the product's settings."""
        return self.role == Role.ADMIN and self.is_active

    @property
    def may_configure(self) -> bool:
        """Opens the in-product Settings (destek.configuration): administrators and supervisors;
        each section says which of them it admits."""
        return self.role in (Role.ADMIN, Role.SUPERVISOR) and self.is_active

    @property
    def sees_all_departments(self) -> bool:
        return self.role in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


class AssignmentMode(models.TextChoices):
    MANUAL = "manual", _("Manual")
    ROUND_ROBIN = "round_robin", _("Round-robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")


class Department(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    name_tr = models.CharField(_("name in Turkish"), max_length=120, blank=True)
    email = models.EmailField(_("support address"), blank=True)
    assignment_mode = models.CharField(
        _("automatic assignment"), max_length=16, choices=AssignmentMode.choices,
        default=AssignmentMode.MANUAL,
    )
    supervisor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("supervisor"),
    )
    is_public = models.BooleanField(_("customers may choose it"), default=True)
    agents = models.ManyToManyField(User, through="DepartmentMembership",
                                    related_name="departments", blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def localized_name(self, language: str | None) -> str:
        return self.name_tr if language == "tr" and self.name_tr else self.name


class DepartmentMembership(models.Model):
    """An agent works in a department; `last_assigned_at` drives round-robin."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE)
    agent = models.ForeignKey(User, on_delete=models.CASCADE)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "agent"],
                                               name="uniq_department_agent")]
        verbose_name = _("department membership")
        verbose_name_plural = _("department memberships")

    def __str__(self) -> str:
        return f"{self.agent} @ {self.department}"
