"""The Turkish catalogs are complete, compiled, consistent, and cover every marked string.

Destek ships English and Turkish from day one, so a string marked for translation without a
Turkish msgstr, a stale .mo (CI does not run msgfmt), or literal English in a template is a bug.
After changing strings: makemessages, translate, compilemessages, as docs/translations.md says.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template import engines
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils import translation

PACKAGE = Path(settings.BASE_DIR)
# Apps still being built: their strings are translated when they land.
PENDING: tuple[str, ...] = ()
DJANGO_TR = Path(__import__("django").__file__).parent / "conf/locale/tr/LC_MESSAGES/django.po"

Key = tuple[str | None, str]  # (msgctxt, msgid)


def _pending(path: Path) -> bool:
    return path.relative_to(PACKAGE).parts[0] in PENDING


def po_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("locale/*/LC_MESSAGES/*.po") if not _pending(p))


def _translation(entry: polib.POEntry) -> str | tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
    return entry.msgstr


def catalog(po: polib.POFile | polib.MOFile) -> dict[Key, str | tuple[str, ...]]:
    return {(e.msgctxt, e.msgid): _translation(e) for e in po
            if not e.obsolete and e.msgid}


def test_there_are_turkish_catalogs():
    names = {str(p.relative_to(PACKAGE)) for p in po_files()}
    assert "locale/tr/LC_MESSAGES/django.po" in names  # the project catalog (LOCALE_PATHS)
    assert PACKAGE / "locale" in [Path(p) for p in settings.LOCALE_PATHS]


@pytest.mark.parametrize("path", po_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_catalog_is_complete(path: Path):
    po = polib.pofile(str(path))
    assert po.metadata.get("Language") == "tr"
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"
    # Django keeps catalogs with different plural rules apart; use Django's own rule for tr.
    django_rule = polib.pofile(str(DJANGO_TR)).metadata["Plural-Forms"]
    assert _normalise_rule(po.metadata["Plural-Forms"]) == _normalise_rule(django_rule)
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.obsolete_entries()] == []
    for entry in po.translated_entries():
        for text in _translation(entry) if entry.msgid_plural else [entry.msgstr]:
            assert placeholders(text) == placeholders(entry.msgid), (entry.msgid, text)


def _normalise_rule(rule: str) -> str:
    return re.sub(r"[\s();]", "", rule)


PLACEHOLDER = re.compile(r"%\((\w+)\)[-+ #0]*\d*(?:\.\d+)?[sdifr]|\{\w*\}|</?[a-z]+[^>]*>")


def placeholders(text: str) -> list[str]:
    """Python-format and brace-format fields and HTML tags: a msgstr keeps all of them."""
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text))


@pytest.mark.parametrize("path", po_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_compiled_catalog_matches_its_source(path: Path):
    """The committed .mo holds exactly the .po's translations (CI never runs msgfmt)."""
    mo_path = path.with_suffix(".mo")
    assert mo_path.exists(), f"run compilemessages: {mo_path} is missing"
    po, mo = polib.pofile(str(path)), polib.mofile(str(mo_path))
    assert catalog(mo) == catalog(po), f"{mo_path} is stale: run compilemessages"
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")


def test_a_msgid_has_one_translation_everywhere():
    """Django merges the catalogs (LOCALE_PATHS first), so a msgid cannot mean two things."""
    seen: dict[Key, tuple[str | tuple[str, ...], Path]] = {}
    clashes = []
    for path in po_files():
        for key, text in catalog(polib.pofile(str(path))).items():
            if key in seen and seen[key][0] != text:
                clashes.append((key[1], seen[key], (text, path)))
            seen.setdefault(key, (text, path))
    assert clashes == []


def test_no_other_catalog_shadows_ours():
    """Apps listed earlier in INSTALLED_APPS (admin, allauth …) win for the same msgid: Django's
    admin says "Süz" for "Filter". A clash needs a message context, or the project catalog."""
    shadowed = []
    with translation.override("tr"):
        for path in po_files():
            for entry in polib.pofile(str(path)).translated_entries():
                if entry.msgid_plural:
                    n = 2
                    got = (translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                           if entry.msgctxt else
                           translation.ngettext(entry.msgid, entry.msgid_plural, n))
                    want = entry.msgstr_plural[1]
                else:
                    got = (translation.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt
                           else translation.gettext(entry.msgid))
                    want = entry.msgstr
                if got != want:
                    shadowed.append((str(path.relative_to(PACKAGE)), entry.msgid, want, got))
    assert shadowed == []


# --- every marked string has a Turkish translation ---------------------------------------------

TRANSLATION_CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy",
                     "pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy", "gettext_noop"}


def source_files(pattern: str) -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob(pattern)
        if not _pending(p) and not {"tests", "migrations"} & set(p.relative_to(PACKAGE).parts)
    )


