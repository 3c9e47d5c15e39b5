"""Sensors Analytics (神策分析) server-side SDK for Python, on the ``sensorsanalytics`` Rust core.

A drop-in for the official ``SensorsAnalyticsSDK`` 1.11.0: same classes, methods, arguments
and exceptions. Records are built, validated and written by the core.
"""

import atexit as _atexit
import os as _os

from . import _native
from .sdk import *  # noqa: F401,F403
from .sdk import __all__ as __all__

# Open clients flush when the interpreter exits, within set_exit_flush_timeout() seconds.
_atexit.register(_native.flush_at_exit)

# A fork waits until no other thread is inside flush()/close() (or a send that may block), so
# that the child never inherits a lock held by a thread it does not have.
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(before=_native.before_fork, after_in_parent=_native.after_fork_in_parent,
                         after_in_child=_native.after_fork_in_child)
