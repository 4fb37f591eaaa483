"""Who may act on a customer's data rights: the customer, for their own export; otherwise
administrators only (accounts.web.admin_required guards the desk's privacy pages)."""

from __future__ import annotations

from destek.accounts.models import User


def is_privacy_admin(actor: User) -> bool:
    return actor.is_authenticated and actor.is_admin
