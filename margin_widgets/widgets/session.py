"""Nothing a visitor did is lost: the scenario in the page's URL, and a word when the kernel goes.

A served app (Voila) lives in a kernel. When that kernel goes (killed, culled, the server
restarted), the page used to freeze with broken-link icons, and a reload showed the default
scenario: every edit and the drawn path were gone. :class:`SessionKeeper` is a tiny
front-end widget (an `anywidget <https://anywidget.dev>`_: its JavaScript is the ``_ESM``
string below, no build step) that does two things in the visitor's page:

1. **The scenario in the URL.** After every successful scenario change the kernel sets
   :attr:`SessionChannel.query` to ``scenario.to_query()`` (the encoding of the *Share link*,
   read back by :func:`~margin_widgets.widgets.sharing.query_scenario` when an app starts),
   and the page writes it into its address with ``history.replaceState`` (no navigation, no
   history entry). A reload, or the Reload button below, therefore reopens the app on the
   scenario on screen. A scenario whose query would be longer than :data:`MAX_URL_QUERY`
   characters is not put in the URL (a server refuses such a request line); the banner then
   says so and points to *Download scenario*.
2. **A heartbeat.** Every :attr:`SessionKeeper.ping_ms` the page sends ``{"ping": n}``;
   the kernel answers ``{"pong": n}`` (both on the :class:`SessionChannel`). When a ping has
   gone unanswered for :attr:`SessionKeeper.lost_after_ms`, a banner (``role=alert``) says
   the app lost its connection and offers a Reload button. A late answer (a kernel that was
   only busy) hides it again. Only the oldest unanswered ping counts, so a background tab
   whose timers the browser slows down does not raise a false alarm.

Two widgets, one job: :class:`SessionKeeper` (an anywidget) carries the JavaScript; its
:class:`SessionChannel` (a plain ipywidgets model, nothing to load) carries the messages from
the kernel: the query and the pongs. anywidget 0.11 drops every message *to* a model whose
JavaScript took more than 2 s to load (its runtime's ``ready`` promise is rejected after a
2-second timeout and each incoming message awaits it); on a busy server that happens, and the
page would never see a pong. A plain ipywidgets model has no such gate.

Why a widget and not a custom Voila template: the kernel must tell the page when the scenario
changed, and a widget's synced trait is the channel that already exists for that; the
heartbeat then proves the whole path (page -> server -> kernel -> the app's own comm) is
alive, which neither the websocket's state nor the kernel's status alone can tell (a kernel
restarted by the server answers, but no longer knows the app). anywidget works unchanged in
Voila, JupyterLab and Notebook 7.

The keeper is added only to apps served by Voila (:func:`in_voila`); a dashboard used in
JupyterLab or a notebook never gets one, so the notebook's URL is never touched.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import anywidget
import ipywidgets as W
import traitlets

from ..core.errors import MarginInputError

__all__ = ["SessionKeeper", "SessionChannel", "MAX_URL_QUERY", "in_voila", "keep_session"]

log = logging.getLogger(__name__)

MAX_URL_QUERY = 8_000
"""Longest query (characters) put in the page's URL: 8 KB request lines pass common servers
and proxies (tornado's own limit is 64 KB for the whole header)."""

_ESM = r"""
const BANNER_ID = "mw-session-banner";

function inVoila() {
  // Voila's page config says appUrl "voila/"; JupyterLab's says "/lab".
  try {
    const el = document.getElementById("jupyter-config-data");
    const cfg = el ? JSON.parse(el.textContent || "{}") : {};
    return /(^|\/)voila\/?$/.test(String(cfg.appUrl || ""));
  } catch (e) {
    return false;
  }
}

function banner() {
  let el = document.getElementById(BANNER_ID);
  if (el) return el;
  el = document.createElement("div");
  el.id = BANNER_ID;
  el.className = "mw-session-banner";
  el.setAttribute("role", "alert");
  el.hidden = true;
  const text = document.createElement("span");
  text.className = "mw-session-text";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "mw-session-reload";
  button.textContent = "Reload";
  button.title = "Reload the app (a new session starts on the scenario in the address bar)";
  button.addEventListener("click", () => window.location.reload());
  el.append(text, " ", button);
  document.body.prepend(el);
  return el;
}

function showLost(channel) {
  const el = banner();
  const kept = channel.get("url_state");
  let text = "This app lost its connection to the server (its session ended or the server " +
    "restarted), so the page no longer responds.";
  if (kept === "kept") {
    text += " Your scenario is kept in the address: Reload to continue where you were.";
  } else if (kept === "too_long") {
    text += " Your latest scenario was too large to keep in the address: Reload starts " +
      "again from the default (next time, use Download scenario to keep it).";
  } else {
    text += " Reload to start a new session.";
  }
  el.querySelector(".mw-session-text").textContent = text;
  el.hidden = false;
  document.body.classList.add("mw-session-lost");
}

function hideLost() {
  const el = document.getElementById(BANNER_ID);
  if (el) el.hidden = true;
  document.body.classList.remove("mw-session-lost");
}

function writeUrl(channel) {
  if (!inVoila()) return;
  const state = channel.get("url_state");
  if (state === "unchanged") return;
  const url = new URL(window.location.href);
  url.searchParams.delete("scenario");
  const params = new URLSearchParams(state === "kept" ? channel.get("query") : "");
  for (const [key, value] of params) url.searchParams.set(key, value);
  if (url.href !== window.location.href) {
    window.history.replaceState(window.history.state, "", url.href);
  }
}

function initialize({ model }) {
  if (!model.get("active")) return;
  let stopped = false;
  let timer = null;
  let onVisible = null;
  // the channel (a plain ipywidgets model) carries what the kernel says
  model.widget_manager.get_model(model.get("channel_id")).then((channel) => {
    if (stopped) return;
    writeUrl(channel);
    channel.on("change:query change:url_state", () => writeUrl(channel));

    let n = 0;
    let waitingSince = null; // when the oldest unanswered ping was sent
    channel.on("msg:custom", (msg) => {
      if (msg && msg.pong !== undefined) {
        waitingSince = null;
        hideLost();
      }
    });
    const tick = () => {
      const now = Date.now();
      if (waitingSince !== null) {
        if (now - waitingSince > model.get("lost_after_ms")) showLost(channel);
        return;
      }
      waitingSince = now;
      try {
        channel.send({ ping: ++n });
      } catch (e) {
        showLost(channel);
      }
    };
    timer = setInterval(tick, model.get("ping_ms"));
    onVisible = () => { if (document.visibilityState === "visible") tick(); };
    document.addEventListener("visibilitychange", onVisible);
  }).catch((e) => console.error("margin_widgets session: no channel", e));
  return () => {
    stopped = true;
    if (timer !== null) clearInterval(timer);
    if (onVisible !== null) document.removeEventListener("visibilitychange", onVisible);
  };
}

function render({ model, el }) {
  el.classList.add("mw-session");
}

export default { initialize, render };
"""

_CSS = """
.mw-session { display: none; }
.mw-session-banner {
  position: fixed; top: 0; left: 0; right: 0; z-index: 10000;
  padding: 10px 16px; background: #FFF4E5; color: #5F3B00;
  border-bottom: 2px solid #E08A00; font-size: 15px; line-height: 1.4;
  box-shadow: 0 2px 6px rgba(0, 0, 0, 0.15);
}
.mw-session-banner[hidden] { display: none; }
body.mw-session-lost #rendered_cells { opacity: 0.55; filter: grayscale(0.6); }
.mw-session-banner .mw-session-reload {
  margin-left: 8px; padding: 3px 14px; font-size: 15px; font-weight: 600;
  background: #0072B2; color: #FFF; border: none; border-radius: 3px; cursor: pointer;
}
"""


def in_voila() -> bool:
    """True inside a kernel started by Voila (it sets ``VOILA_BASE_URL`` for its kernels)."""
    return "VOILA_BASE_URL" in os.environ


class SessionChannel(W.Widget):
    """The kernel side of a :class:`SessionKeeper`: what the page must know, and the pongs.

    A plain ``WidgetModel`` of ``@jupyter-widgets/base`` (no view, nothing to load), so its
    messages reach the page however long the keeper's JavaScript took to load.

    Attributes
    ----------
    query : str
        The query string (``scenario=...``) the page puts in its URL.
    url_state : str
        ``"unchanged"`` (leave the URL as the visitor opened it), ``"kept"`` (the URL holds
        :attr:`query`) or ``"too_long"`` (the scenario on screen is too large for a URL: the
        URL holds none).
    pings : int
        Pings answered so far.
    """

    query = traitlets.Unicode("").tag(sync=True)
    url_state = traitlets.Unicode("unchanged").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pings = 0
        self.on_msg(self._on_msg)

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and "ping" in content:
            self.pings += 1
            self.send({"pong": content["ping"]})


class SessionKeeper(anywidget.AnyWidget):
    """Scenario-in-the-URL and lost-connection banner for one served app (see module doc).

    Attributes
    ----------
    channel : SessionChannel
        Carries the query and the heartbeat's answers to the page.
    active : bool
        False makes the page side do nothing (no URL changes, no heartbeat).
    ping_ms, lost_after_ms : int
        Heartbeat period, and how long a ping may go unanswered before the banner shows.
    """

    _esm = _ESM
    _css = _CSS
    channel_id = traitlets.Unicode("").tag(sync=True)
    active = traitlets.Bool(True).tag(sync=True)
    ping_ms = traitlets.Int(4_000).tag(sync=True)
    lost_after_ms = traitlets.Int(12_000).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        self.channel = SessionChannel()
        super().__init__(channel_id=self.channel.model_id, **kwargs)

    @property
    def query(self) -> str:
        """The query string the page puts in its URL (see :class:`SessionChannel`)."""
        return str(self.channel.query)

    @property
    def url_state(self) -> str:
        """``"unchanged"``, ``"kept"`` or ``"too_long"`` (see :class:`SessionChannel`)."""
        return str(self.channel.url_state)

    def remember(self, scenario: Any) -> None:
        """Put ``scenario`` in the page's URL (or note that it is too large for one)."""
        query = _query_of(scenario)
        if query is not None:
            self._keep(query)

    def _keep(self, query: str) -> None:
        if len(query) > MAX_URL_QUERY:
            self.channel.url_state = "too_long"
            return
        with self.channel.hold_sync():
            self.channel.query = query
            self.channel.url_state = "kept"

    def follow(self, dashboard: Any) -> None:
        """Remember the dashboard's scenario after each committed change.

        A dashboard's state is its ``scenario`` and ``result`` traits (a Monte Carlo run
        commits its ``result`` later, in a thread) and the traits tagged ``shared=True`` (the
        Monte Carlo run settings): all are observed, and the URL changes only when the
        shareable query does. A dashboard with a ``share_query()`` (settings beyond the
        scenario, such as the Monte Carlo path count) is kept with it.
        """
        last = [_query_of(dashboard)]
        shared = sorted(dashboard.trait_names(shared=True)) \
            if hasattr(dashboard, "trait_names") else []

        def changed(_change: Any) -> None:
            query = _query_of(dashboard)
            if query is not None and query != last[0]:
                last[0] = query
                self._keep(query)

        dashboard.observe(changed, names=["scenario", "result", *shared])


def _query_of(dashboard: Any) -> str | None:
    """The share query of a dashboard or a scenario; ``None`` (logged) if it fails."""
    try:
        share = getattr(dashboard, "share_query", None)
        if share is not None:
            return str(share())
        scenario = dashboard if hasattr(dashboard, "to_query") else dashboard.scenario
        return str(scenario.to_query())
    except MarginInputError:  # a hand-built venue does not travel in a URL: keep none
        return None
    except Exception:  # never let URL keeping break an app
        log.exception("margin_widgets: could not encode the scenario for the URL")
        return None


def keep_session(dashboard: Any | None, *, follow_scenario: bool) -> SessionKeeper | None:
    """A :class:`SessionKeeper` for an app served by Voila (``None`` anywhere else)."""
    if not in_voila():
        return None
    keeper = SessionKeeper()
    if follow_scenario and dashboard is not None:
        keeper.follow(dashboard)
    return keeper
