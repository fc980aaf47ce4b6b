from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("jeux/<str:name>/ressources/<uuid:resource_id>/telecharger/", views.resource_download,
         name="resource_download"),
    path("jeux/<str:name>/ressources/<uuid:resource_id>/versions/<int:number>/", views.resource_download,
         name="resource_version_download"),
]
