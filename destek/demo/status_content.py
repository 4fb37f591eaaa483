"""The demo's status page: components a Turkish hosting company runs, in groups, with the
servers behind them, a backup routine, a resolved incident with its whole timeline and a
maintenance window next week. Through destek.status's services, as an agent would."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from destek.accounts.models import User
from destek.status.models import (
    BackupRoutine,
    Component,
    ComponentGroup,
    ComponentStatus,
    Impact,
    IncidentKind,
    IncidentState,
)
from destek.status.services import IncidentDraft, incident_create, incident_post_update

# (group en, group tr, [(slug, name en, name tr, servers, plans)])
ComponentRow = tuple[str, str, str, list[str], list[str]]
COMPONENTS: list[tuple[str, str, list[ComponentRow]]] = [
    ("Hosting", "Hosting", [
        ("web-07", "Shared hosting – web-07", "Paylaşımlı hosting – web-07", ["web-07"], []),
        ("web-08", "Shared hosting – web-08", "Paylaşımlı hosting – web-08", ["web-08"], []),
        ("vps-ist-3", "VPS node ist-3", "VPS sunucusu ist-3", ["ist-3"], []),
    ]),
    ("Network and services", "Ağ ve servisler", [
        ("email", "Email", "E-posta", ["mx-1", "mx-2"], []),
        ("dns", "DNS", "DNS", ["ns1", "ns2"], []),
        ("ist-network", "Istanbul datacenter network", "İstanbul veri merkezi ağı", [], []),
    ]),
]


def status_page(agent: User) -> None:
    by_slug: dict[str, Component] = {}
    for position, (group_en, group_tr, components) in enumerate(COMPONENTS):
        group = ComponentGroup.objects.create(name=group_en, name_tr=group_tr,
                                              position=position)
        for index, (slug, name, name_tr, servers, plans) in enumerate(components):
            by_slug[slug] = Component.objects.create(
                group=group, slug=slug, name=name, name_tr=name_tr, position=index,
                servers=servers, plans=plans)
    now = timezone.now()
    for slug in ("web-07", "web-08", "vps-ist-3"):
        BackupRoutine.objects.create(
            component=by_slug[slug], what="Website files, databases and email accounts",
            what_tr="Web sitesi dosyaları, veritabanları ve e-posta hesapları",
            every_hours=24, keep_days=30, last_success_at=now - timedelta(hours=5))

    past = now - timedelta(days=6)
    incident = incident_create(actor=agent, draft=IncidentDraft(
        title="Slow email delivery", title_tr="E-posta gönderiminde gecikme",
        body="Outgoing email is queued for up to 20 minutes. We are investigating.",
        body_tr="Giden e-postalar 20 dakikaya kadar kuyrukta bekliyor. İnceliyoruz.",
        components=[by_slug["email"]], impact=Impact.MINOR,
        component_status=ComponentStatus.DEGRADED))
    incident.created_at = past
    incident.published_at = past
    incident.save(update_fields=["created_at", "published_at"])
    incident.updates.update(created_at=past)
    incident_post_update(
        actor=agent, incident=incident, state=IncidentState.IDENTIFIED, notify=False,
        at=past + timedelta(minutes=25),
        body="A spam wave filled the queue of mx-2; we are blocking the sender.",
        body_tr="mx-2'nin kuyruğunu bir spam dalgası doldurdu; göndereni engelliyoruz.")
    incident_post_update(
        actor=agent, incident=incident, state=IncidentState.RESOLVED, notify=False,
        at=past + timedelta(minutes=70),
        body="The queue is empty and email leaves within seconds again.",
        body_tr="Kuyruk boşaldı; e-postalar yeniden saniyeler içinde gönderiliyor.")

    start = (now + timedelta(days=5)).replace(hour=1, minute=0, second=0, microsecond=0)
    incident_create(actor=agent, draft=IncidentDraft(
        kind=IncidentKind.MAINTENANCE, title="Kernel update on web-08",
        title_tr="web-08 çekirdek güncellemesi", impact=Impact.MINOR,
        body="web-08 restarts once; sites on it are unreachable for about 5 minutes.",
        body_tr="web-08 bir kez yeniden başlatılacak; üzerindeki siteler yaklaşık 5 dakika "
                "erişilemez olacak.",
        components=[by_slug["web-08"]], component_status=ComponentStatus.MAINTENANCE,
        scheduled_start=start, scheduled_end=start + timedelta(hours=1)))
