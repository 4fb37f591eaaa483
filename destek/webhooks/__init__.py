"""Outbound webhooks: what happens inside Destek, told to other systems (signed, retried)."""
