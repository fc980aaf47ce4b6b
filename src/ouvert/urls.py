from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from ouvert.api import api, nested_urls
from ouvert.core import views as core_views

urlpatterns = [
    path("", core_views.root_redirect, name="root"),
    path("api/v1/", (nested_urls(api.urls[0]), *api.urls[1:])),
    path("", include("ouvert.catalog.ckan_urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", core_views.healthz, name="healthz"),
    path("", include("ouvert.catalog.dcat_urls")),
    path("tiles/", include("ouvert.geo.tile_urls")),
    path("oai", include("ouvert.science.oai_urls")),
]

urlpatterns += i18n_patterns(
    path("", include("ouvert.core.urls")),
    path("plan/", include("ouvert.plan.urls")),
    path("catalogue/moissonnage/", include("ouvert.harvest.urls")),
    path("catalogue/jeux/<str:name>/", include("ouvert.datastore.urls")),
    path("catalogue/", include("ouvert.quality.urls")),
    path("catalogue/", include("ouvert.geo.urls")),
    path("catalogue/", include("ouvert.catalog.urls")),
    path("apprendre/", include("ouvert.learn.urls")),
    path("priorites/", include("ouvert.priorities.urls")),
    path("consultations/", include("ouvert.consult.urls")),
    path("marches/", include("ouvert.market.urls")),
    path("science-ouverte/", include("ouvert.science.urls")),
    path("logiciel-libre/", include("ouvert.software.urls")),
    path("compte/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
