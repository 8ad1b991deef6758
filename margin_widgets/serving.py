"""What the Voila *server* needs from the kit (loaded by voila through ``voila.json``).

Nothing here runs in a kernel, and nothing in the kit imports this module: voila imports it
by the class name given in ``voila.json`` (``Voila.identity_provider_class``).

Why it exists: when a visitor closes a tab, voila's page sends
``POST voila/api/shutdown/<kernel id>`` (``navigator.sendBeacon`` on ``beforeunload``) with
an ``_xsrf`` form field copied from the page's ``_xsrf`` cookie. Tornado refuses the POST
unless that field matches the cookie (XSRF protection, a double-submit check). But voila
0.5 renders its pages with its own template engine (and, with preheated kernels, before any
request has arrived), so no handler ever asks for ``xsrf_token`` and the cookie is never
set: the field is empty and every shutdown is refused with ``403 '_xsrf' argument missing
from POST``. The visitor's kernel then lives on until culled.

:class:`PageXsrfIdentityProvider` sets the ``_xsrf`` cookie on the response that serves an
app page, which is all voila's front end needs. The shutdown stays XSRF-protected exactly as
voila meant it: a POST from another site has neither the cookie's value nor our origin.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from jupyter_server.auth.identity import PasswordIdentityProvider, User
from tornado import web

__all__ = ["PageXsrfIdentityProvider", "is_app_page"]


def is_app_page(handler: web.RequestHandler) -> bool:
    """True for a GET that renders a voila app page (the page that will send the beacon)."""
    if handler.request.method != "GET":
        return False
    try:
        from voila.handler import VoilaHandler
    except ImportError:  # pragma: no cover - only outside a voila server
        return False
    return isinstance(handler, VoilaHandler)


class PageXsrfIdentityProvider(PasswordIdentityProvider):
    """Jupyter's default identity provider, plus the ``_xsrf`` cookie on every app page.

    Asking a Tornado handler for ``xsrf_token`` sets the ``_xsrf`` cookie when the browser
    does not already have one (and keeps an existing one), so the page's shutdown beacon
    carries a token that Tornado's check accepts.
    """

    async def get_user(self, handler: web.RequestHandler) -> User | None:
        """The user, as the parent class finds it; an app page also gets its XSRF cookie."""
        found: Any = super().get_user(handler)
        if isinstance(found, Awaitable):
            found = await found
        user: User | None = found
        if user is not None and is_app_page(handler):
            # Tornado's xsrf_token reads current_user, which jupyter_server sets only after
            # this method returns (to this same user): set it first, or Tornado would call the
            # deprecated get_current_user() and fail the request.
            handler.current_user = user
            handler.xsrf_token  # noqa: B018 - the property sets the cookie
        return user
