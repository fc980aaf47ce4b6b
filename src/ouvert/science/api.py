"""``/api/v1/science/…``: each part has its own router (``api_<part>.py``)."""

from ninja import Router

from .api_oai import router as oai
from .api_policy import router as policy
from .api_registry import router as registry
from .api_support import router as support

router = Router()
for part in (policy, registry, oai, support):
    router.add_router("", part)
