from django.urls import path, register_converter

from destek.kb.views import desk, portal, suggest


class LanguageConverter:
    regex = "en|tr"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(LanguageConverter, "kblang")

app_name = "kb"
urlpatterns = [
    path("", portal.kb_index, name="index"),
    path("faq/", portal.kb_faq, name="faq"),
    path("search/", portal.kb_search, name="search"),
    path("suggest/", suggest.kb_suggest, name="suggest"),
    path("deflect/", suggest.kb_deflect, name="deflect"),
    path("c/<slug:slug>/", portal.kb_category, name="category"),
    path("files/<int:attachment_id>/", portal.kb_attachment, name="attachment"),
    path("desk/", desk.article_list, name="desk_articles"),
    path("desk/search/", desk.panel_search, name="desk_search"),
    path("desk/report/", desk.report, name="desk_report"),
    path("desk/new/", desk.article_new, name="desk_new"),
    path("desk/from-ticket/<int:ticket_id>/", desk.draft_from_ticket, name="desk_from_ticket"),
    path("desk/<int:article_id>/", desk.article_edit, name="desk_edit"),
    path("desk/<int:article_id>/revisions/", desk.revision_list, name="desk_revisions"),
    path("desk/<int:article_id>/revisions/<int:number>/restore/", desk.revision_restore,
         name="desk_restore"),
    path("desk/<int:article_id>/<slug:action>/", desk.article_action, name="desk_action"),
    path("<kblang:language>/<str:slug>/", portal.kb_article, name="article"),
    path("<kblang:language>/<str:slug>/vote/", portal.kb_vote, name="vote"),
]
