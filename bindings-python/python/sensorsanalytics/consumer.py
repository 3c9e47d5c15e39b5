"""The consumer classes of the reference SDK, each a thin shell around a core consumer.

A client built on one of these talks to the core consumer directly (no Python call per
record). A subclass that overrides ``send``, ``flush`` or ``close`` is called like any other
Python consumer: any object with those three methods works as a consumer.
"""

import os
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from ._native import (
    DEFAULTS as _D,
    NativeConsumer,
    async_batch_consumer,
    batch_consumer,
    concurrent_logging_consumer,
    console_consumer,
    debug_consumer,
    default_consumer,
    logging_consumer,
    Network,
    network,
)

__all__ = [
    "DefaultConsumer",
    "BatchConsumer",
    "AsyncBatchConsumer",
    "DebugConsumer",
    "ConsoleConsumer",
    "LoggingConsumer",
    "ConcurrentLoggingConsumer",
]

_PathLike = Union[str, "os.PathLike[str]"]


def _path(p: Optional[_PathLike]) -> Optional[str]:
    return None if p is None else os.fspath(p)


def _defined_here(cls: type, name: str) -> bool:
    """Whether ``cls.<name>`` is the implementation of this module (not a subclass's)."""
    for klass in cls.__mro__:
        if name in vars(klass):
            return klass.__module__ == __name__
    return False


class _NativeConsumer(object):
    """Forwards to ``self._native``, a core consumer."""

    _native: NativeConsumer

    def send(self, msg: str) -> None:
        self._native.send(msg)

    def flush(self) -> None:
        self._native.flush()

    def close(self) -> None:
        self._native.close()

    def _sa_native(self) -> Optional[NativeConsumer]:
        """The core consumer for SensorsAnalytics, unless send/flush/close were replaced."""
        own = getattr(self, "__dict__", {})
        for name in ("send", "flush", "close"):
            if name in own or not _defined_here(type(self), name):
                return None
        return self._native


class ConsoleConsumer(_NativeConsumer):
    """Prints each record on one line of ``sys.stdout``."""

    def __init__(self) -> None:
        self._native = console_consumer()


class LoggingConsumer(_NativeConsumer):
    """Appends records to the file ``prefix``, rotated on time as Python's
    ``TimedRotatingFileHandler`` does (``when``: S, M, H, D, midnight, W0-W6); with
    ``backupCount`` > 0 only that many rotated files are kept."""

    def __init__(self, prefix: _PathLike, backupCount: int = _D["backupCount"], when: str = _D["when"]) -> None:
        self._native = logging_consumer(os.fspath(prefix), backupCount, when)


class ConcurrentLoggingConsumer(_NativeConsumer):
    """Appends records to ``prefix.YYYY-MM-DD``, ``bufferSize`` records at a time, under an
    exclusive ``flock``: many processes can share one file."""

    def __init__(self, prefix: _PathLike, bufferSize: int = _D["bufferSize"]) -> None:
        self._native = concurrent_logging_consumer(os.fspath(prefix), bufferSize)


# -- HTTP consumers ------------------------------------------------------------------------
#
# Every default shown in a signature is core's (``_native.DEFAULTS``, the reference's values),
# never a number typed here; core also applies the one rule for out-of-range numbers.
#
# Batching, retries and the background sender are the core's. The one Python-level seam is
# ``_do_request(form_dict)``: replace it (on an instance, or in a subclass) and every request
# goes to the replacement instead of the network, with ``{'data' or 'data_list': <base64 of
# the gzipped JSON, as bytes>, 'gzip': 1}`` as in the reference.

FormDict = Dict[str, Any]
Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]]]


def _net(ca_file: Optional[_PathLike], proxy: Optional[str], headers: Optional[Headers],
         gzip: Optional[bool]) -> Network:
    """The network options every HTTP consumer takes (keyword-only, after the reference's
    parameters), as the native constructors want them; the core checks them. ``headers`` may
    be a mapping or pairs, in the order they are to be sent."""
    if headers is not None:
        headers = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    return network(_path(ca_file), proxy, headers, None if gzip is None else bool(gzip))


class _HttpConsumer(_NativeConsumer):
    def _sa_request_hook(self) -> Any:
        """The replacement ``_do_request``, or None while it is ours."""
        if "_do_request" in getattr(self, "__dict__", {}):
            return self.__dict__["_do_request"]
        if getattr(type(self), "_do_request", None) in _OWN_DO_REQUEST:
            return None
        return getattr(self, "_do_request")

    def _sa_hook_changed(self) -> None:
        native = self.__dict__.get("_native")
        if native is not None:
            native.set_hooked(self._sa_request_hook() is not None)

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name in ("_do_request", "_native"):
            self._sa_hook_changed()

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, name)
        if name == "_do_request":
            self._sa_hook_changed()

    def stats(self) -> Dict[str, Any]:
        """Counters: sent, failed, dropped, retried, queue_depth, in_flight, last_error, and
        the spool's spooled, replayed, spool_bytes, corrupt."""
        return self._native.stats()


