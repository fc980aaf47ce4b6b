"""``/api/v1/learn/…``: each part has its own router (``api_<part>.py``)."""

from ninja import Router

router = Router()
