"""``/api/v1/quality/…``: each part has its own router (``api_<part>.py``)."""

from ninja import Router

from .api_links import router as links
from .api_reference import router as reference
from .api_scores import router as scores

router = Router()
router.add_router("", scores)
router.add_router("", links)
router.add_router("", reference)
