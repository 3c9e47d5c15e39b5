"""KafkaConsumer: each record, the same JSON line the other consumers write, as one message
on a Kafka topic (the one a Flink job or any pipeline already reads)."""

from typing import Any, Callable, Dict, List, Optional, Union

from ._native import DEFAULTS as _D, kafka_consumer
from .consumer import _NativeConsumer, _path, _PathLike

__all__ = ["KafkaConsumer"]


class KafkaConsumer(_NativeConsumer):
    """Produces each record to ``topic`` on the Kafka cluster at ``bootstrap_servers``
    (``"host:port[,host:port]"``), keyed by its ``distinct_id`` (``item_type:item_id`` for
    items) so that one user's records stay in order, with ``acks=all``, idempotence and lz4.

    ``send`` only queues (``max_size`` records at most; a full queue raises
    SensorsAnalyticsNetworkException); librdkafka delivers in the background and retries for
    up to ``message.timeout.ms`` (5 minutes). ``settings`` are librdkafka's (SASL, TLS,
    ``client.id``, ``linger.ms``, ...), applied after ours. ``flush()`` and ``close()`` wait
    up to 10 s for delivery and raise SensorsAnalyticsNetworkException with what is still
    pending or was given up on; ``on_error(records, exception)`` is called, on a background
    thread, with every record given up on (it is also logged as a warning).

    With ``spool_dir`` (and ``spool_max_bytes``, ``spool_fsync``, as for AsyncBatchConsumer),
    what librdkafka cannot deliver is written to that directory instead of being given up on:
    records the broker did not take within ``message.timeout.ms``, records that meet a full
    queue, and what is still undelivered when ``close()``'s bound runs out. A background
    thread produces them again once the broker is back; the next process that opens the same
    directory sends what an earlier one left. ``stats()`` then also counts ``spooled`` and
    ``replayed``."""

    def __init__(self, bootstrap_servers: str, topic: str, max_size: int = _D["kafka_max_size"],
                 settings: Optional[Dict[str, Union[str, int, float, bool]]] = None, *,
                 on_error: Optional[Callable[[List[str], Exception], Any]] = None,
                 spool_dir: Optional[_PathLike] = None, spool_max_bytes: Optional[int] = None,
                 spool_fsync: Optional[bool] = None) -> None:
        self._native = kafka_consumer(bootstrap_servers, topic, max_size, settings, on_error,
                                      _path(spool_dir), spool_max_bytes, spool_fsync)

    def stats(self) -> Dict[str, Any]:
        """Counters: sent (acknowledged by the brokers), failed (given up on), dropped
        (refused by send), queue_depth (not yet acknowledged), last_error, and the HTTP
        consumers' other keys (always 0 here)."""
        return self._native.stats()
