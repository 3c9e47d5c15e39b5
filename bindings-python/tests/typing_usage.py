"""Checked by mypy --strict in ci.sh (never run): every public name used as a typed program
would use it, so the stubs must accept the whole API."""

import datetime
from typing import Any, Dict, List

import sensorsanalytics
from sensorsanalytics import (
    AsyncBatchConsumer,
    BatchConsumer,
    ConcurrentLoggingConsumer,
    ConsoleConsumer,
    DebugConsumer,
    DefaultConsumer,
    LoggingConsumer,
    SensorsAnalytics,
    SensorsAnalyticsDebugException,
    SensorsAnalyticsException,
    SensorsAnalyticsFileLockException,
    SensorsAnalyticsIdentity,
    SensorsAnalyticsIllegalDataException,
    SensorsAnalyticsNetworkException,
)
from sensorsanalytics.sdk import SDK_VERSION


class MyConsumer(object):
    def __init__(self) -> None:
        self.lines: List[str] = []

    def send(self, msg: str) -> None:
        self.lines.append(msg)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def use_everything(path: str) -> str:
    sa = SensorsAnalytics(LoggingConsumer(path, backupCount=7, when="midnight"), project_name="p",
                          enable_time_free=False)
    sa.register_super_properties({"platform": "web"})
    sa.track("u1", "ViewProduct", {"price": 1.5, "when": datetime.datetime.now(), "day": datetime.date.today(),
                                  "tags": ["a"], "n": None, "ok": True}, is_login_id=False)
    sa.track(42, "E")
    sa.track_signup("u1", "anon", {"channel": "web"})
    sa.profile_set("u1", {"name": "Ann"}, is_login_id=True)
    sa.profile_set_once("u1", {"first": "2024"})
    sa.profile_increment("u1", {"visits": 1})
    sa.profile_append("u1", {"tags": ["x"]})
    sa.profile_unset("u1", ["name"])
    sa.profile_unset("u1", {"name": True})
    sa.profile_delete("u1")
    sa.item_set("book", "b1", {"title": "T"})
    sa.item_delete("book", "b1")
    login = SensorsAnalyticsIdentity(SensorsAnalyticsIdentity.LOGIN_ID, "L1")
    email = SensorsAnalyticsIdentity(SensorsAnalyticsIdentity.EMAIL, "e@x")
    mobile = SensorsAnalyticsIdentity(SensorsAnalyticsIdentity.MOBILE, "138")
    sa.bind(login, email, mobile)
    sa.unbind(email)
    sa.track_by_id("Buy", {"p": 1}, login, email)
    sa.track_by_id("Buy", None, login)
    sa.profile_set_by_id({"a": 1}, login)
    sa.profile_set_once_by_id({"a": 1}, login)
    sa.profile_increment_by_id({"a": 1}, login)
    sa.profile_append_by_id({"a": ["x"]}, login)
    sa.profile_unset_by_id(["a"], login)
    sa.profile_delete_by_id(login, email)
    sa.clear_super_properties()
    sa.flush()
    sa.close()

    with SensorsAnalytics(ConcurrentLoggingConsumer(path, bufferSize=100)) as other:
        other.track("u1", "E")
    SensorsAnalytics(ConsoleConsumer()).track("u1", "E")
    mine = MyConsumer()
    SensorsAnalytics(mine).track("u1", "E")
    sensorsanalytics.set_exit_flush_timeout(2.5)

    url = "http://127.0.0.1:8106/sa?project=default"
    default = DefaultConsumer(url, request_timeout=5000)
    setattr(default, "_do_request", lambda form: True)  # mypy refuses assigning to methods
    SensorsAnalytics(default).track("u1", "E")
    SensorsAnalytics(BatchConsumer(url, max_size=50, request_timeout=None)).flush()
    asynchronous = AsyncBatchConsumer(url, flush_max_time=3, flush_size=20, max_batch_size=100, max_size=1000,
                                      request_timeout=2000)
    counters: Dict[str, Any] = asynchronous.stats()
    SensorsAnalytics(DebugConsumer(url, write_data=False)).close()
    asynchronous.close()
    del counters

    try:
        sa.track("", "E")
    except SensorsAnalyticsIllegalDataException as e:
        return str(e)
    except (SensorsAnalyticsNetworkException, SensorsAnalyticsFileLockException) as e:
        return str(e)
    except SensorsAnalyticsException as e:
        return str(e)
    except SensorsAnalyticsDebugException as e:
        return str(e)
    return SDK_VERSION


def recording() -> List[Dict[str, Any]]:
    from sensorsanalytics.testing import RecordingConsumer

    recorder = RecordingConsumer()
    client = SensorsAnalytics(recorder)
    client.track("u1", "E", {"n": 1})
    client.close()
    lines: List[str] = recorder.lines
    assert recorder.closed and len(recorder) == len(lines)
    purchases: List[Dict[str, Any]] = recorder.events("E")
    recorder.clear()
    return purchases + recorder.records
