"""`{% load i18n memo_i18n %}`: the same output as Django's tags, per language, from one
compiled template."""

from __future__ import annotations

from django.template import Context, Engine, Template
from django.utils import translation
from django.utils.translation import gettext, pgettext

from destek.core.templatetags.memo_i18n import MemoTranslateNode

# An engine without Destek's TEMPLATES options: `{% load i18n %}` is Django's own library.
DJANGO_ONLY = Engine(libraries={"i18n": "django.templatetags.i18n"})
SOURCE = (
    "{% load i18n memo_i18n %}"
    '{% translate "Unassigned" %}|{% translate "{n} min" context "countdown" %}|'
    '{% translate "Status" as label %}[{{ label }}]|{% translate message %}|'
    '{% translate "Unassigned"|upper %}'
)


def expected(message: str) -> str:
    return (f"{gettext('Unassigned')}|{pgettext('countdown', '{n} min')}|"
            f"[{gettext('Status')}]|{gettext(message)}|{gettext('Unassigned').upper()}")


def test_one_compiled_template_answers_in_each_language_in_turn() -> None:
    template = Template(SOURCE)
    outputs = {}
    for language in ("en", "tr", "en", "tr"):
        for message in ("Tickets", "Queue"):
            with translation.override(language):
                rendered = template.render(Context({"message": message}))
                assert rendered == expected(message)
                outputs[language] = rendered.split("|")[0]
    assert outputs["en"] == "Unassigned"
    assert outputs["tr"] != outputs["en"]  # Turkish really came from the Turkish catalog


def test_same_output_as_djangos_tags_in_either_escaping_mode() -> None:
    body = ('{% translate "Fish & Chips" %}|{% translate "<b>Status</b>" %}|'
            "{% translate message %}")
    ours = Template("{% load i18n memo_i18n %}" + body)
    django = DJANGO_ONLY.from_string("{% load i18n %}" + body)
    for autoescape in (True, False, True):
        with translation.override("en"):
            context = {"message": "<i>Queue</i>"}
            assert (ours.render(Context(context, autoescape=autoescape))
                    == django.render(Context(context, autoescape=autoescape)))


def _translate_nodes(template: Template) -> list[object]:
    from django.templatetags.i18n import TranslateNode

    return list(template.nodelist.get_nodes_by_type(TranslateNode))


def test_templates_get_it_without_a_load_and_load_i18n_keeps_it() -> None:
    for source in ('{% translate "Status" %}', '{% load i18n %}{% translate "Status" %}'):
        template = Template(source)
        nodes = _translate_nodes(template)
        assert nodes and all(isinstance(n, MemoTranslateNode) for n in nodes), source
    # The rest of Django's i18n tags come with it.
    with translation.override("en"):
        rendered = Template("{% get_current_language as lang %}{{ lang }}|"
                            "{% blocktranslate %}Queue{% endblocktranslate %}").render(Context())
    assert rendered == "en|Queue"
    assert "MemoTranslateNode" not in repr(DJANGO_ONLY.from_string(
        '{% load i18n %}{% translate "Status" %}').nodelist)
