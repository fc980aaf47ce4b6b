from django.urls import path

from . import reuses_views, views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("recherche/", views.search, name="search"),
    path("publier/", views.dataset_new, name="dataset_new"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/<slug:slug>/", views.organisation, name="organisation"),
    path("themes/", views.theme_list, name="themes"),
    path("themes/<str:name>/", views.theme, name="theme"),
    path("jeux/<str:name>/", views.dataset, name="dataset"),
    path("jeux/<str:name>/historique/", views.dataset_history, name="dataset_history"),
    path("jeux/<str:name>/modifier/", views.dataset_edit, name="dataset_edit"),
    path("jeux/<str:name>/supprimer/", views.dataset_delete, name="dataset_delete"),
    path("jeux/<str:name>/restaurer/", views.dataset_restore, name="dataset_restore"),
    path("jeux/<str:name>/ressources/nouvelle/", views.resource_new, name="resource_new"),
    path("jeux/<str:name>/ressources/<uuid:resource_id>/modifier/", views.resource_edit, name="resource_edit"),
    path("jeux/<str:name>/ressources/<uuid:resource_id>/retirer/", views.resource_delete, name="resource_delete"),
    path("jeux/<str:name>/ressources/<uuid:resource_id>/telecharger/", views.resource_download,
         name="resource_download"),
    # The same, ending with the file's name (as CKAN's /download/<filename>), so that clients
    # that name a downloaded file after the address's last segment (ckanapi) get a real name.
    path("jeux/<str:name>/ressources/<uuid:resource_id>/telecharger/<str:filename>", views.resource_download,
         name="resource_file"),
    path("jeux/<str:name>/ressources/<uuid:resource_id>/versions/<int:number>/", views.resource_download,
         name="resource_version_download"),
    # Permanent addresses of a resource (its UUID), whatever its dataset's name; a dataset's is
    # ``jeux/<uuid>/`` (``dataset`` above).
    path("ressources/<uuid:resource_id>/", views.resource_permalink, name="resource_permalink"),
    path("ressources/<uuid:resource_id>/telecharger/", views.resource_permalink, {"download": True},
         name="resource_permalink_download"),
    # Reuses (réutilisations): the gallery, proposing, moderating, one page per reuse.
    path("reutilisations/", reuses_views.gallery, name="reuses"),
    path("reutilisations/proposer/", reuses_views.submit, name="reuse_new"),
    path("reutilisations/mes-propositions/", reuses_views.mine, name="reuse_mine"),
    path("reutilisations/moderation/", reuses_views.moderation, name="reuse_moderation"),
    path("reutilisations/jeux-suggeres/", reuses_views.dataset_search, name="reuse_dataset_search"),
    path("reutilisations/<slug:name>/", reuses_views.detail, name="reuse"),
    path("reutilisations/<slug:name>/modifier/", reuses_views.edit, name="reuse_edit"),
    path("reutilisations/<slug:name>/moderer/", reuses_views.moderate, name="reuse_moderate"),
]
