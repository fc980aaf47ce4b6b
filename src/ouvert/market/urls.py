"""Addresses of the market pages (``/<lang>/marches/…``, included by ``ouvert.urls``); each part lists its
own in ``urls_<part>.py``."""

from . import urls_delivery, urls_evaluation, urls_opendata, urls_opportunities, urls_proposals

app_name = "market"

PARTS = (urls_opportunities, urls_proposals, urls_evaluation, urls_delivery, urls_opendata)

urlpatterns = [pattern for part in PARTS for pattern in part.urlpatterns]
