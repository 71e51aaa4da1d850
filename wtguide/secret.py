"""The per-install secret: signs page sessions and keys the feedback question hash.

Replicas that share state (sessions, feedback) must share the secret, so an operator running
more than one sets ``WTGUIDE_SECRET_KEY``; a single install keeps a generated one in its data dir.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from wtguide.settings import Settings

log = logging.getLogger(__name__)
SECRET_FILE = "secret.key"


def install_secret(settings: Settings) -> bytes:
    """The secret as bytes: ``settings.secret_key`` when set, else ``data_dir/secret.key``
    (32 random bytes, hex, mode 0600), created on first use. When the data dir cannot be
    written (a read-only replica) and no key is set, an ephemeral one is used and a warning
    logged: sessions then end on restart and question hashes differ between processes."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = Path(settings.data_dir) / SECRET_FILE
    try:
        return path.read_text(encoding="ascii").strip().encode()
    except (FileNotFoundError, NotADirectoryError):
        pass
    value = secrets.token_hex(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker created it first
        return path.read_text(encoding="ascii").strip().encode()
    except OSError as exc:
        log.warning("no WTGUIDE_SECRET_KEY and %s cannot be written (%s): using a key for this process only",
                    path, exc.strerror)
        return value.encode()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value)
    return value.encode()
