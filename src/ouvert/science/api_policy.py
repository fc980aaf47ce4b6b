"""API of the policy part."""

from ninja import Router

router = Router(tags=["science"])
