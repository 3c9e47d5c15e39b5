"""The local Kafka broker for the KafkaConsumer tests, through tests/kafka/tool
(``sa-kafka-tool``, built by ci.sh; its path in SA_KAFKA_TOOL): start, create a topic, read a
topic back with a consumer group."""

import fcntl
import json
import os
import shutil
import subprocess
import time
from typing import Any, Dict, List

import pytest


def _tool() -> str:
    path = os.environ.get("SA_KAFKA_TOOL", "")
    if not path or not os.path.exists(path):
        _skip("SA_KAFKA_TOOL does not name a built sa-kafka-tool")
    return path


def _skip(why: str) -> None:
    if os.environ.get("SA_REQUIRE_KAFKA") == "1":
        pytest.fail("SA_REQUIRE_KAFKA=1 but " + why)
    pytest.skip(why)


def broker() -> str:
    """The bootstrap address, the broker started if needed."""
    r = subprocess.run([_tool(), "broker"], capture_output=True, text=True)
    if r.returncode == 3:
        _skip(r.stderr.strip())
    if r.returncode != 0:
        raise RuntimeError("sa-kafka-tool broker: " + r.stderr)
    return r.stdout.strip()


def new_topic(bootstrap: str, prefix: str, partitions: int = 3) -> str:
    name = "%s-%d-%d" % (prefix, os.getpid(), time.time_ns())
    subprocess.run([_tool(), "create", bootstrap, name, str(partitions)], check=True)
    return name


def read(bootstrap: str, topic: str, count: int, timeout: float = 60) -> List[Dict[str, Any]]:
    """Every message (partition, offset, key, value), in each partition's order."""
    r = subprocess.run([_tool(), "read", bootstrap, topic, str(count), str(timeout)],
                       capture_output=True, text=True, check=True)
    return [json.loads(line) for line in r.stdout.splitlines()]


def key_of(record: str) -> str:
    """The key KafkaConsumer gives a record: distinct_id, or item_type:item_id for items."""
    r = json.loads(record)
    if r.get("type", "").startswith("item_"):
        return "%s:%s" % (r["item_type"], r["item_id"])
    return r["distinct_id"]


class OwnBroker(object):
    """A broker of one test's own (tests/kafka/start.sh with its own SA_KAFKA_HOME), for tests
    that stop and restart it: the shared broker other tests use is never disturbed. Data is
    kept across ``restart()``, at the same address."""

    def __init__(self, name: str) -> None:
        for tool in ("java", "mvn"):
            if shutil.which(tool) is None:
                _skip(tool + " is not installed, so there is no local Kafka broker")
        shared = os.environ.get("SA_KAFKA_HOME") or "/tmp/sa-kafka-%d" % os.getuid()
        self.home = "%s-%s" % (shared, name)
        # One user of this broker at a time (ci.sh runs two Python versions at once): the
        # lock is held until close().
        self._lock = open(self.home + ".lock", "w")
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        self._script("stop.sh")
        self.bootstrap = self._script("start.sh")

    def _script(self, name: str, keep_data: bool = False) -> str:
        env = dict(os.environ, SA_KAFKA_HOME=self.home, SA_KAFKA_KEEP_DATA="1" if keep_data else "0")
        r = subprocess.run(["bash", os.path.join(_KAFKA_DIR, name)], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("%s: %s" % (name, r.stderr))
        return r.stdout.strip()

    def stop(self) -> None:
        self._script("stop.sh")

    def close(self) -> None:
        """Stops the broker and lets the next user have it."""
        try:
            self._script("stop.sh")
        finally:
            self._lock.close()

    def restart(self) -> None:
        again = self._script("start.sh", keep_data=True)
        assert again == self.bootstrap, "the broker came back at another address: " + again


_KAFKA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "kafka")
