"""API of the registry part."""

from ninja import Router

router = Router(tags=["science"])