class DefaultConsumer(_HttpConsumer):
    """Sends each record at once, in its own request (``data=``), and waits for the answer.
    ``request_timeout`` is in milliseconds.

    Network options, for every HTTP consumer: ``ca_file`` (a PEM bundle trusted in addition to
    the system's CAs), ``proxy`` (``http://[user:pass@]host:port``, instead of the environment's
    ``https_proxy``/``http_proxy``), ``headers`` (sent with every request; the SDK's own
    ``Content-Type``, ``User-Agent``, ``Dry-Run`` cannot be replaced) and ``gzip`` (False sends
    ``gzip=0``). See README "Network"."""

    def __init__(self, url_prefix: str, request_timeout: Optional[float] = None, *,
                 ca_file: Optional[_PathLike] = None, proxy: Optional[str] = None, headers: Optional[Headers] = None,
                 gzip: Optional[bool] = None) -> None:
        self._native = default_consumer(self, _net(ca_file, proxy, headers, gzip), url_prefix, request_timeout)

    def _do_request(self, data: FormDict) -> Any:
        """Posts one form to the server; raises SensorsAnalyticsNetworkException unless 2xx."""
        return self._native.request(data, True)


class BatchConsumer(DefaultConsumer):
    """Sends records in batches (``data_list=``) of ``max_size`` (at most 50), when a batch
    is full and on flush/close; the caller waits for the request.

    With ``spool_dir``, every record is written to that directory first and sent from there,
    so that none is lost to an outage, an exit or a crash; the caller then waits for one
    attempt at most, never for a receiver known to be down (see README "Spool")."""

    def __init__(self, url_prefix: str, max_size: int = _D["batch_max_size"], request_timeout: Optional[float] = None,
                 *, spool_dir: Optional[_PathLike] = None, spool_max_bytes: Optional[int] = None,
                 spool_fsync: Optional[bool] = None, ca_file: Optional[_PathLike] = None, proxy: Optional[str] = None,
                 headers: Optional[Headers] = None, gzip: Optional[bool] = None) -> None:
        self._native = batch_consumer(self, _net(ca_file, proxy, headers, gzip), url_prefix, max_size,
                                      request_timeout, _path(spool_dir), spool_max_bytes, spool_fsync)


class AsyncBatchConsumer(DefaultConsumer):
    """Queues records (``max_size`` at most) for background threads, which send batches of up
    to ``max_batch_size`` when ``flush_size`` records wait or every ``flush_max_time``
    seconds, with retries. ``flush()`` waits for what was queued before it.

    With ``spool_dir``, every record is written to that directory first and sent from there
    (see BatchConsumer). ``on_error(records, exception)`` is called, on a background thread,
    with every batch given up on (it is also logged as a warning)."""

    def __init__(self, url_prefix: str, flush_max_time: float = _D["flush_max_time"], flush_size: int = _D["flush_size"],
                 max_batch_size: int = _D["max_batch_size"], max_size: int = _D["max_size"],
                 request_timeout: Optional[float] = None, *, spool_dir: Optional[_PathLike] = None,
                 spool_max_bytes: Optional[int] = None, spool_fsync: Optional[bool] = None,
                 on_error: Optional[Callable[[List[str], Exception], Any]] = None,
                 ca_file: Optional[_PathLike] = None, proxy: Optional[str] = None, headers: Optional[Headers] = None,
                 gzip: Optional[bool] = None) -> None:
        self._native = async_batch_consumer(self, _net(ca_file, proxy, headers, gzip), url_prefix, flush_max_time,
                                            flush_size, max_batch_size, max_size, request_timeout,
                                            _path(spool_dir), spool_max_bytes, spool_fsync, on_error)


class _DebugResponse(object):
    """What DebugConsumer._do_request returns, as urllib's response: ``code``, ``read()``."""

    def __init__(self, code: int, body: str) -> None:
        self.code = code
        self._body = body.encode("utf-8")

    def read(self) -> bytes:
        return self._body


class DebugConsumer(_HttpConsumer):
    """Sends each record to the server's debug API (the URL path's last segment becomes
    ``debug``), prints the verdict, and raises SensorsAnalyticsDebugException when the server
    refuses it. With ``write_data=False`` the server only checks (``Dry-Run: true``). The
    network options are DefaultConsumer's."""

    def __init__(self, url_prefix: str, write_data: bool = _D["write_data"],
                 request_timeout: Optional[float] = None, *, ca_file: Optional[_PathLike] = None,
                 proxy: Optional[str] = None, headers: Optional[Headers] = None, gzip: Optional[bool] = None) -> None:
        self._native = debug_consumer(self, _net(ca_file, proxy, headers, gzip), url_prefix, bool(write_data),
                                      request_timeout)

    def _do_request(self, data: FormDict) -> Any:
        """Posts one form to the debug API; returns the response (``code``, ``read()``)."""
        status, body = self._native.request(data)
        return _DebugResponse(status, body)


_OWN_DO_REQUEST = (DefaultConsumer._do_request, DebugConsumer._do_request)
