"""``/api/v1/consult/…``: the surveys part."""

from ninja import Router

router = Router(tags=["consult"])
