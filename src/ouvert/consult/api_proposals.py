"""``/api/v1/consult/…``: the proposals part."""

from ninja import Router

router = Router(tags=["consult"])
