"""``/api/v1/consult/…``: the debates part."""

from ninja import Router

router = Router(tags=["consult"])
