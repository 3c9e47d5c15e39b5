"""Everything the reference's ``sensorsanalytics.sdk`` module offers, under the same names.

``from sensorsanalytics.sdk import SensorsAnalytics`` works as with the reference SDK.
"""

from ._native import (
    SDK_VERSION,
    SensorsAnalytics,
    SensorsAnalyticsDebugException,
    SensorsAnalyticsException,
    SensorsAnalyticsFileLockException,
    SensorsAnalyticsIdentity,
    SensorsAnalyticsIllegalDataException,
    SensorsAnalyticsNetworkException,
    set_exit_flush_timeout,
)
from .consumer import (
    AsyncBatchConsumer,
    BatchConsumer,
    ConcurrentLoggingConsumer,
    ConsoleConsumer,
    DebugConsumer,
    DefaultConsumer,
    LoggingConsumer,
)
from .kafka_consumer import KafkaConsumer

__all__ = [
    "SDK_VERSION",
    "SensorsAnalytics",
    "SensorsAnalyticsIdentity",
    "SensorsAnalyticsException",
    "SensorsAnalyticsIllegalDataException",
    "SensorsAnalyticsNetworkException",
    "SensorsAnalyticsFileLockException",
    "SensorsAnalyticsDebugException",
    "DefaultConsumer",
    "BatchConsumer",
    "AsyncBatchConsumer",
    "KafkaConsumer",
    "DebugConsumer",
    "ConsoleConsumer",
    "LoggingConsumer",
    "ConcurrentLoggingConsumer",
    "set_exit_flush_timeout",
]
