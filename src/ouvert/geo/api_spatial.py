"""``/api/v1/geo/…`` of the spatial search: the footprints the search page's map draws."""

from django.http import HttpRequest
from ninja import Router

from ouvert.api import reader

from . import services

router = Router(tags=["geo"])


@router.get("/footprints", summary="Emprises de jeux de données (GeoJSON)",
            description="Les couvertures géographiques des jeux de données `ids` (identifiants séparés par des "
                        "virgules, 100 au plus) que la personne peut voir : une `FeatureCollection` GeoJSON en "
                        "WGS84, une entité par jeu de données qui a une couverture (son rectangle déclaré, sinon "
                        "l'emprise simplifiée calculée de ses ressources géographiques), dans l'ordre demandé. "
                        "Propriétés : `name`, `title`, `source` (`declared` ou `computed`) ; `bbox` de l'entité.")
def footprints(request: HttpRequest, ids: str = ""):
    return services.footprints_get(user=reader(request), ids=ids)
