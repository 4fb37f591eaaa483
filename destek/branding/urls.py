from django.urls import path

from destek.branding import views

app_name = "branding"
urlpatterns = [
    path("theme.css", views.stylesheet, name="stylesheet"),
    path("logo", views.logo, name="logo"),
    path("favicon", views.favicon, name="favicon"),
]
