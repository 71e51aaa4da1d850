"""`wtguide index export FILE` and `wtguide index import FILE`: ship a built index to replicas."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from wtguide.settings import Settings


def cmd_index_export(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.ship import export_index

    build = export_index(settings.index_root, Path(args.file), settings.lock_timeout_seconds)
    size = Path(args.file).stat().st_size
    print(f"Exported index {build.name} ({size / 1e6:.1f} MB) to {args.file}")
    return 0


def cmd_index_import(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.index import current_dir
    from ingest.ship import import_index
    from wtguide.cli import model_name

    before = current_dir(settings.index_root)
    build = import_index(settings.index_root, Path(args.file), model_name(settings), settings.index_read_only,
                         settings.lock_timeout_seconds)
    if build == before:
        print(f"Index {build.name} is already the live index: every file checked, nothing changed")
    else:
        print(f"Imported index {build.name}: every file checked; it is now the live index "
              "(running servers follow it)")
    return 0


def register(sub: Any) -> None:
    s = sub.add_parser("index", help="ship a built index: export it to a file, import one (replicas)")
    actions = s.add_subparsers(dest="index_command", required=True)
    e = actions.add_parser("export", help="write the live index, with its file hashes, to a .tar.gz")
    e.add_argument("file")
    e.set_defaults(func=cmd_index_export)
    i = actions.add_parser("import", help="check every file of an exported index and make it the live one")
    i.add_argument("file")
    i.set_defaults(func=cmd_index_import)
