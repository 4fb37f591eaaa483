"""The email channel adapter: inbound doors (IMAP, SMTP receiver, pipe, provider webhooks),
parsing, threading onto tickets through the intake funnel, and outbound headers."""
