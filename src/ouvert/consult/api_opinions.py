"""``/api/v1/consult/…``: the opinions part."""

from ninja import Router

router = Router(tags=["consult"])
