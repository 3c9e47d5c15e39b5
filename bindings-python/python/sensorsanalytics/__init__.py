"""Sensors Analytics (神策分析) server-side SDK for Python, on the ``sensorsanalytics`` Rust core.

A drop-in for the official ``SensorsAnalyticsSDK`` 1.11.0: same classes, methods, arguments
and exceptions. Records are built, validated and written by the core.
"""

import atexit as _atexit

from . import _native
from .sdk import *  # noqa: F401,F403
from .sdk import __all__ as __all__

# Open clients flush when the interpreter exits, within set_exit_flush_timeout() seconds.
_atexit.register(_native.flush_at_exit)
