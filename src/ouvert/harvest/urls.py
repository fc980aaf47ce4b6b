from django.urls import path

from . import views

app_name = "harvest"

urlpatterns = [
    path("", views.source_list, name="sources"),
    path("nouvelle/", views.source_new, name="source_new"),
    path("sources/<str:name>/", views.source, name="source"),
    path("sources/<str:name>/modifier/", views.source_edit, name="source_edit"),
    path("sources/<str:name>/lancer/", views.source_run, name="source_run"),
    path("sources/<str:name>/moissons/<int:job_id>/", views.job, name="job"),
]
