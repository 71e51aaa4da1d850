"""One Checker per loaded index, shared by the CLI and the API; the crosswalk on demand."""

from __future__ import annotations

import threading
import weakref
from typing import Any

from checker.check import Checker
from rag import crosswalk
from rag.store import IndexStore
from wtguide.errors import NotFound

_lock = threading.Lock()
_checkers: weakref.WeakKeyDictionary[Any, Checker] = weakref.WeakKeyDictionary()


def checker_for(assistant: Any) -> Checker:
    """The Assistant's checker, built once (it reuses the Assistant's cached crosswalks)."""
    with _lock:
        found = _checkers.get(assistant)
        if found is None:
            found = _checkers[assistant] = Checker(assistant.store, assistant.crosswalks)
        return found


def crosswalk_links(store: IndexStore, cached: dict[tuple[str, str], list[crosswalk.Link]], old: str,
                    new: str) -> list[crosswalk.Link]:
    """The crosswalk between two editions we hold (built on demand when not cached)."""
    if (old, new) in cached:
        return cached[(old, new)]
    old_doc, new_doc = store.document(old), store.document(new)
    if old_doc.kind != "statutory" or new_doc.kind != "statutory" or old == new:
        pairs = ", ".join(f"{a}→{b}" for a, b in cached) or "none"
        raise NotFound(f"no crosswalk between '{old}' and '{new}': both must be different statutory editions "
                       f"(available: {pairs})")
    return crosswalk.build(store, old, new)
