"""``/api/v1/consult/…``: the processes part."""

from ninja import Router

router = Router(tags=["consult"])
