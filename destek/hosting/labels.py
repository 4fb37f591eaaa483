"""How a service is named to its customer in a picker or on a ticket page."""

from __future__ import annotations

from destek.hosting.models import Service, ServiceStatus


def service_label(service: Service) -> str:
    """Its plan (or kind) and domain, and its status when it is not active:
    "Business Hosting · example.com", "VPS · vps1.example.net (Suspended)"."""
    plan = service.plan or str(service.get_kind_display())
    label = f"{plan} · {service.domain}" if service.domain else plan
    if service.status != ServiceStatus.ACTIVE:
        label = f"{label} ({service.get_status_display()})"
    return label
