from django.urls import path

from . import layers_views

urlpatterns: list = [
    path("jeux/<str:name>/ressources/<uuid:resource_id>/geo/<str:fmt>/", layers_views.download, name="download"),
]
