"""API of the oai part."""

from ninja import Router

router = Router(tags=["science"])
