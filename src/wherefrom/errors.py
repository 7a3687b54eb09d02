"""The failure modes a user can cause, one class each.

Every message names the file, record or field and what is wrong; the CLI prints it on one
line and exits 2, the service answers 4xx.
"""


class WherefromError(Exception):
    """Base of every error caused by input or usage, never by a bug."""


class BadInputError(WherefromError):
    """A file, record or field that cannot be read as asked."""


class EmptyCorpusError(WherefromError):
    """A build found no document to index."""


class IndexMissingError(WherefromError):
    """The index folder does not exist or holds no published index."""


class IndexWriteError(WherefromError):
    """The index folder could not be written (disk full, quota, read-only, I/O error):
    nothing was published, and the folder is usable for the next build or add."""


class IndexCorruptError(WherefromError):
    """A published file does not match its checksum, size or format version."""


class IncompatibleIndexError(WherefromError):
    """The index was built with parameters or a format this code cannot query as asked."""


class CheckCancelledError(WherefromError):
    """A check stopped between candidates because its caller gave up on it (the service's
    time budget ran out): the work ends instead of holding a thread."""


class MissingExtraError(WherefromError):
    """An optional capability whose dependencies are not installed."""

    def __init__(self, feature: str, extra: str, module: str) -> None:
        super().__init__(
            f"{feature} needs the '{module}' package: pip install 'wherefrom[{extra}]'"
        )
        self.extra = extra


def require(module: str, feature: str, extra: str):
    """Import an optional dependency or fail with the exact install line."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingExtraError(feature, extra, module.split(".")[0]) from error


class ClusterError(WherefromError):
    """A Ray cluster that cannot be reached, or a shard of a sharded index that is down."""
