"""The operator's switch that turns answering off: ``/api/ask`` and ``/api/search`` answer 503
with the operator's message while pages, ``/healthz`` and ``/metrics`` keep working.

Two ways to throw it: ``WTGUIDE_ANSWERING_OFF_MESSAGE`` (set at start), or, with no restart, a
file ``data_dir/answering-off`` whose contents are the message; each worker looks for the file at
most every ``answering_check_seconds``, so one file takes every replica sharing the data dir off.
Removing the file turns answering back on.
"""

from __future__ import annotations

import errno
import logging
import stat
import threading
import time
from pathlib import Path

from fastapi import HTTPException, Request

from rag.service import messages
from wtguide.settings import Settings

log = logging.getLogger(__name__)
SWITCH_FILE = "answering-off"
DEFAULT_MESSAGE = "Answering is switched off for now. Please try again later."
MAX_MESSAGE = 500


class AnsweringSwitch:
    """Whether answering is off, and the message to give while it is."""

    def __init__(self, settings: Settings) -> None:
        self.fixed = _one_line(settings.answering_off_message)
        self.path = Path(settings.data_dir) / SWITCH_FILE
        self.every = settings.answering_check_seconds
        self._checked = -float("inf")
        self._from_file: str | None = None
        self._lock = threading.Lock()

    def message(self) -> str | None:
        """The off message, or None while answering is on. Reads the file at most every
        ``answering_check_seconds``; a file that exists but cannot be read, or is not a regular
        file, counts as off (with the default message). At most 2 KB of it is ever read."""
        if self.fixed:
            return self.fixed
        now = time.monotonic()
        if now - self._checked >= self.every:
            with self._lock:
                if now - self._checked >= self.every:
                    self._from_file = self._read()
                    self._checked = now
        return self._from_file

    def notice(self) -> str | None:
        """What a person asking is told while answering is off: the operator's message and then
        the 999 line (rag/data/messages.yaml ``answering_off_safety``); None while it is on."""
        message = self.message()
        return None if message is None else f"{message} {messages()['answering_off_safety']}"

    def _read(self) -> str | None:
        try:
            if not stat.S_ISREG(self.path.stat().st_mode):
                # A directory, a device (a link to /dev/zero), a pipe: off, but never read.
                raise IsADirectoryError(errno.EISDIR, "not a regular file")
            with self.path.open("rb") as fh:
                text = fh.read(MAX_MESSAGE * 4).decode("utf-8", errors="replace")
        except FileNotFoundError:
            if self._from_file is not None:
                log.warning("answering is back on (%s removed)", self.path)
            return None
        except OSError as exc:
            log.warning("%s exists but cannot be read (%s): answering stays off", self.path, exc.strerror)
            return DEFAULT_MESSAGE
        message = _one_line(text) or DEFAULT_MESSAGE
        if message != self._from_file:
            log.warning("answering is switched off by %s: %s", self.path, message)
        return message


def _one_line(text: str) -> str:
    """``text`` on one line, at most MAX_MESSAGE characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_MESSAGE else flat[: MAX_MESSAGE - 1] + "…"


def answering_on(request: Request) -> None:
    """Dependency for the answering routes: raises a 503 carrying the operator's message (and the
    999 line) while the switch is off."""
    notice = request.app.state.answering.notice()
    if notice is not None:
        raise HTTPException(status_code=503, detail=notice)
