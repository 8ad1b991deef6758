"""Start the Python port of configurable-http-proxy with room for a whole class.

The port (PyPI ``configurable-http-proxy`` 0.4) forwards plain HTTP with Tornado's
``AsyncHTTPClient``, whose defaults are 10 requests in flight at once and a 20 s request
timeout. It also buffers each response whole before sending it on, so a streamed response
(JupyterHub's spawn-progress events, Voila's page as it executes) arrives only when it ends.
With 30 learners starting at once, the 10-request ceiling queues everybody behind the
progress streams, and a 20 s cap cuts those streams (the spawn page then never moves on).
This shim raises the ceiling before the proxy starts; ``jupyterhub_config.py`` passes a
long ``--proxy-timeout``. WebSockets (the kernels) are proxied as streams and unaffected.
"""

from __future__ import annotations

import os
import sys

from configurable_http_proxy.cli import main
from tornado.httpclient import AsyncHTTPClient

if __name__ == "__main__":
    AsyncHTTPClient.configure(
        None, max_clients=int(os.environ.get("MARGIN_CLASSROOM_PROXY_MAX_CLIENTS", "512")))
    sys.exit(main())
