"""`destek erase-customer <email> --yes`: erase one customer (as the erasure page does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from destek.accounts.models import Role, User
from destek.privacy.erasure import erase_customer, erasure_preview


class Command(BaseCommand):
    help = "Erase a customer by anonymisation (KVKK / GDPR). Cannot be undone."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--yes", action="store_true",
                            help="Erase; without it only show what would be erased.")

    def handle(self, *args: Any, **options: Any) -> None:
        customer = User.objects.filter(email__iexact=options["email"].strip(),
                                       role=Role.CUSTOMER).first()
        if customer is None:
            raise CommandError("No customer has this email address.")
        counts = erasure_preview(customer=customer) if not options["yes"] else \
            erase_customer(customer, by=None)
        for field, value in vars(counts).items():
            self.stdout.write(f"  {field}: {value}")
        if options["yes"]:
            self.stdout.write(f"Erased user:{customer.pk}.")
        else:
            self.stdout.write("Nothing changed; add --yes to erase.")
