"""``/api/v1/market/…``: each part has its own router (``api_<part>.py``)."""

from ninja import Router

from .api_delivery import router as delivery
from .api_evaluation import router as evaluation
from .api_opendata import router as opendata
from .api_opportunities import router as opportunities
from .api_proposals import router as proposals

router = Router()
for part in (opportunities, proposals, evaluation, delivery, opendata):
    router.add_router("", part)
