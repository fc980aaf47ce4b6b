"""Helpers the browser tests share."""

from django.test import Client


def login(page, live_server, user, *, fresh: bool = False) -> None:
    """Sign ``user`` in to the live server in ``page``'s browser context (a session cookie made by Django's
    test client); ``fresh``: drop the context's other cookies first."""
    if fresh:
        page.context.clear_cookies()
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])
