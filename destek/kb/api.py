"""The knowledge base in the REST API: list and search, read; create and edit for agents.

Reading needs no account (visitors see public articles); what anyone gets is decided by
destek.kb.access, like every other door.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from destek.api.base import MAX_ID, ApiView, actor, error_responses
from destek.core.errors import PermissionDenied
from destek.kb import access
from destek.kb.models import LANGUAGES, Article, Audience, Category
from destek.kb.search import search
from destek.kb.services import articles as services
from destek.kb.views.common import request_actor

MAX_RESULTS = 50


class CategorySerializer(serializers.ModelSerializer[Category]):
    class Meta:
        model = Category
        ref_name = "KbCategory"
        fields = ["id", "slug", "name", "name_tr", "parent"]


class ArticleSummarySerializer(serializers.ModelSerializer[Article]):
    url = serializers.SerializerMethodField()
    snippet = serializers.SerializerMethodField(
        help_text="Search only: matching text, matches in <mark>.")

    class Meta:
        model = Article
        ref_name = "KbArticleSummary"
        fields = ["id", "language", "slug", "title", "summary", "category", "audience",
                  "status", "is_faq", "updated_at", "url", "snippet"]

    def get_url(self, article: Article) -> str:
        request = self.context["request"]
        return str(request.build_absolute_uri(f"/kb/{article.language}/{article.slug}/"))

    def get_snippet(self, article: Article) -> str:
        """From the search hits (context "snippets": article id → snippet); "" otherwise."""
        snippets: dict[int, str] = self.context.get("snippets", {})
        return snippets.get(article.pk, "")


class ArticleDetailSerializer(ArticleSummarySerializer):
    translations = serializers.SerializerMethodField()

    class Meta(ArticleSummarySerializer.Meta):
        ref_name = "KbArticle"
        fields = [*ArticleSummarySerializer.Meta.fields, "body_markdown", "body_html",
                  "publish_at", "helpful_count", "unhelpful_count", "translations"]

    def get_translations(self, article: Article) -> list[dict[str, Any]]:
        visible = access.articles_visible_to(self.context["actor"]).filter(
            group=article.group).exclude(pk=article.pk).values("id", "language", "slug")
        return [dict(row) for row in visible]


class ArticleWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body_markdown = serializers.CharField(allow_blank=True, required=False, default="")
    language = serializers.ChoiceField(choices=LANGUAGES, required=False, default="en")
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(),
                                                  required=False, allow_null=True)
    audience = serializers.ChoiceField(choices=Audience.choices, required=False,
                                       default=Audience.PUBLIC)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                    default="")
    is_faq = serializers.BooleanField(required=False, default=False)
    slug = serializers.SlugField(max_length=200, required=False, allow_blank=True, default="")
    translation_of = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                              help_text="Create as a translation of this one.")


def _require_agent(request: Request) -> None:
    if not access.can_edit(request_actor(request)):
        raise PermissionDenied(_("Only agents can edit the knowledge base."))


class KbArticleListApi(ApiView):
    permission_classes = [AllowAny]

    class FilterSerializer(serializers.Serializer):
        class Meta:
            ref_name = "KbArticleFilters"

        q = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                  help_text="Search words (stemmed, Turkish and English).")
        language = serializers.ChoiceField(choices=LANGUAGES, required=False)
        category = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
        faq = serializers.BooleanField(required=False, default=False)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_RESULTS,
                                         default=20)

    @extend_schema(operation_id="kb_articles_list", tags=["knowledge base"],
                   summary="List or search the articles you may read",
                   parameters=[FilterSerializer],
                   responses={200: ArticleSummarySerializer(many=True),
                              **error_responses(400)})
    def get(self, request: Request) -> Response:
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        user = request_actor(request)
        context: dict[str, object] = {"request": request, "actor": user}
        if data.get("q", "").strip():
            result = search(actor=user, query=data["q"], language=data.get("language"),
                            category_id=data.get("category"), limit=data["limit"])
            context["snippets"] = {hit.article.pk: hit.snippet for hit in result.hits}
            rows = [hit.article for hit in result.hits]
            return Response(ArticleSummarySerializer(rows, many=True, context=context).data)
        qs = access.articles_visible_to(user).defer("body_html", "body_text")
        if data.get("language"):
            qs = qs.filter(language=data["language"])
        if data.get("category"):
            qs = qs.filter(category_id=data["category"])
        if data.get("faq"):
            qs = qs.filter(is_faq=True)
        rows = list(qs.order_by("-updated_at", "-pk")[:data["limit"]])
        return Response(ArticleSummarySerializer(rows, many=True, context=context).data)


class KbArticleCreateApi(ApiView):
    @extend_schema(operation_id="kb_articles_create", tags=["knowledge base"],
                   summary="Write a draft article (agents)",
                   request=ArticleWriteSerializer,
                   responses={201: ArticleDetailSerializer, **error_responses(400, 403, 404)})
    def post(self, request: Request) -> Response:
        _require_agent(request)
        payload = ArticleWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        source = None
        if data.get("translation_of"):
            source = access.access_article(actor=actor(request),
                                           article_id=data.pop("translation_of"),
                                           include_unpublished=True)
        data.pop("translation_of", None)
        article = services.article_create(actor=actor(request),
                                          data=services.ArticleInput(**data),
                                          translation_of=source)
        context = {"request": request, "actor": actor(request)}
        return Response(ArticleDetailSerializer(article, context=context).data,
                        status=status.HTTP_201_CREATED)


class KbArticleCollectionApi(KbArticleListApi, KbArticleCreateApi):
    # GET is open to everyone (what they may read), POST needs an agent.
    def get_permissions(self) -> list[Any]:
        if self.request.method == "POST":
            return [permission() for permission in ApiView.permission_classes]
        return [AllowAny()]


class KbArticleDetailApi(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="kb_articles_retrieve", tags=["knowledge base"],
                   summary="Read an article", responses={200: ArticleDetailSerializer,
                                                         **error_responses(404)})
    def get(self, request: Request, article_id: int) -> Response:
        user = request_actor(request)
        article = access.access_article(actor=user, article_id=article_id,
                                        include_unpublished=True)
        return Response(ArticleDetailSerializer(
            article, context={"request": request, "actor": user}).data)


class KbArticleUpdateApi(ApiView):
    @extend_schema(operation_id="kb_articles_partial_update", tags=["knowledge base"],
                   summary="Edit an article (agents); a new revision is kept",
                   request=ArticleWriteSerializer(partial=True),
                   responses={200: ArticleDetailSerializer, **error_responses(400, 403, 404)})
    def patch(self, request: Request, article_id: int) -> Response:
        _require_agent(request)
        user = actor(request)
        article = access.access_article(actor=user, article_id=article_id,
                                        include_unpublished=True)
        payload = ArticleWriteSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        changes = {k: v for k, v in payload.validated_data.items() if k != "translation_of"}
        data = services.article_input_from(article, **changes)
        article = services.article_update(actor=user, article=article, data=data)
        return Response(ArticleDetailSerializer(
            article, context={"request": request, "actor": user}).data)


class KbArticleItemApi(KbArticleDetailApi, KbArticleUpdateApi):
    def get_permissions(self) -> list[Any]:
        if self.request.method == "PATCH":
            return [permission() for permission in ApiView.permission_classes]
        return [AllowAny()]


class KbCategoryListApi(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="kb_categories_list", tags=["knowledge base"],
                   summary="The knowledge base's categories",
                   responses={200: CategorySerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(CategorySerializer(Category.objects.all()[:500], many=True).data)
