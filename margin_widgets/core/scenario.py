"""Scenarios: an account, a venue and price paths, as data that travels.

A :class:`Scenario` is everything needed to replay a lesson: venue preset, wallet, positions,
one path *recipe* per symbol (a generator and its parameters and seed, or drawn control points),
funding, fees and scheduled transfers. It is immutable and validated; it serialises to JSON
with a schema name and version, and to a URL query string, so that a scenario can be saved,
uploaded and shared. Anything malformed or hostile raises :class:`MarginInputError` and builds
nothing.

Limits (each checked before anything is built or run):

- ``steps`` at most :data:`MAX_STEPS` (1,000,000), at most :data:`MAX_POSITIONS` (20)
  positions;
- the work of one run, positions × steps × paths, at most :data:`MAX_WORK` (5,000,000: five
  positions over a million steps, one path) — :func:`check_work`; a Monte Carlo run of many
  paths is held to :data:`MAX_MONTE_CARLO_WORK` (20,000,000, e.g. 1 position × 2,000 steps
  × 10,000 paths);
- a scenario file at most :data:`MAX_JSON_BYTES` (2 MB) and nested at most
  :data:`MAX_JSON_DEPTH` (20) levels deep (a real scenario is 5 deep); a shared link's
  scenario at most :data:`MAX_QUERY_CHARS` characters.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs

import numpy as np

from .account import Account
from .errors import MarginInputError, finite_number, shown, whole_number
from .position import Position
from .simulation import SimulationResult, TransferEvent, compare_modes, simulate
from .venue import Venue, venues

__all__ = ["PathSpec", "Scenario", "PRESETS", "SCHEMA", "SCHEMA_VERSION", "GENERATORS",
           "MAX_STEPS", "MAX_POSITIONS", "MAX_WORK", "MAX_MONTE_CARLO_WORK", "MAX_JSON_BYTES",
           "MAX_JSON_DEPTH", "MAX_QUERY_CHARS", "check_work"]

SCHEMA = "margin_widgets/scenario"
SCHEMA_VERSION = 1
MAX_STEPS = 1_000_000
MAX_POSITIONS = 20
MAX_JSON_BYTES = 2_000_000
MAX_WORK = 5_000_000
"""Most positions × steps × paths of one run (20 × 1,000,000 steps took a kernel to 4.4 GB)."""
MAX_MONTE_CARLO_WORK = 20_000_000
"""Most positions × steps × paths of one Monte Carlo run (its paths alone: 8 bytes each)."""
MAX_JSON_DEPTH = 20
"""Deepest nesting of a scenario file's arrays and objects (a real scenario is 5 deep)."""
MAX_QUERY_CHARS = 200_000
"""Longest ``scenario=`` token read from a link (links the kit makes are far shorter)."""


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def check_work(positions: int, steps: int, paths: int = 1, *,
               limit: int = MAX_WORK) -> int:
    """Refuse a run whose positions × steps × paths is above ``limit``; return the product.

    Memory and time of a run grow with that product (every series is one number per
    position, step and path), so each factor being within its own bound is not enough.

    >>> check_work(5, 1_000_000)
    5000000
    >>> check_work(20, 1_000_000)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    margin_widgets.core.errors.MarginInputError: 20 positions × 1,000,000 steps is too much ...
    """
    n_pos, n_steps, n_paths = (max(1, int(positions)), max(1, int(steps)),
                               max(1, int(paths)))
    work = n_pos * n_steps * n_paths
    if work > limit:
        what = f"{n_pos:,} position{'s' if n_pos != 1 else ''} × {n_steps:,} steps"
        if n_paths > 1:
            what += f" × {n_paths:,} paths"
        fewer = "steps, positions or paths" if n_paths > 1 else "steps or positions"
        raise MarginInputError(
            f"{what} is too much work for one run: positions × steps × paths must be at most "
            f"{limit:,}; use fewer {fewer}")
    return work


