"""Message bodies of realistic sizes for the bench data generator (issue 14): from one line to
several KB (log excerpts, long stories), English and Turkish, agents' replies signed, some
email bodies in HTML, and email replies quoting the previous answer.

Bodies are drawn from pools built once per run, so memory stays bounded whatever the number
of tickets; the stored form is the funnel's: HTML through `sanitize_html` and its text through
`html_to_text`, plain text through `text_to_html`, and an email's quoted history and signature
in `quoted_text` (the mail parser cuts them off the body).
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass

from destek.core.sanitize import html_to_text, sanitize_html, text_to_html
from destek.demo.seeding.vocabulary import (
    AGENT_SENTENCES,
    CUSTOMER_SENTENCES,
    CUSTOMER_SIGNATURES,
    FIRST_NAMES,
    LAST_NAMES,
    LOG_LINES,
    NOTE_SENTENCES,
    QUOTE_HEADERS,
    SIGNATURES,
    TLDS,
    TR_AGENT_SENTENCES,
    TR_CUSTOMER_SENTENCES,
    WORDS,
)

LANGUAGES = ("tr", "en")
POOL = 300  # bodies per (author, language, form): enough variety, bounded memory


@dataclass(frozen=True)
class Body:
    html: str
    text: str
    signature: str = ""  # a customer's, moved into quoted_text when the reply came by email


class Bodies:
    """Pools of bodies by author kind, language and form (plain text or email HTML)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.customer = {(lang, as_html): [self._customer(lang, as_html) for _ in range(POOL)]
                         for lang in LANGUAGES for as_html in (False, True)}
        self.agent = {lang: [self._agent(lang) for _ in range(POOL)] for lang in LANGUAGES}
        self.notes = [self._note() for _ in range(POOL // 3)]

    # --- picking ---------------------------------------------------------------------------

    def for_customer(self, language: str, *, as_html: bool) -> Body:
        return self.rng.choice(self.customer[language, as_html])

    def for_agent(self, language: str) -> Body:
        return self.rng.choice(self.agent[language])

    def note(self) -> Body:
        return self.rng.choice(self.notes)

    def quoted(self, language: str, previous: str, agent_name: str, when: str,
               signature: str) -> str:
        """What an email client appends to a reply: the signature, then the answer quoted."""
        header = QUOTE_HEADERS[language].format(date=when, agent=agent_name)
        quote = "\n".join("> " + line if line else ">" for line in previous.splitlines())
        return f"{signature}\n\n{header}\n{quote}" if signature else f"{header}\n{quote}"

    # --- building --------------------------------------------------------------------------

    def _domain(self) -> str:
        rng = self.rng
        return f"{rng.choice(WORDS)}{rng.randint(1, 999)}.example.{rng.choice(TLDS)}"

    def _paragraphs(self, sentences: list[str], count: int, per: tuple[int, int]) -> list[str]:
        domain = self._domain()
        return [" ".join(s.format(d=domain) for s in self.rng.choices(sentences, k=self.rng
                                                                         .randint(*per)))
                for _ in range(count)]

    def _log(self, lines: int) -> str:
        rng = self.rng
        domain = self._domain()
        out = []
        for i in range(lines):
            stamp = f"2026-11-{rng.randint(1, 30):02d} {rng.randint(0, 23):02d}:" \
                    f"{rng.randint(0, 59):02d}:{i % 60:02d}"
            out.append(rng.choice(LOG_LINES).format(
                t=stamp, p=rng.randint(1000, 99999), n=rng.randint(1, 254),
                m=rng.randint(1000, 65000), l=rng.randint(10, 900), d=domain,
                h=f"{rng.getrandbits(40):010X}"))
        return "\n".join(out)

    def _customer(self, language: str, as_html: bool) -> Body:
        rng = self.rng
        sentences = TR_CUSTOMER_SENTENCES if language == "tr" else CUSTOMER_SENTENCES
        shape = rng.random()
        log = ""
        if shape < 0.2:  # one line: "Thanks, it works now!"
            parts = self._paragraphs(sentences, 1, (1, 1))
        elif shape < 0.75:
            parts = self._paragraphs(sentences, rng.randint(1, 3), (1, 4))
        elif shape < 0.9:  # a log excerpt pasted in
            parts = self._paragraphs(sentences, rng.randint(1, 2), (1, 3))
            log = self._log(rng.randint(5, 45))
        else:  # a long story
            parts = self._paragraphs(sentences, rng.randint(4, 10), (3, 6))
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        signature = ""
        if rng.random() < 0.6:
            signature = rng.choice(CUSTOMER_SIGNATURES).format(
                name=name, d=self._domain(), n=rng.randint(0, 99), m=rng.randint(0, 99))
        if as_html:
            markup = "".join(f"<p>{html.escape(p)}</p>" for p in parts)
            if log:
                markup += f"<pre>{html.escape(log)}</pre>"
            clean = sanitize_html(f'<div dir="ltr">{markup}</div>')
            return Body(clean, html_to_text(clean), signature)
        text = "\n\n".join([*parts, log] if log else parts)
        return Body(text_to_html(text), text, signature)

    def _agent(self, language: str) -> Body:
        rng = self.rng
        sentences = TR_AGENT_SENTENCES if language == "tr" else AGENT_SENTENCES
        greeting = "Merhaba," if language == "tr" else "Hello,"
        parts = [greeting, *self._paragraphs(sentences, rng.randint(1, 3), (1, 3))]
        if rng.random() < 0.08:  # what the agent found in the logs
            parts.append(self._log(rng.randint(3, 20)))
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        team = "Teknik destek" if language == "tr" else "Technical support"
        parts.append(rng.choice(SIGNATURES[language]).format(name=name, team=team))
        text = "\n\n".join(parts)
        return Body(text_to_html(text), text)

    def _note(self) -> Body:
        rng = self.rng
        text = " ".join(rng.choices(NOTE_SENTENCES, k=rng.randint(1, 2)))
        if rng.random() < 0.2:
            text += "\n\n" + self._log(rng.randint(3, 15))
        return Body(text_to_html(text), text)
