"""Every real-world message of the shared corpus, stored and processed, ends as a ticket, a
reply, an ignored or a quarantined message (with its error), never as an exception or a bug.

The corpus is read where it lives (../shared/corpus/mail next to the project, or
$DESTEK_MAIL_CORPUS); it is never copied into the project. Skipped when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from destek.mail import processing
from destek.mail.models import InboundEmail, InboundState, Mailbox
from destek.mail.store import store_raw
from destek.tickets.models import Message

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def _corpus() -> Path | None:
    configured = os.environ.get("DESTEK_MAIL_CORPUS")
    for candidate in ([Path(configured)] if configured else []) + [
            ROOT.parent / "shared" / "corpus" / "mail"]:
        if candidate.is_dir():
            return candidate
    return None


def test_every_corpus_message_is_filed_ignored_or_quarantined(department, settings):
    corpus = _corpus()
    if corpus is None:
        pytest.skip("the shared mail corpus (../shared/corpus/mail) is not on this machine")
    settings.DEFAULT_FROM_EMAIL = "Destek <support@destek.example>"
    Mailbox.objects.create(name="Support", address="support@destek.example",
                           department=department)
    files = sorted(corpus.rglob("*.eml"))
    assert len(files) > 100
    stored = {}
    for path in files:
        row = store_raw(raw=path.read_bytes(), source="upload",
                        envelope_to=["support@destek.example"]).email
        stored.setdefault(row.pk, path)
    for pk in stored:
        processing.process(pk)  # never raises: everything ends in a state

    rows = InboundEmail.objects.filter(pk__in=list(stored))
    states = {state: rows.filter(state=state).count() for state in InboundState.values}
    assert states[InboundState.PENDING] == 0, states
    problems = []
    for row in rows:
        if row.state == InboundState.PROCESSED and row.ticket_message_id is None:
            problems.append(f"{stored[row.pk]}: processed without a message")
        if row.state == InboundState.QUARANTINED and (
                not row.error or "Traceback" in row.error):
            problems.append(f"{stored[row.pk]}: {row.error[-600:]}")
    assert not problems, "\n".join(problems)
    # Most of the corpus is ordinary mail: it must become tickets and replies, not vanish.
    assert states[InboundState.PROCESSED] > len(stored) / 2, states
    assert Message.objects.count() == states[InboundState.PROCESSED]
