"""``/api/v1/consult/…``: each part has its own router (``api_<part>.py``)."""

from ninja import Router

from .api_comments import router as comments
from .api_debates import router as debates
from .api_opinions import router as opinions
from .api_outreach import router as outreach
from .api_processes import router as processes
from .api_proposals import router as proposals
from .api_results import router as results
from .api_surveys import router as surveys

router = Router()
for part in (processes, outreach, proposals, surveys, debates, opinions, comments, results):
    router.add_router("", part)
