"""One small hierarchy of errors a person can act on.

Every error carries a one-line message; the CLI prints it without a traceback
and the API maps each class to one HTTP status.
"""

from __future__ import annotations


class WtguideError(Exception):
    """Base class: ``str(err)`` is a one-line message for a person."""

    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class CorpusError(WtguideError):
    """The corpus or its manifest is wrong (missing field, duplicate id, missing file)."""

    http_status = 422


class ManifestError(CorpusError):
    pass


class UnsupportedDocument(CorpusError):
    """A file we cannot read: wrong format, corrupt, encrypted, empty, image-only."""

    http_status = 415


class EmptyDocument(UnsupportedDocument):
    http_status = 422


class IndexNotBuilt(WtguideError):
    """No index in the data dir yet: run ``wtguide ingest``."""

    http_status = 503


class NotFound(WtguideError):
    """A document or paragraph that we do not hold."""

    http_status = 404


class BadRequest(WtguideError):
    http_status = 400


class TooLarge(WtguideError):
    """An upload or pasted text over the size limit."""

    http_status = 413


class PortInUse(WtguideError):
    """``serve`` was asked for a port another program holds."""

    http_status = 409


class UnknownModel(NotFound):
    """``/v1`` was asked for a model (answer mode) that does not exist."""

    code = "model_not_found"


class IndexDamaged(WtguideError):
    """A file of the index is missing, truncated or changed since it was built: ``wtguide ingest``
    rebuilds it. ``file``: the damaged file's path in the build, when one is known."""

    http_status = 503

    def __init__(self, message: str, file: str = "") -> None:
        super().__init__(message)
        self.file = file


class ReadOnlyIndex(WtguideError):
    """``ingest``, ``add`` or ``index import`` asked to write a data dir served read-only."""

    http_status = 409


class Busy(WtguideError):
    """Another ``add``/``ingest`` held the corpus or index lock for longer than we wait."""

    http_status = 409


class Unauthorized(WtguideError):
    """No valid credential for an API route (a key, a page session or a publishable key)."""

    http_status = 401


class Forbidden(WtguideError):
    """A credential that does not reach this route (a publishable key outside ask/search/feedback)."""

    http_status = 403


class RateLimited(WtguideError):
    """A 429; ``retry_after`` is whole seconds until the window ends."""

    http_status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DatabaseUnavailable(WtguideError):
    """The feedback database cannot be reached, or its schema is behind this code."""

    http_status = 503
