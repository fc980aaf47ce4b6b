"""``/api/v1/learn/…``: each part has its own router (``api_<part>.py``)."""

from ninja import Router

from .api_ecosystems import router as ecosystems
from .api_teaching import router as teaching

router = Router()
router.add_router("", teaching)
router.add_router("", ecosystems)
