"""``/api/v1/geo/…``: each part has its own router (``api_<part>.py``)."""

from ninja import Router

from .api_layers import router as layers
from .api_maps import router as maps
from .api_spatial import router as spatial

router = Router()
router.add_router("", layers)
router.add_router("", maps)
router.add_router("", spatial)
