"""An alert's effect on incidents, through `destek.status.services`.

Firing: the open incident with the same (source, alert key) gets a timeline entry only when
the monitoring's text changed or its severity got worse; without one, a new incident is
declared on the alert's component, published at once or left as a draft by
`Component.alerts_publish`. Cleared: the open incident is resolved (a draft quietly, a
published one with a notice). One transaction per alert; two deliveries of the same new alert
at once meet on the `incident_one_open_per_alert` constraint, and the loser reads the
winner's incident."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from destek.status import services
from destek.status.hooks.alerts import Alert
from destek.status.models import STATUS_ORDER, Component, Incident, IncidentState


class UnknownComponent(LookupError):
    """No component matches the alert: nothing is created."""


@dataclass(frozen=True)
class Outcome:
    key: str
    action: str  # created, updated, unchanged, resolved, ignored
    incident: int | None = None

    def as_json(self) -> dict[str, object]:
        return {"key": self.key, "action": self.action, "incident": self.incident}


def _host(value: str) -> str:
    """A Prometheus instance ("web-07:9100") without its port."""
    host, sep, port = value.rpartition(":")
    return host if sep and port.isdigit() and "]" not in port else value


def component_for(alert: Alert) -> Component | None:
    """The component an alert names: by slug, else by one of its servers/nodes."""
    candidates = [v for s in alert.slugs for v in (s, s.lower())]  # in order of preference
    if candidates:
        found = {c.slug: c for c in Component.objects.filter(slug__in=set(candidates))}
        for slug in candidates:
            if slug in found:
                return found[slug]
    wanted = {v.lower() for value in alert.servers for v in (value, _host(value))}
    if not wanted:
        return None
    for component in Component.objects.exclude(servers=[]).order_by("pk"):
        servers = component.servers if isinstance(component.servers, list) else []
        if any(str(s).lower() in wanted for s in servers):
            return component
    return None


def _both(message: str, **params: str) -> tuple[str, str]:
    """`message` in English and in Turkish."""
    texts = []
    for language in ("en", "tr"):
        with translation.override(language):
            texts.append(_(message) % params)
    return texts[0], texts[1]


# Marked for translation here, translated in `_both`.
PROBLEM = gettext_noop("Our monitoring reports a problem: %(detail)s")
RECOVERED = gettext_noop("Our monitoring shows this has recovered. We are keeping an eye on it.")


def _open_incident(source: str, key: str) -> Incident | None:
    return (Incident.objects.select_for_update()
            .filter(source=source, alert_key=key, resolved_at=None).first())


def _apply(*, source: str, alert: Alert) -> Outcome:
    incident = _open_incident(source, alert.key)
    if not alert.firing:
        if incident is None:
            return Outcome(alert.key, "ignored")
        body, body_tr = _both(RECOVERED)
        services.incident_post_update(actor=None, incident=incident,
                                      state=IncidentState.RESOLVED, body=body,
                                      body_tr=body_tr, notify=incident.is_published)
        return Outcome(alert.key, "resolved", incident.pk)
    component_status, impact = alert.status_and_impact()
    body, body_tr = _both(PROBLEM, detail=alert.text or alert.name)
    if incident is not None:
        last = incident.updates.filter(author=None).order_by("-created_at", "-id").first()
        # A worse severity raises what the components show; a milder one never lowers it
        # (nor undoes an agent's choice): that is for an agent to decide.
        escalated = STATUS_ORDER.index(component_status) \
            > STATUS_ORDER.index(incident.component_status)
        if last is not None and last.body == body and not escalated:
            return Outcome(alert.key, "unchanged", incident.pk)
        if escalated:
            incident.component_status, incident.impact = component_status, impact
            incident.updated_at = timezone.now()
            incident.save(update_fields=["component_status", "impact", "updated_at"])
        # A changed figure in an alert's text is worth a line on the timeline, not an
        # email to every affected customer: agents decide what is sent.
        services.incident_post_update(actor=None, incident=incident, state=incident.state,
                                      body=body, body_tr=body_tr, notify=False)
        return Outcome(alert.key, "updated", incident.pk)
    component = component_for(alert)
    if component is None:
        raise UnknownComponent(alert.key)
    draft = services.IncidentDraft(
        title=f"{component.name}: {alert.name}"[:200],
        title_tr=f"{component.localized_name('tr')}: {alert.name}"[:200],
        body=body, body_tr=body_tr, components=[component], impact=impact,
        component_status=component_status, source=source, alert_key=alert.key)
    created = services.incident_create(actor=None, draft=draft,
                                       publish=component.alerts_publish)
    return Outcome(alert.key, "created", created.pk)


def alert_apply(*, source: str, alert: Alert) -> Outcome:
    """Apply one alert in its own transaction; retried once when another delivery of the
    same alert opened the incident first."""
    try:
        with transaction.atomic():
            return _apply(source=source, alert=alert)
    except IntegrityError:
        pass
    with transaction.atomic():
        return _apply(source=source, alert=alert)


def check_components(*, source: str, alerts: list[Alert]) -> list[str]:
    """The keys of the firing alerts that would open an incident on no known component."""
    unknown = []
    for alert in alerts:
        if not alert.firing or component_for(alert) is not None:
            continue
        if not Incident.objects.filter(source=source, alert_key=alert.key,
                                       resolved_at=None).exists():
            unknown.append(alert.key)
    return unknown
