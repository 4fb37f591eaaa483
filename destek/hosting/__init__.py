"""Hosting context: each customer's services (shared, VPS, dedicated, domains…), their value
and tier, and the reseller tree. Below `tickets`, so a ticket can name the service it is about;
above `accounts`, whose people and organizations own the services."""
