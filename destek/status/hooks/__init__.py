"""Monitoring webhooks: an alert from Prometheus Alertmanager, Uptime Kuma or a signed JSON
webhook opens, updates or resolves an incident.

Each door (`views.py`) refuses what it cannot authenticate (`auth.py`: a shared secret per
source, kept sealed in `MonitoringSource`; failures rate-limited and audited), reads its
provider's payload into `Alert`s (`alertmanager.py`, `uptime_kuma.py`, `generic.py`), and
hands each alert to `incidents.alert_apply`, which goes through `destek.status.services` in
one transaction per alert, idempotent on (source, alert key) behind the
`incident_one_open_per_alert` constraint.
"""
