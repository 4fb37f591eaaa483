"""The inbound doors of the email channel: SMTP receiver, MTA pipe, IMAP poller, provider
webhooks. Each stores the raw bytes through `destek.mail.store.store_raw` and acknowledges its
source only after that returned (the row is committed by then)."""
