from django.urls import path

from destek.kb.api import KbArticleCollectionApi, KbArticleItemApi, KbCategoryListApi

urlpatterns = [
    path("articles/", KbArticleCollectionApi.as_view(), name="kb-article-list"),
    path("articles/<int:article_id>/", KbArticleItemApi.as_view(), name="kb-article-detail"),
    path("categories/", KbCategoryListApi.as_view(), name="kb-category-list"),
]
