"""Mailboxes (support@, billing@…) and every inbound message's raw bytes, stored before parsing."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from destek.core.sealing import seal, unseal

# Names the key the IMAP password is sealed with (core.sealing), not a secret itself.
IMAP_PASSWORD_PURPOSE = "mail.mailbox.imap-password"  # noqa: S105


class SenderPolicy(models.TextChoices):
    ACCEPT = "accept", _("Accept anyone (create unknown customers)")
    KNOWN_ONLY = "known_only", _("Only known customers (ignore others)")
    REJECT = "reject", _("Only known customers (answer others with a polite reply)")


class Mailbox(models.Model):
    name = models.CharField(_("name"), max_length=100)
    address = models.EmailField(_("address"), unique=True)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="mailboxes",
        verbose_name=_("department"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sender_policy = models.CharField(
        _("unknown senders"), max_length=20, choices=SenderPolicy.choices,
        default=SenderPolicy.ACCEPT,
    )
    from_name = models.CharField(_("sender name"), max_length=100, blank=True)
    signature = models.TextField(_("signature"), blank=True)

    # IMAP polling (optional): messages are tracked by UID within UIDVALIDITY, never by the
    # \Seen flag, and moved to the archive folder (or flagged) only after they are stored.
    imap_host = models.CharField(_("IMAP host"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=10, default="ssl",
        choices=[("ssl", "SSL/TLS"), ("starttls", "STARTTLS"), ("none", _("None"))],
    )
    imap_username = models.CharField(_("IMAP user name"), max_length=255, blank=True)
    # Sealed with a key derived from SECRET_KEY (destek.core.sealing): read and written as
    # `imap_password`, so a copy of the database alone does not reveal it.
    imap_password_sealed = models.TextField(blank=True, default="", editable=False)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    imap_archive_folder = models.CharField(
        _("move processed mail to"), max_length=255, blank=True,
        help_text=_("Empty: leave messages in place and flag them."),
    )
    # "oauth2": IMAP AUTHENTICATE XOAUTH2 (and SMTP AUTH XOAUTH2) with a token from the
    # provider's sign-in (destek.mail.oauth), kept sealed; the password is then unused.
    imap_auth = models.CharField(
        _("sign-in method"), max_length=10, default="password",
        choices=[("password", _("Password")), ("oauth2", _("OAuth2 sign-in"))],
    )
    oauth_provider = models.CharField(_("OAuth2 provider"), max_length=20, blank=True,
                                      choices=[("google", "Google Workspace"),
                                               ("microsoft", "Microsoft 365")])
    oauth_refresh_token = models.TextField(blank=True, editable=False)  # sealed
    oauth_access_token = models.TextField(blank=True, editable=False)  # sealed
    oauth_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    imap_uidvalidity = models.BigIntegerField(_("IMAP UIDVALIDITY"), null=True, blank=True,
                                              editable=False)
    imap_last_uid = models.BigIntegerField(_("last IMAP UID"), default=0, editable=False)
    imap_last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True,
                                               editable=False)
    imap_last_error = models.TextField(_("last IMAP error"), blank=True, editable=False)

    class Meta:
        ordering = ["address"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.address

    @property
    def imap_password(self) -> str:
        return unseal(self.imap_password_sealed, purpose=IMAP_PASSWORD_PURPOSE)

    @imap_password.setter
    def imap_password(self, value: str) -> None:
        self.imap_password_sealed = seal(value, purpose=IMAP_PASSWORD_PURPOSE)


class OAuthApp(models.Model):
    """The app registered with Google or Microsoft that mailboxes sign in through: its client
    id and secret (sealed, destek.core.sealing) and its endpoints (the provider's by
    default)."""

    provider = models.CharField(_("provider"), max_length=20, unique=True,
                                choices=[("google", "Google Workspace"),
                                         ("microsoft", "Microsoft 365")])
    client_id = models.CharField(_("client ID"), max_length=255)
    sealed_client_secret = models.TextField(blank=True, editable=False)
    authorize_url = models.URLField(_("authorization endpoint"), max_length=500)
    token_url = models.URLField(_("token endpoint"), max_length=500)

    class Meta:
        verbose_name = _("OAuth2 app")
        verbose_name_plural = _("OAuth2 apps")

    def __str__(self) -> str:
        return self.get_provider_display()


class InboundSource(models.TextChoices):
    SMTP = "smtp", _("SMTP receiver")
    IMAP = "imap", _("IMAP")
    PIPE = "pipe", _("MTA pipe")
    WEBHOOK = "webhook", _("Provider webhook")
    UPLOAD = "upload", _("Uploaded")


class InboundState(models.TextChoices):
    PENDING = "pending", _("Waiting to be processed")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")  # our own mail looping back, a bounce, a capped auto-reply…
    QUARANTINED = "quarantined", _("Quarantined")
    # The same message again (an MTA retry, a second door, an IMAP re-fetch): `duplicate_of`.
    DUPLICATE = "duplicate", _("Duplicate")


class InboundEmail(models.Model):
    """The raw message as received. Written (and committed) before the source is acknowledged;
    parsing and threading happen afterwards in a task, which may run more than once."""

    # "fp:" and the content's fingerprint (destek.mail.identity: the message without the
    # headers each hop adds): the same message fetched twice (IMAP after a crash, an MTA
    # retry, two doors) is filed once, its other copies are kept as DUPLICATE rows pointing
    # at it. Rows stored before were keyed "mid:<Message-ID>" or "sha256:<raw bytes>".
    dedupe_key = models.CharField(_("deduplication key"), max_length=255)
    header_message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    # Message-IDs are not unique (mailers reuse them): the hash finds earlier ones quickly.
    message_id_hash = models.CharField(max_length=64, blank=True, editable=False)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("duplicate of"),
    )
    # A different message under a Message-ID an earlier one had: filed on its own.
    same_message_id_as = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("Message-ID already used by"),
    )
    source = models.CharField(_("source"), max_length=10, choices=InboundSource.choices)
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound",
        verbose_name=_("mailbox"),
    )
    envelope_to = models.JSONField(_("envelope recipients"), default=list, blank=True)
    raw = models.BinaryField()
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    state = models.CharField(
        _("state"), max_length=12, choices=InboundState.choices, default=InboundState.PENDING,
    )
    error = models.TextField(_("error"), blank=True)
    # Why it was ignored or what became of it ("bounce", "own notification", "unknown sender").
    note = models.CharField(_("note"), max_length=255, blank=True)
    from_address = models.CharField(_("from"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # A worker that took this message (in a batch) owns it until then; after that (it died),
    # another one may take it again.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    opened_ticket = models.BooleanField(_("opened a ticket"), default=False)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    ticket_message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        indexes = [
            models.Index(fields=["state", "received_at"], name="inbound_state"),
            models.Index(fields=["message_id_hash"], name="inbound_message_id",
                         condition=~models.Q(message_id_hash="")),
        ]
        constraints = [
            # One filed row per message; its duplicates share the key.
            models.UniqueConstraint(fields=["dedupe_key"], name="uniq_inbound_dedupe_key",
                                    condition=~models.Q(state="duplicate")),
        ]

    def __str__(self) -> str:
        return self.header_message_id or self.dedupe_key


class EmailAddressStatus(models.Model):
    """What we know about an address from bounces: mail to a bouncing address is not sent."""

    address = models.CharField(_("address"), max_length=320, unique=True)  # lower-cased
    bouncing = models.BooleanField(_("bouncing"), default=False)
    bounce_count = models.PositiveIntegerField(_("bounces"), default=0)
    last_bounce_at = models.DateTimeField(_("last bounce"), null=True, blank=True)
    last_bounce_reason = models.CharField(_("last bounce reason"), max_length=255, blank=True)

    class Meta:
        ordering = ["address"]
        verbose_name = _("email address status")
        verbose_name_plural = _("email address statuses")

    def __str__(self) -> str:
        return self.address


class AutoReplyKind(models.TextChoices):
    ACKNOWLEDGEMENT = "ack", _("Ticket acknowledgement")
    REJECTION = "reject", _("Unknown sender rejected")


class AutoReply(models.Model):
    """One automatic email sent in answer to inbound mail: what the ping-pong caps count."""

    address = models.CharField(max_length=320)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=AutoReplyKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("automatic reply")
        verbose_name_plural = _("automatic replies")
        indexes = [
            models.Index(fields=["address", "created_at"], name="autoreply_address"),
            models.Index(fields=["ticket", "created_at"], name="autoreply_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.address}"