def _json_depth_ok(text: str) -> None:
    """Refuse JSON text nested deeper than :data:`MAX_JSON_DEPTH`, before parsing it.

    Python's parser recurses once per level and fails with ``RecursionError`` near 1,000
    levels. Strings are blanked out first (brackets inside them do not nest), then the
    running depth is a cumulative sum: linear time, no recursion.
    """
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return
    bare = _JSON_STRING.sub('""', text)
    codes = np.frombuffer(bare.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    step = np.zeros(codes.size, dtype=np.int64)
    step[(codes == ord("[")) | (codes == ord("{"))] = 1
    step[(codes == ord("]")) | (codes == ord("}"))] = -1
    depth = int(np.cumsum(step).max(initial=0))
    if depth > MAX_JSON_DEPTH:
        raise MarginInputError(
            f"the scenario file is nested {depth:,} levels deep; a scenario is at most "
            f"{MAX_JSON_DEPTH} levels deep (objects and lists inside each other)")


# generator name -> (function name in .paths, allowed parameters)
GENERATORS: dict[str, tuple[str, tuple[str, ...]]] = {
    "constant": ("constant", ("price",)),
    "linear": ("linear", ("start", "end")),
    "piecewise": ("piecewise", ("points",)),
    "gbm": ("gbm", ("start", "drift", "volatility", "dt")),
    "shock": ("shock", ("start", "at", "size", "recovery", "recovery_steps")),
    "jumps": ("jumps", ("start", "intensity", "jump_mean", "jump_std", "volatility", "dt")),
    "data": ("", ("prices",)),
}


def _num(v: Any, what: str) -> float:
    """``v`` as a finite float (:func:`errors.finite_number`)."""
    return finite_number(v, what)


@dataclass(frozen=True)
class PathSpec:
    """How to build one symbol's mark path.

    Parameters
    ----------
    generator : str
        One of :data:`GENERATORS` (``"data"`` holds the prices themselves).
    params : dict
        The generator's parameters (``steps`` comes from the scenario).
    seed : int or None
        Seed of random generators, so that a shared scenario replays the same path.
    """

    generator: str = "linear"
    params: Mapping[str, Any] = field(default_factory=dict)
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.generator not in GENERATORS:
            raise MarginInputError(
                f"unknown path generator {shown(self.generator)}; use one of "
                f"{', '.join(GENERATORS)}")
        if not isinstance(self.params, Mapping):
            raise MarginInputError("path parameters must be a mapping")
        allowed = GENERATORS[self.generator][1]
        clean: dict[str, Any] = {}
        for k, v in self.params.items():
            if k not in allowed:
                raise MarginInputError(
                    f"the {self.generator} path does not take {shown(k)}; it takes "
                    f"{', '.join(allowed)}")
            if k in ("points", "prices"):
                clean[k] = self._list(k, v)
            else:
                clean[k] = _num(v, f"path parameter {k}")
        object.__setattr__(self, "params", clean)
        if self.seed is not None:
            object.__setattr__(self, "seed", whole_number(self.seed, "a seed", 0))

    @staticmethod
    def _list(k: str, v: Any) -> tuple[Any, ...]:
        if not isinstance(v, list | tuple):
            raise MarginInputError(f"{k} must be a list")
        if len(v) > MAX_STEPS:
            raise MarginInputError(f"{k} has more than {MAX_STEPS:,} entries")
        if k == "points":
            out = []
            for j, pt in enumerate(v):
                if not isinstance(pt, list | tuple) or len(pt) != 2:
                    raise MarginInputError(f"control point {j + 1} must be [step, price]")
                out.append((_num(pt[0], f"control point {j + 1} step"),
                            _num(pt[1], f"control point {j + 1} price")))
            if len(out) < 1:
                raise MarginInputError("a drawn path needs at least one control point")
            return tuple(out)
        return tuple(_num(p, f"price {j + 1}") for j, p in enumerate(v))

    def build(self, steps: int) -> np.ndarray:
        """The mark path, shape ``(steps,)``."""
        from . import paths

        p = dict(self.params)
        if self.generator == "data":
            arr = np.asarray(p.get("prices", ()), dtype=float)
            if arr.shape != (steps,):
                raise MarginInputError(f"the data path has {arr.size} prices, expected {steps}")
            return paths.validate_path(arr)
        fn = getattr(paths, GENERATORS[self.generator][0])
        if self.generator == "constant":
            out = fn(p.get("price", 100.0), steps)
        elif self.generator == "linear":
            out = fn(p.get("start", 100.0), p.get("end", 100.0), steps)
        elif self.generator == "piecewise":
            pts = [(int(round(s)), v) for s, v in p.get("points", ())]
            out = fn(pts, steps)
        elif self.generator in ("gbm", "jumps"):
            start = p.pop("start", 100.0)
            out = fn(start, steps, seed=self.seed, **p)
        else:  # shock
            start = p.pop("start", 100.0)
            if "at" in p:
                p["at"] = int(round(p["at"]))
            if "recovery_steps" in p:
                p["recovery_steps"] = int(round(p["recovery_steps"]))
            out = fn(start, steps, **p)
        return paths.validate_path(np.asarray(out, dtype=float))

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        params = {k: (list(map(list, v)) if k == "points" else list(v))
                  if isinstance(v, tuple) else v for k, v in self.params.items()}
        return {"generator": self.generator, "params": params, "seed": self.seed}


@dataclass(frozen=True)
class Scenario:
    """A complete, replayable lesson scenario (see the module docstring).

    ``venue`` is a preset key, or a hand-built :class:`~margin_widgets.core.venue.Venue` (a
    preset's own object is stored as its key). A scenario on a hand-built venue runs like any
    other but cannot be written to JSON or a link: only preset venues travel.

    >>> from margin_widgets.core.venue import venues
    >>> Scenario(venue=venues["bybit_linear"]).venue
    'bybit_linear'
    >>> mine = venues["bybit_linear"].with_(name="My venue", close_fee_rate=0.001)
    >>> Scenario(venue=mine).venue_rules.name
    'My venue'
    """

    venue: str | Venue = "binance_usdm"
    wallet_balance: float = 10_000.0
    positions: tuple[Position, ...] = ()
    paths: Mapping[str, PathSpec] = field(default_factory=dict)
    steps: int = 500
    funding_rate: float = 0.0
    funding_every: int | None = None
    fees: bool = True
    events: tuple[TransferEvent, ...] = ()
    title: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.venue, Venue):
            if self.venue.key in venues and venues[self.venue.key] is self.venue:
                object.__setattr__(self, "venue", self.venue.key)   # a preset: its key
        elif not isinstance(self.venue, str) or self.venue not in venues:
            raise MarginInputError(f"unknown venue {shown(self.venue)}; use a Venue or one of "
                                   f"the presets: {', '.join(venues)}")
        steps = whole_number(self.steps, "steps", 2, MAX_STEPS)
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "positions", tuple(self.positions))
        if len(self.positions) > MAX_POSITIONS:
            raise MarginInputError(f"at most {MAX_POSITIONS} positions")
        check_work(len(self.positions), int(steps))
        object.__setattr__(self, "paths", dict(self.paths))
        object.__setattr__(self, "events", tuple(
            e if isinstance(e, TransferEvent) else TransferEvent(**e) for e in self.events))
        _num(self.funding_rate, "funding rate")
        if abs(self.funding_rate) > 0.05:
            raise MarginInputError("a funding rate above 5 % per interval is not realistic")
        if self.funding_every is not None:
            object.__setattr__(self, "funding_every", whole_number(
                self.funding_every, "funding_every (a whole number of steps)", 1))
        for sym in {p.symbol for p in self.positions}:
            if sym not in self.paths:
                raise MarginInputError(f"no price path for {sym}")

    # -- building ---------------------------------------------------------------------------
    @property
    def venue_rules(self) -> Venue:
        """The :class:`Venue` itself (the preset of the key, or the hand-built venue)."""
        return self.venue if isinstance(self.venue, Venue) else venues[self.venue]

    def account(self) -> Account:
        """The starting account (validated)."""
        return Account(self.venue, self.wallet_balance, self.positions)

    def mark_paths(self) -> dict[str, np.ndarray]:
        """The mark path of every symbol held."""
        syms = list(dict.fromkeys(p.symbol for p in self.positions))
        return {s: self.paths[s].build(self.steps) for s in syms}

    def sim_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`simulate`."""
        return {"funding_rate": self.funding_rate, "funding_every": self.funding_every,
                "fees": self.fees, "events": self.events}

    def run(self, **kwargs: Any) -> SimulationResult:
        """``simulate`` the scenario."""
        return simulate(self.account(), self.mark_paths(), **{**self.sim_kwargs(), **kwargs})

    def compare(self, **kwargs: Any) -> dict[str, SimulationResult]:
        """``compare_modes`` on the scenario."""
        return compare_modes(self.account(), self.mark_paths(),
                             **{**self.sim_kwargs(), **kwargs})

    def replace(self, **changes: Any) -> Scenario:
        """A validated copy with some fields changed."""
        return replace(self, **changes)

    # -- serialisation ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data with the schema name and version.

        Raises
        ------
        MarginInputError
            For a scenario on a hand-built venue: a file or a link names a preset venue.
        """
        if isinstance(self.venue, Venue):
            raise MarginInputError(
                f"this scenario runs on a hand-built venue ({self.venue.name}): only the venue "
                f"presets ({', '.join(venues)}) can be saved to a file or a link")
        return {
            "schema": SCHEMA, "version": SCHEMA_VERSION, "title": self.title,
            "description": self.description, "venue": self.venue,
            "wallet_balance": self.wallet_balance,
            "positions": [p.to_dict() for p in self.positions],
            "paths": {s: spec.to_dict() for s, spec in self.paths.items()},
            "steps": self.steps, "funding_rate": self.funding_rate,
            "funding_every": self.funding_every, "fees": self.fees,
            "events": [e.__dict__ for e in self.events],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """JSON text (see :meth:`from_json`)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Any) -> Scenario:
        """Validate plain data and build a scenario; raises MarginInputError."""
        if not isinstance(data, Mapping):
            raise MarginInputError("a scenario must be a JSON object")
        if data.get("schema") != SCHEMA:
            raise MarginInputError(f"this is not a margin_widgets scenario (schema must be "
                                   f"{SCHEMA!r})")
        version = data.get("version")
        if version != SCHEMA_VERSION:
            raise MarginInputError(f"unsupported scenario version {shown(version)} "
                                   f"(this kit reads version {SCHEMA_VERSION})")
        known = {"schema", "version", "title", "description", "venue", "wallet_balance",
                 "positions", "paths", "steps", "funding_rate", "funding_every", "fees",
                 "events"}
        extra = set(data) - known
        if extra:
            raise MarginInputError("unknown scenario fields: "
                                   + ", ".join(shown(k) for k in sorted(map(str, extra))[:10]))
        try:
            raw_pos = data.get("positions", [])
            if not isinstance(raw_pos, list):
                raise MarginInputError("positions must be a list")
            positions = []
            pos_fields = set(Position.__dataclass_fields__)
            for j, p in enumerate(raw_pos):
                if not isinstance(p, Mapping) or set(p) - pos_fields:
                    raise MarginInputError(f"position {j + 1} is malformed")
                positions.append(Position(**p))
            raw_paths = data.get("paths", {})
            if not isinstance(raw_paths, Mapping):
                raise MarginInputError("paths must be an object of symbol to path recipe")
            specs = {}
            for sym, spec in raw_paths.items():
                if not isinstance(spec, Mapping) or set(spec) - {"generator", "params", "seed"}:
                    raise MarginInputError(f"the path of {shown(sym)} is malformed")
                specs[str(sym)] = PathSpec(**spec)
            raw_events = data.get("events", [])
            if not isinstance(raw_events, list):
                raise MarginInputError("events must be a list")
            events = []
            for e in raw_events:
                if not isinstance(e, Mapping) or set(e) - {"step", "kind", "amount", "position"}:
                    raise MarginInputError("an event is malformed")
                events.append(TransferEvent(**e))
            fees = data.get("fees", True)
            if not isinstance(fees, bool):
                raise MarginInputError("fees must be true or false")
            title = data.get("title", "")
            desc = data.get("description", "")
            if not isinstance(title, str) or not isinstance(desc, str):
                raise MarginInputError("title and description must be text")
            wallet = _num(data.get("wallet_balance"), "wallet balance")
            scen = cls(
                venue=str(data.get("venue", "binance_usdm")), wallet_balance=wallet,
                positions=tuple(positions), paths=specs, steps=data.get("steps", 500),
                funding_rate=_num(data.get("funding_rate", 0.0), "funding rate"),
                funding_every=data.get("funding_every"), fees=fees, events=tuple(events),
                title=title[:200], description=desc[:2000],
            )
        except MarginInputError:
            raise
        except RecursionError:
            raise MarginInputError("the scenario is nested too deeply to be read") from None
        except (TypeError, ValueError, KeyError) as exc:
            raise MarginInputError(f"the scenario is malformed: {str(exc)[:200]}") from None
        scen.account()  # the account itself must be valid (leverage limits, margins)
        return scen

    @classmethod
    def from_json(cls, text: str | bytes) -> Scenario:
        """Parse and validate JSON text (at most 2 MB)."""
        if isinstance(text, bytes):
            if len(text) > MAX_JSON_BYTES:
                raise MarginInputError("the scenario file is larger than 2 MB")
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                raise MarginInputError("the scenario file is not UTF-8 text") from None
        if len(text) > MAX_JSON_BYTES:
            raise MarginInputError("the scenario file is larger than 2 MB")
        _json_depth_ok(text)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MarginInputError(f"the scenario file is not valid JSON (line {exc.lineno}, "
                                   f"column {exc.colno}: {exc.msg})") from None
        except RecursionError:  # pragma: no cover - _json_depth_ok refuses it first
            raise MarginInputError("the scenario file is nested too deeply to be read") \
                from None
        return cls.from_dict(data)

    def to_query(self) -> str:
        """A URL query string ``scenario=...`` (compressed, URL-safe) that restores it."""
        raw = zlib.compress(self.to_json(indent=None).encode("utf-8"), 9)
        return "scenario=" + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def from_query(cls, query: str) -> Scenario | None:
        """The scenario in a query string, ``None`` if it holds none; raises if malformed."""
        q = parse_qs(query.lstrip("?"))
        vals = q.get("scenario")
        if not vals:
            return None
        token = vals[0]
        if len(token) > MAX_QUERY_CHARS:
            raise MarginInputError("the shared link is too long to be a scenario")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            d = zlib.decompressobj()
            text = d.decompress(raw, MAX_JSON_BYTES)
            too_large = bool(d.unconsumed_tail)
        except (ValueError, zlib.error):
            raise MarginInputError("the shared link is damaged: its scenario cannot be "
                                   "read") from None
        if too_large:
            raise MarginInputError("the shared scenario is too large")
        return cls.from_json(text)


def _lin(start: float, end: float) -> PathSpec:
    return PathSpec("linear", {"start": start, "end": end})


def _pw(*pts: tuple[float, float]) -> PathSpec:
    return PathSpec("piecewise", {"points": [list(p) for p in pts]})


# "Winner and loser" comes twice (cross, and isolated for the Margin Lab's first screen)
_WINNER_LOSER = (Position("BTCUSDT", "long", 0.5, 60_000, 10, "cross"),
                 Position("ETHUSDT", "short", 5, 3_000, 20, "cross"))
_WINNER_LOSER_PATHS = {
    "BTCUSDT": _pw((0, 60_000), (200, 57_000), (400, 52_000), (600, 51_500), (799, 53_000)),
    "ETHUSDT": _pw((0, 3_000), (300, 2_700), (600, 2_500), (799, 2_550)),
}

PRESETS: dict[str, Scenario] = {
    "one_long": Scenario(
        title="One long", venue="binance_usdm", wallet_balance=10_000,
        description="A 10x BTC long while the price slides 20 %: isolated is liquidated, "
                    "cross survives on the whole wallet.",
        positions=(Position("BTCUSDT", "long", 1, 60_000, 10, "isolated"),),
        paths={"BTCUSDT": _pw((0, 60_000), (150, 58_500), (300, 53_000), (420, 51_500),
                              (499, 55_000))},
        steps=500,
    ),
    "hedged_pair": Scenario(
        title="Hedged pair", venue="binance_usdm", wallet_balance=8_000,
        description="Long BTC, short ETH of similar size: a market-wide fall hurts one leg and "
                    "helps the other; cross nets them, isolated does not.",
        positions=(Position("BTCUSDT", "long", 0.5, 60_000, 10, "cross"),
                   Position("ETHUSDT", "short", 10, 3_000, 10, "cross")),
        paths={"BTCUSDT": _pw((0, 60_000), (250, 52_000), (499, 50_000)),
               "ETHUSDT": _pw((0, 3_000), (250, 2_550), (499, 2_450))},
        steps=500,
    ),
    "winner_and_loser": Scenario(
        title="Winner and loser", venue="binance_usdm", wallet_balance=10_000,
        description="BTC long loses while the ETH short wins: in cross the winner props up the "
                    "loser; in isolated the BTC long is liquidated alone.",
        positions=_WINNER_LOSER,
        paths=_WINNER_LOSER_PATHS,
        steps=800,
    ),
    "winner_and_loser_isolated": Scenario(
        title="Winner and loser, isolated", venue="binance_usdm", wallet_balance=10_000,
        description="The same two positions, each isolated: the BTC long is liquidated alone "
                    "while the ETH short wins. Switch Mode to Cross to see the winner prop up "
                    "the loser.",
        positions=tuple(p.with_(mode="isolated") for p in _WINNER_LOSER),
        paths=_WINNER_LOSER_PATHS,
        steps=800,
    ),
    "flash_crash": Scenario(
        title="Flash crash", venue="binance_usdm", wallet_balance=3_000,
        description="A sudden 25 % drop that recovers within hours: a 20x long is liquidated "
                    "at the bottom even though the price comes back.",
        positions=(Position("BTCUSDT", "long", 0.5, 60_000, 20, "cross"),),
        paths={"BTCUSDT": PathSpec("shock", {"start": 60_000, "at": 300, "size": -0.25,
                                             "recovery": 0.9, "recovery_steps": 60})},
        steps=600,
    ),
    "funding_bleed": Scenario(
        title="Slow funding bleed", venue="binance_usdm", wallet_balance=2_000,
        description="The price goes nowhere, but a 0.1 % funding rate every 8 hours eats the "
                    "isolated margin of a 25x long until it is liquidated.",
        positions=(Position("BTCUSDT", "long", 0.5, 60_000, 25, "isolated"),),
        paths={"BTCUSDT": PathSpec("constant", {"price": 60_000})},
        steps=2_000, funding_rate=0.001, funding_every=8,
    ),
    "bybit_example": Scenario(
        title="Bybit's published example", venue="bybit_linear", wallet_balance=1_000,
        description="Bybit Help 'Liquidation Price (USDT Contract)' example 1: long 1 BTC at "
                    "20,000, 50x, MMR 0.5 %, margin at entry: liquidation at 19,700.",
        positions=(Position("BTCUSDT", "long", 1, 20_000, 50, "isolated"),),
        paths={"BTCUSDT": _lin(20_000, 19_500)}, steps=200, fees=False,
    ),
    "dydx_cross": Scenario(
        title="dYdX v4 docs: cross short with a STRK long", venue="dydx_v4",
        wallet_balance=1_000, fees=False,
        description="The dYdX v4 documentation's cross example (its MMF of 5 % for ETH is the "
                    "docs' own; the preset's ETH tier is Large-Cap 3 %).",
        positions=(Position("ETH-USD", "short", 1.5, 3_000, 10, "cross"),
                   Position("STRK-USD", "long", 1_000, 1.75, 10, "cross")),
        paths={"ETH-USD": _lin(3_000, 3_600), "STRK-USD": PathSpec("constant", {"price": 1.75})},
        steps=300,
    ),
}
"""Scenario presets by key; each one shows something happening on its path."""
