from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/<slug:slug>/", views.organisation, name="organisation"),
    path("notifications/", views.notifications, name="notifications"),
    path("profil/jetons/", views.tokens, name="tokens"),
]
