"""``/api/v1/learn/…`` of the teaching part."""

from ninja import Router

router = Router(tags=["learn"])
