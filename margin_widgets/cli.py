"""The ``margin-widgets`` command: serve the apps, open the lessons, copy the lessons.

::

    margin-widgets serve [--port 8866] [--host 127.0.0.1]   the Voila apps; prints the index
    margin-widgets lab [DIR] [--port 8888] [--host ...]     the lessons in JupyterLab
    margin-widgets lessons DIR [--force] [--apps]           copy the lessons to work in

Everything is found through :mod:`margin_widgets.resources`, so the command works the same
from an installed wheel and from a source checkout. ``serve`` and ``lab`` replace this
process with Voila / JupyterLab (``os.execv``), so Ctrl+C and signals reach the server.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from margin_widgets import resources

DEFAULT_HOST = "127.0.0.1"
SERVE_PORT = 8866
LAB_PORT = 8888
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def serve_command(host: str, port: int, extra: Sequence[str] = ()) -> list[str]:
    """The Voila command line that ``serve`` runs (apps folder, packaged ``voila.json``)."""
    return [
        # voila with a clean stop on one Ctrl+C / SIGTERM (margin_widgets/serving.py)
        sys.executable, "-m", "margin_widgets.serving", str(resources.apps_dir()),
        f"--Voila.config_file_paths={resources.voila_config_dir()}",
        f"--Voila.ip={host}", f"--Voila.port={port}", "--Voila.port_retries=0",
        "--no-browser",
        # voila's own "running at" line opens the index, not a bare file list (whatever voila
        # appends to the address lands after the '#')
        f"--Voila.custom_display_url={index_url(host, port)}#",
        *extra,
    ]


def index_url(host: str, port: int) -> str:
    """Address of the index app (it opens on a default scenario and links every app)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/voila/render/{resources.INDEX_APP}"


def lab_command(root: Path, host: str, port: int, extra: Sequence[str] = ()) -> list[str]:
    """The JupyterLab command line that ``lab`` runs on ``root``."""
    argv = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        f"--ServerApp.ip={host}", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        # a lesson left open must not keep its kernel (and its memory) forever
        "--MappingKernelManager.cull_idle_timeout=3600",
        "--MappingKernelManager.cull_interval=300",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # containers and CI machines often run as root
    return [*argv, *extra]


def _warn_if_public(host: str) -> None:
    if host not in LOOPBACK:
        print(f"warning: listening on {host}: other machines can reach this server",
              file=sys.stderr)


def _exec(argv: list[str]) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)
    return 1  # pragma: no cover - execv does not return


def cmd_serve(args: argparse.Namespace) -> int:
    """``serve``: print the index address, then become the Voila server."""
    if getattr(args, "pool", None) is not None:
        if args.pool < 0:
            print("margin-widgets serve: --pool must be 0 or more", file=sys.stderr)
            return 2
        args.extra = [f"--PacedKernelManager.index_pool={args.pool}", *args.extra]
    argv = serve_command(args.host, args.port, args.extra)
    _warn_if_public(args.host)
    print("")
    print(f"  margin_widgets apps from {resources.apps_dir()}")
    print(f"  Open  {index_url(args.host, args.port)}   (Ctrl+C to stop)")
    print("")
    return _exec(argv)


def cmd_lab(args: argparse.Namespace) -> int:
    """``lab``: copy the lessons that are missing from DIR, then become JupyterLab."""
    root = Path(args.dir).resolve()
    if not resources.notebooks_in(root) or not (root / "apps").is_dir():
        # only what is missing: a learner's edited lessons are kept
        source_sets = [(resources.lessons_dir(), root), (resources.apps_dir(), root / "apps")]
        for source, dest in source_sets:
            for nb in resources.notebooks_in(source):
                if not (dest / nb.name).exists():
                    dest.mkdir(parents=True, exist_ok=True)
                    (dest / nb.name).write_bytes(nb.read_bytes())
        print(f"  lessons copied to {root}")
    _warn_if_public(args.host)
    print(f"  JupyterLab on the lessons in {root}; it prints its address (with its token)")
    return _exec(lab_command(root, args.host, args.port, args.extra))


def cmd_lessons(args: argparse.Namespace) -> int:
    """``lessons``: copy the lessons (and apps) into DIR; 1 when refused."""
    try:
        written = resources.copy_lessons(Path(args.dir), force=args.force, with_apps=args.apps)
    except (FileExistsError, NotADirectoryError, FileNotFoundError) as exc:
        print(f"margin-widgets lessons: {exc}", file=sys.stderr)
        return 1
    print(f"copied {len(written)} notebooks to {Path(args.dir).resolve()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``margin-widgets``."""
    parser = argparse.ArgumentParser(
        prog="margin-widgets",
        description="Cross vs isolated margin: serve the apps, open or copy the lessons.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve the Voila apps and print the index address")
    serve.add_argument("--port", type=int, default=SERVE_PORT, help="default %(default)s")
    serve.add_argument("--host", default=DEFAULT_HOST, help="default %(default)s")
    serve.add_argument("--pool", type=int, default=None, metavar="N",
                       help="keep N kernels preheated for the index app, started one at a "
                            "time (for a class: about its size; ~150 MB each). Default: "
                            "voila.json's pool of 1")
    serve.add_argument("extra", nargs=argparse.REMAINDER,
                       help="after --: more Voila options, e.g. -- --Voila.base_url=/x/")
    serve.set_defaults(func=cmd_serve)

    lab = sub.add_parser("lab", help="open the lessons in JupyterLab (copied to DIR first)")
    lab.add_argument("dir", nargs="?", default="margin-widgets-lessons",
                     help="working folder (default ./%(default)s); missing lessons are copied")
    lab.add_argument("--port", type=int, default=LAB_PORT, help="default %(default)s")
    lab.add_argument("--host", default=DEFAULT_HOST, help="default %(default)s")
    lab.add_argument("extra", nargs=argparse.REMAINDER,
                     help="after --: more JupyterLab options")
    lab.set_defaults(func=cmd_lab)

    lessons = sub.add_parser("lessons", help="copy the lessons into DIR to work in")
    lessons.add_argument("dir", help="folder to copy the lessons into (created)")
    lessons.add_argument("--force", action="store_true",
                         help="overwrite lessons of the same name already in DIR")
    lessons.add_argument("--apps", action="store_true",
                         help="also copy the Voila apps into DIR/apps")
    lessons.set_defaults(func=cmd_lessons)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``margin-widgets`` console script."""
    args = build_parser().parse_args(argv)
    extra = list(getattr(args, "extra", []) or [])
    if extra[:1] == ["--"]:
        extra = extra[1:]
    args.extra = extra
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
