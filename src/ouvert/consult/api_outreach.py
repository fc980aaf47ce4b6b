"""``/api/v1/consult/…``: the outreach part."""

from ninja import Router

router = Router(tags=["consult"])
