"""What the Voila *server* needs from the kit: the page XSRF cookie and a clean stop.

Nothing here runs in a kernel, and nothing in the kit imports this module: voila imports it
by the class name given in ``voila.json`` (``Voila.identity_provider_class``), and
``margin-widgets serve`` runs it as the server (``python -m margin_widgets.serving``, which
is voila with :class:`MarginVoila` as the application).

**A clean stop** (:class:`MarginVoila`). Voila 0.5 left three things to a stop:

- SIGINT became a ``KeyboardInterrupt`` raised wherever the event loop happened to be (and a
  server started from a script in the background inherits SIGINT *ignored*, so Ctrl+C did
  nothing); only SIGTERM had a handler. Here both signals stop the event loop the same way,
  once; a second one ends the process at once (the kernels notice their parent is gone).
- At shutdown voila asks each kernel to shut down, and jupyter_client first *interrupts* it
  (SIGINT). A kernel still importing (the preheated pool refills as soon as a page takes a
  kernel) has no SIGINT handler yet and dies printing a ``KeyboardInterrupt`` traceback; a
  kernel running a cell (a preheated notebook, a visitor's first render) shuts down before
  the cell's reply is sent and prints a ``ZMQError`` traceback. At a server stop the kit's
  kernels hold nothing to save (every app state lives in its page's URL), so
  :meth:`MarginVoila.stop` ends them at once (``shutdown_all(now=True)``: SIGKILL to each
  kernel's process group, which prints nothing), and :class:`QuietStopKernelManager` drops
  the pointless interrupt before it. A closed tab, culling and restarts are unchanged.
- A render that loses its kernel mid-cell makes voila log the ``DeadKernelError`` with its
  traceback. :class:`StopNoiseFilter` turns that record into one plain line while stopping.

**The XSRF cookie** (:class:`PageXsrfIdentityProvider`). When a visitor closes a tab,
voila's page sends ``POST voila/api/shutdown/<kernel id>`` (``navigator.sendBeacon`` on
``beforeunload``) with an ``_xsrf`` form field copied from the page's ``_xsrf`` cookie.
Tornado refuses the POST unless that field matches the cookie (XSRF protection, a
double-submit check). But voila 0.5 renders its pages with its own template engine (and,
with preheated kernels, before any request has arrived), so no handler ever asks for
``xsrf_token`` and the cookie is never set: the field is empty and every shutdown is refused
with ``403 '_xsrf' argument missing from POST``. The visitor's kernel then lives on until
culled.

:class:`PageXsrfIdentityProvider` sets the ``_xsrf`` cookie on the response that serves an
app page, which is all voila's front end needs. The shutdown stays XSRF-protected exactly as
voila meant it: a POST from another site has neither the cookie's value nor our origin.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import threading
from collections.abc import Awaitable
from types import FrameType
from typing import Any

from jupyter_core.utils import run_sync
from jupyter_server.auth.identity import PasswordIdentityProvider, User
from jupyter_server.services.kernels.kernelmanager import ServerKernelManager
from tornado import web
from voila.app import Voila

__all__ = [
    "MarginVoila",
    "PageXsrfIdentityProvider",
    "QuietStopKernelManager",
    "StopNoiseFilter",
    "is_app_page",
    "main",
]

# set once the server has been asked to stop (by a signal or by Voila.stop)
STOPPING = threading.Event()
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


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


class QuietStopKernelManager(ServerKernelManager):
    """jupyter_server's kernel manager, minus the interrupt before a kill at server stop.

    ``shutdown_kernel`` interrupts a kernel (SIGINT) before it asks it to stop or kills it.
    Once the server stops (:data:`STOPPING`), the kernel is about to be killed anyway, and a
    kernel still importing would die of the SIGINT printing a traceback. Every other
    interrupt (a closed tab, culling, a restart) is unchanged.
    """

    async def _async_interrupt_kernel(self) -> None:
        if STOPPING.is_set() and self.shutting_down:
            return
        await super()._async_interrupt_kernel()


class StopNoiseFilter(logging.Filter):
    """While the server stops, a render that lost its kernel is one line, not a traceback."""

    MESSAGE = "a page was still being rendered when the server stopped; its kernel is shut down"

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite a lost render's record in place; every record is kept."""
        if STOPPING.is_set() and record.exc_info and _lost_render(record.exc_info[1]):
            record.msg, record.args = self.MESSAGE, ()
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def _lost_render(exc: BaseException | None) -> bool:
    """True for what a render meets when its kernel is stopped under it."""
    try:
        from nbclient.exceptions import CellExecutionError, DeadKernelError
    except ImportError:  # pragma: no cover - nbclient comes with voila
        return False
    return isinstance(exc, DeadKernelError | CellExecutionError | RuntimeError)


class MarginVoila(Voila):
    """Voila that stops cleanly on one SIGINT or SIGTERM (see the module docstring)."""

    def initialize(self, argv: Any = None) -> None:
        """Voila's set-up, plus the kernel manager class, signal handlers and log filter."""
        super().initialize(argv)
        # the per-kernel manager class, unless the configuration names one
        mapping = self.config.MappingKernelManager
        if "kernel_manager_class" not in mapping:
            mapping.kernel_manager_class = (
                f"{QuietStopKernelManager.__module__}.{QuietStopKernelManager.__qualname__}")
        for sig in STOP_SIGNALS:  # also replaces a SIGINT inherited as ignored
            signal.signal(sig, self._stop_on_signal)
        noise = StopNoiseFilter()
        for logger in (self.log, logging.getLogger()):
            for handler in getattr(logger, "handlers", ()):
                handler.addFilter(noise)

    def _stop_on_signal(self, signum: int, frame: FrameType | None) -> None:
        for sig in STOP_SIGNALS:  # a second Ctrl+C ends the process at once
            signal.signal(sig, signal.SIG_DFL)
        STOPPING.set()
        self.log.info("%s: stopping (shutting the kernels down; again to stop at once)",
                      signal.Signals(signum).name)
        ioloop = getattr(self, "ioloop", None)  # set by Voila.listen()
        if ioloop is None:  # not serving yet: nothing to shut down but the process
            raise SystemExit(0)
        # thread-safe and signal-safe: it only writes to the loop's self-pipe
        ioloop.asyncio_loop.call_soon_threadsafe(ioloop.stop)

    def stop(self) -> None:
        """End every kernel at once (see the module docstring), then the server."""
        STOPPING.set()
        shutil.rmtree(self.connection_dir, ignore_errors=True)
        run_sync(self.kernel_manager.shutdown_all)(now=True)
        self.log.info("stopped")


def main() -> None:
    """Run the Voila server with :class:`MarginVoila` (``python -m margin_widgets.serving``)."""
    from margin_widgets import resources

    # the kit's template (voila.json) from a bare checkout too, not only an installed kit
    resources.make_template_findable(os.environ)
    MarginVoila.launch_instance()


if __name__ == "__main__":
    main()
