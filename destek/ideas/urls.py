from django.urls import path

from destek.ideas import views

app_name = "ideas"

urlpatterns = [
    path("", views.board, name="board"),
    path("embed/", views.embed, name="embed"),
    path("new/", views.new, name="new"),
    path("similar/", views.similar, name="similar"),
    path("<int:idea_id>/", views.detail, name="detail"),
    path("<int:idea_id>/vote/", views.vote, name="vote"),
    path("<int:idea_id>/comment/", views.comment, name="comment"),
    path("<int:idea_id>/status/", views.set_status, name="status"),
    path("<int:idea_id>/moderate/", views.moderate, name="moderate"),
]
