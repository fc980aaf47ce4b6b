"""``/api/v1/consult/…``: the comments part."""

from ninja import Router

router = Router(tags=["consult"])
