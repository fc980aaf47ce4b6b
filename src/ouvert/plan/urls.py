from django.urls import path, re_path

from . import views
from .feeds import ProgressUpdateFeed

app_name = "plan"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("comite/", views.committee, name="committee"),
    path("repondants/", views.respondents, name="respondents"),
    path("fil.atom", ProgressUpdateFeed(), name="feed"),
    path("<slug:plan_slug>/engagements/<int:number>/", views.commitment, name="commitment"),
    path("<slug:plan_slug>/jalons/<str:number>/", views.milestone, name="milestone"),
    re_path(r"^(?P<plan_slug>[-\w]+)/export\.(?P<fmt>csv|json)$", views.export, name="export"),
]
