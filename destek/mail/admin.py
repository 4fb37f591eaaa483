"""Admin of the email channel. Each part keeps its own module; this file only imports them."""

from destek.mail import (
    admin_inbound,  # noqa: F401  (registers InboundEmailAdmin, bounces)
    admin_mailbox,  # noqa: F401  (registers MailboxAdmin)
)
