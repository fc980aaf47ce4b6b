"""``/api/v1/software/…``: each part has its own router (``api_<part>.py``)."""

from ninja import Router

from .api_accompaniment import router as accompaniment
from .api_catalogue import router as catalogue
from .api_grids import router as grids
from .api_guides import router as guides
from .api_inventory import router as inventory
from .api_publiccode import router as publiccode
from .api_usage import router as usage

router = Router()
for part in (catalogue, publiccode, usage, inventory, guides, grids, accompaniment):
    router.add_router("", part)