def python_msgids(path: Path) -> set[Key]:
    keys: set[Key] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in TRANSLATION_CALLS:
            continue
        args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
        if name.startswith(("pgettext", "npgettext")):
            if len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
                keys.add((args[0], args[1]))
        elif args and isinstance(args[0], str):
            keys.add((None, args[0]))
    return keys


def template_msgids(path: Path) -> set[Key]:
    engine = engines["django"].engine  # type: ignore[attr-defined]
    nodelist = engine.from_string(path.read_text(encoding="utf-8")).nodelist
    keys: set[Key] = set()
    for node in nodelist.get_nodes_by_type(TranslateNode):
        literal = getattr(node.filter_expression.var, "literal", None)
        if isinstance(literal, str):
            context = node.message_context.resolve({}) if node.message_context else None
            keys.add((context, str(literal)))
    for node in nodelist.get_nodes_by_type(BlockTranslateNode):
        context = node.message_context.resolve({}) if node.message_context else None
        keys.add((context, node.render_token_list(node.singular)[0]))
    return keys


def test_every_marked_string_is_translated():
    translated: set[Key] = set()
    for path in po_files():
        translated |= set(catalog(polib.pofile(str(path))))
    missing = []
    for path in source_files("*.py"):
        missing += [(str(path), key) for key in python_msgids(path) - translated]
    for path in source_files("templates/**/*.html"):
        missing += [(str(path), key) for key in template_msgids(path) - translated]
    assert not missing, "No Turkish translation (run makemessages, translate, compile):\n" + (
        "\n".join(f"  {path}: {msgid!r}" for path, (_ctx, msgid) in missing))


def test_the_extractor_sees_strings():
    """Guards the test above against silently finding nothing."""
    tpl = PACKAGE / "portal/templates/portal/ticket_new.html"
    assert (None, "Open a new ticket") in template_msgids(tpl)
    attachments = PACKAGE / "portal/templates/portal/_attachment_limits.html"
    assert any("%(size)s" in msgid for _ctx, msgid in template_msgids(attachments))
    assert (None, "Ticket not found.") in python_msgids(PACKAGE / "tickets/access.py")


# --- no literal English in templates ------------------------------------------------------------

_REMOVED = [
    re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S),
    re.compile(r"{%\s*block\s+\w+_class\s*%}.*?{%\s*endblock[^%]*%}", re.S),  # CSS classes
    re.compile(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S),
    re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I),
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S),
]
_TEXT_ATTRIBUTE = re.compile(r'\s(?:title|placeholder|aria-label|alt|label)="([^"]*)"')
_HTML_TAG = re.compile(r"<[^>]*>", re.S)
_WORD = re.compile(r"[^\W\d_]{2,}")
# The product name and the language names, which are written in their own language.
ALLOWED_WORDS = {"Destek", "English", "Türkçe"}


def literal_text(source: str) -> list[str]:
    """Words a template would show that are not inside a translation tag."""
    for pattern in _REMOVED:
        source = pattern.sub(" ", source)
    words = [w for value in _TEXT_ATTRIBUTE.findall(source) for w in _WORD.findall(value)]
    words += _WORD.findall(_HTML_TAG.sub(" ", source))
    return [w for w in words if w not in ALLOWED_WORDS]


def test_literal_text_detector():
    assert literal_text('<p>Hello {% translate "World" %}</p>') == ["Hello"]
    assert literal_text('<nav aria-label="breadcrumb"></nav>') == ["breadcrumb"]
    assert literal_text('{% block title %}Destek{% endblock %}<b>{{ x }}</b> · 📎') == []
    assert literal_text('{% blocktranslate %}Hi {{ n }}{% endblocktranslate %}') == []


@pytest.mark.parametrize("path", source_files("templates/**/*.html"),
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_templates_have_no_literal_text(path: Path):
    assert literal_text(path.read_text(encoding="utf-8")) == []


# Notifications, and the email channel's automatic replies (the polite reject reply).
EMAIL_TEMPLATE_FOLDERS = ["notifications/templates/notifications", "mail/templates/mail"]


@pytest.mark.parametrize("where", EMAIL_TEMPLATE_FOLDERS)
def test_every_shipped_email_template_exists_in_both_languages(where: str):
    folder = PACKAGE / where
    assert any(folder.iterdir()), where
    names = {p.name for p in folder.iterdir()}
    for name in names:
        for lang, other in (("en", "tr"), ("tr", "en")):
            if f".{lang}." in name:
                twin = name.replace(f".{lang}.", f".{other}.")
                assert twin in names, f"{name} has no {other} version"
                # The same variables and tags: a translation cannot drop the ticket link.
                assert _template_vars(folder / name) == _template_vars(folder / twin), name


def _template_vars(path: Path) -> list[str]:
    return sorted(set(re.findall(r"{[{%].*?[%}]}", path.read_text(encoding="utf-8"))))
