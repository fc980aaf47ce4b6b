"""``/api/v1/learn/…`` of the ecosystems part."""

from ninja import Router

router = Router(tags=["learn"])
