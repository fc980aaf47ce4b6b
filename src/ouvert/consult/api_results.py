"""``/api/v1/consult/…``: the results part."""

from ninja import Router

router = Router(tags=["consult"])
