"""Helpers for your own unit tests: ``RecordingConsumer`` keeps every record in memory.

    from sensorsanalytics import SensorsAnalytics
    from sensorsanalytics.testing import RecordingConsumer

    recorder = RecordingConsumer()
    sa = SensorsAnalytics(recorder)
    checkout(sa, cart)                        # your code
    assert recorder.records[-1]["event"] == "Purchase"
    assert recorder.records[-1]["properties"]["price"] == 12.5

Nothing is sent or written; the records are the exact lines another consumer would get.
"""

import json
from typing import Any, Dict, List

from ._native import NativeRecording
from .consumer import _NativeConsumer

__all__ = ["RecordingConsumer"]


class RecordingConsumer(_NativeConsumer):
    """A consumer that keeps each record, parsed, in memory (the core's recording consumer)."""

    def __init__(self) -> None:
        self._recording = NativeRecording()
        self._native = self._recording.consumer()

    @property
    def records(self) -> List[Dict[str, Any]]:
        """The records so far, oldest first, each as ``json.loads`` gives it."""
        return [json.loads(line) for line in self._recording.lines()]

    @property
    def lines(self) -> List[str]:
        """The records so far as the JSON lines another consumer would write or send."""
        return self._recording.lines()

    def events(self, name: str) -> List[Dict[str, Any]]:
        """The ``track`` records of event ``name``, oldest first."""
        return [r for r in self.records if r.get("event") == name]

    def clear(self) -> None:
        """Forgets the records so far."""
        self._recording.clear()

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called (by the client's ``close()``, typically)."""
        return self._recording.closed

    def __len__(self) -> int:
        return len(self._recording)
