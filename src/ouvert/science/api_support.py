"""API of the support part."""

from ninja import Router

router = Router(tags=["science"])
