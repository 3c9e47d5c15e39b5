"""The public API: classes, methods, exceptions, values, and the Python-side contract."""

import copy
import datetime
import inspect
import json
import time
import threading
import unittest.mock

import pytest

import sensorsanalytics as sa
from sensorsanalytics import (
    SensorsAnalytics,
    SensorsAnalyticsDebugException,
    SensorsAnalyticsException,
    SensorsAnalyticsFileLockException,
    SensorsAnalyticsIdentity,
    SensorsAnalyticsIllegalDataException,
    SensorsAnalyticsNetworkException,
)
from vector_runner import Capture


def records(cap):
    return [json.loads(l) for l in cap.lines]


@pytest.fixture
def cap():
    return Capture()


@pytest.fixture
def client(cap):
    return SensorsAnalytics(cap)


# -- exceptions -------------------------------------------------------------------------

def test_exception_hierarchy():
    for exc in (SensorsAnalyticsIllegalDataException, SensorsAnalyticsNetworkException,
                SensorsAnalyticsFileLockException):
        assert issubclass(exc, SensorsAnalyticsException)
    assert issubclass(SensorsAnalyticsException, Exception)
    assert issubclass(SensorsAnalyticsDebugException, Exception)
    assert not issubclass(SensorsAnalyticsDebugException, SensorsAnalyticsException)
    assert SensorsAnalyticsException.__module__ == "sensorsanalytics"
    e = SensorsAnalyticsIllegalDataException("boom")
    assert str(e) == "boom"


def test_sdk_module_alias():
    from sensorsanalytics import sdk
    assert sdk.SensorsAnalytics is SensorsAnalytics
    assert set(sa.__all__) >= {"SensorsAnalytics", "SensorsAnalyticsIdentity", "ConsoleConsumer", "LoggingConsumer",
                               "ConcurrentLoggingConsumer", "SensorsAnalyticsDebugException"}


def test_errors_carry_reference_texts(client):
    with pytest.raises(SensorsAnalyticsIllegalDataException, match=r"property \[distinct_id\] must not be empty"):
        client.track(None, "Test", {"From": "Baidu"})
    with pytest.raises(SensorsAnalyticsIllegalDataException, match="must be a timestamp in microseconds"):
        client.track(1234, "Test", {"$time": 1234})
    with pytest.raises(SensorsAnalyticsIllegalDataException, match=r"property key must be a str. \[key=123\]"):
        client.track(1234, "Test", {123: "Baidu"})
    with pytest.raises(SensorsAnalyticsIllegalDataException,
                       match=r"property value must be a str/int/float/datetime/date/list. \[value=<class 'dict'>\]"):
        client.track(1234, "TestEvent", {"TestProperty": {}})
    with pytest.raises(SensorsAnalyticsIllegalDataException, match=r"\[list\] property's value must be a str"):
        client.track(1234, "TestEvent", {"TestProperty": [123]})


# -- identities -------------------------------------------------------------------------

def test_identity_class():
    assert SensorsAnalyticsIdentity.LOGIN_ID == "$identity_login_id"
    assert SensorsAnalyticsIdentity.MOBILE == "$identity_mobile"
    assert SensorsAnalyticsIdentity.EMAIL == "$identity_email"
    i = SensorsAnalyticsIdentity("$identity_email", "a@b.c")
    assert (i.key, i.value) == ("$identity_email", "a@b.c")
    i.value = "x@y.z"
    assert i.value == "x@y.z"

    class Mine(SensorsAnalyticsIdentity):
        pass
    assert isinstance(Mine("k", "v"), SensorsAnalyticsIdentity)


def test_id_mapping_methods(client, cap):
    login = SensorsAnalyticsIdentity(SensorsAnalyticsIdentity.LOGIN_ID, "L1")
    email = SensorsAnalyticsIdentity(SensorsAnalyticsIdentity.EMAIL, "e@x")
    client.bind(login, email)
    client.bind(first_identity=login, second_identity=email)
    client.unbind(email)
    client.track_by_id("Buy", {"p": 1}, login)
    client.profile_set_by_id({"a": 1}, email)
    client.profile_set_once_by_id({"a": 1}, email)
    client.profile_increment_by_id({"n": 2}, email)
    client.profile_append_by_id({"l": ["x"]}, email)
    client.profile_unset_by_id(["a"], email)
    client.profile_delete_by_id(email)
    types = [r["type"] for r in records(cap)]
    assert types == ["track_id_bind", "track_id_bind", "track_id_unbind", "track", "profile_set", "profile_set_once",
                     "profile_increment", "profile_append", "profile_unset", "profile_delete"]
    assert records(cap)[0]["identities"] == {"$identity_login_id": "L1", "$identity_email": "e@x"}
    with pytest.raises(SensorsAnalyticsIllegalDataException, match="Identity type must be SensorsAnalyticsIdentity"):
        client.unbind("L1")
    with pytest.raises(TypeError):
        client.bind(login, email, first_identity=login)


# -- methods ----------------------------------------------------------------------------

def test_every_method_writes_its_record(client, cap):
    client.track("u1", "ViewProduct", {"price": 1.5}, is_login_id=True)
    client.track_signup("u1", "anon", {"channel": "web"})
    client.profile_set("u1", {"name": "Ann"})
    client.profile_set_once("u1", {"first": "2024"})
    client.profile_increment("u1", {"visits": 1})
    client.profile_append("u1", {"tags": ["a"]})
    client.profile_unset("u1", ["name"])
    client.profile_unset("u1", {"first": True})
    client.profile_delete("u1")
    client.item_set("book", "b1", {"title": "T"})
    client.item_delete("book", "b1")
    out = records(client._consumer)
    assert [r["type"] for r in out] == [
        "track", "track_signup", "profile_set", "profile_set_once", "profile_increment", "profile_append",
        "profile_unset", "profile_unset", "profile_delete", "item_set", "item_delete"]
    assert out[0]["properties"]["$is_login_id"] is True
    assert out[0]["lib"]["$lib"] == "python" and out[0]["properties"]["$lib"] == "python"
    assert out[6]["properties"] == {"name": True}
    assert out[8]["properties"] == {}
    assert "distinct_id" not in out[9] and "_track_id" not in out[9]


def test_super_properties(client, cap):
    client.register_super_properties({"app": "shop", "$app_version": "1.2"})
    client.register_super_properties([("plan", "pro")])  # whatever dict.update takes
    client.track("u1", "E", {"app": "override"})
    client.profile_set("u1", {"a": 1})
    client.clear_super_properties()
    client.track("u1", "E")
    t1, p, t2 = records(cap)
    assert list(t1["properties"])[:4] == ["$lib", "$lib_version", "app", "$app_version"]
    assert t1["properties"]["app"] == "override" and t1["properties"]["plan"] == "pro"
    assert t1["lib"]["$app_version"] == "1.2"
    assert "app" not in p["properties"]
    assert set(t2["properties"]) == {"$lib", "$lib_version"}


def test_constructor_options():
    cap = Capture()
    client = SensorsAnalytics(cap, "my_project", True)
    client.track("u", "E")
    r = records(cap)[0]
    assert r["project"] == "my_project" and r["time_free"] is True
    assert SensorsAnalytics(consumer=cap, project_name=None, enable_time_free=False)


def test_signatures():
    sig = inspect.signature(SensorsAnalytics.track)
    assert list(sig.parameters) == ["self", "distinct_id", "event_name", "properties", "is_login_id"]
    assert sig.parameters["is_login_id"].default is False
    assert list(inspect.signature(SensorsAnalytics.bind).parameters) == [
        "self", "first_identity", "second_identity", "other_identities"]


def test_context_manager_closes(tmp_path):
    path = tmp_path / "events.log"
    with SensorsAnalytics(sa.LoggingConsumer(str(path))) as client:
        client.track("u1", "E")
    assert len(path.read_text().splitlines()) == 1
    with pytest.raises(SensorsAnalyticsFileLockException):
        client.track("u1", "AfterClose")


# -- values -----------------------------------------------------------------------------

def test_value_types(client, cap):
    aware = datetime.datetime(2024, 2, 29, 23, 59, 58, 7000, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    client.track("u1", "E", {
        "s": "é中😀", "i": -3, "big": 2 ** 63 - 1, "f": 0.1, "t": True, "fa": False, "n": None,
        "l": ["a", "b"], "d": datetime.date(2023, 1, 9), "dt": aware,
        "naive": datetime.datetime(2022, 7, 4, 12, 34, 56, 1000)})
    p = records(cap)[0]["properties"]
    assert p["s"] == "é中😀" and p["i"] == -3 and p["big"] == 2 ** 63 - 1 and p["f"] == 0.1
    assert p["t"] is True and p["fa"] is False and p["n"] is None and p["l"] == ["a", "b"]
    assert p["d"] == "2023-01-09" and p["dt"] == "2024-02-29 23:59:58.007" and p["naive"] == "2022-07-04 12:34:56.001"


def test_subclasses_of_value_types(client, cap):
    import enum

    class Color(str, enum.Enum):
        RED = "red"

    class Level(enum.IntEnum):
        HIGH = 3

    class Tags(list):
        pass

    class Stamp(datetime.datetime):
        def isoformat(self, *a, **k):  # a subclass's override is not what we read
            return "nonsense"

    client.track("u1", "E", {"c": Color.RED, "lv": Level.HIGH, "tags": Tags(["x"]),
                             "st": Stamp(2020, 1, 2, 3, 4, 5)})
    p = records(cap)[0]["properties"]
    assert p["c"] == "red" and p["lv"] == 3 and p["tags"] == ["x"] and p["st"] == "2020-01-02 03:04:05.000"


def test_int_beyond_64_bits(client):
    with pytest.raises(SensorsAnalyticsIllegalDataException, match=r"64-bit range. \[key=n\]"):
        client.track("u1", "E", {"n": 2 ** 64})
    with pytest.raises(SensorsAnalyticsIllegalDataException, match="timestamp"):
        client.track("u1", "E", {"$time": 10 ** 30})


def test_int_ids_are_strings(client, cap):
    client.track(1234, "E")
    client.track_signup(5, 6)
    client.item_set("book", 7)
    assert [r.get("distinct_id", r.get("item_id")) for r in records(cap)] == ["1234", "5", "7"]
    assert records(cap)[1]["original_id"] == "6"


def test_time(client, cap):
    client.track("u1", "E", {"$time": 1437816376})
    client.track("u1", "E", {"$time": "1437816376000"})
    client.track("u1", "E", {"$time": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)})
    assert [r["time"] for r in records(cap)] == [1437816376000, 1437816376000, 1704067200000]


def test_callers_dict_is_never_modified(client):
    props = {"$time": 1700000000, "$project": "p", "$token": "t", "a": ["x"], "b": {"nested": 1}}
    profile = {"$time": 1700000000, "name": "Ann"}
    before, before_profile = copy.deepcopy(props), copy.deepcopy(profile)
    client.profile_set("u1", profile, is_login_id=True)
    with pytest.raises(SensorsAnalyticsIllegalDataException):
        client.track("u1", "E", props)
    del props["b"], before["b"]
    client.track("u1", "E", props, is_login_id=True)
    client.item_set("book", "b1", props)
    assert props == before and profile == before_profile


def test_lib_detail_names_the_call_site(client, cap):
    class Shop:
        def checkout(self):
            client.track("u1", "Buy")

    Shop().checkout()
    line = inspect.currentframe().f_lineno - 1
    cls, func, path, lineno = records(cap)[0]["lib"]["$lib_detail"].split("##")
    assert func == "checkout" and path == __file__
    assert int(lineno) == line - 2
    assert cls in ("Shop", "")  # from co_qualname, on Python 3.11+


def test_concurrent_tracking(tmp_path):
    client = SensorsAnalytics(sa.ConcurrentLoggingConsumer(str(tmp_path / "c"), 10))

    def work(n):
        for i in range(500):
            client.track("u%d" % n, "E", {"i": i})

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    lines = [l for f in tmp_path.iterdir() for l in f.read_text().splitlines()]
    assert len(lines) == 2000 and all(json.loads(l)["event"] == "E" for l in lines)


# -- consumers --------------------------------------------------------------------------

def test_console_consumer_prints_through_sys_stdout(capsys):
    client = SensorsAnalytics(sa.ConsoleConsumer())
    client.track("u1", "E", {"a": 1})
    client.flush()
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and json.loads(out[0])["properties"]["a"] == 1


def test_logging_consumer(tmp_path):
    path = tmp_path / "sa.log"
    consumer = sa.LoggingConsumer(str(path), backupCount=3, when="H")
    client = SensorsAnalytics(consumer)
    for i in range(3):
        client.track("u1", "E", {"i": i})
    client.flush()
    assert [json.loads(l)["properties"]["i"] for l in path.read_text().splitlines()] == [0, 1, 2]
    client.close()
    with pytest.raises(ValueError, match="Invalid rollover interval specified: X"):
        sa.LoggingConsumer(str(tmp_path / "x.log"), when="x")
    with pytest.raises(OSError):
        sa.LoggingConsumer(str(tmp_path / "missing" / "dir" / "x.log"))


def test_concurrent_logging_consumer(tmp_path):
    prefix = tmp_path / "events"
    client = SensorsAnalytics(sa.ConcurrentLoggingConsumer(prefix, bufferSize=2))
    client.track("u1", "A")
    client.track("u1", "B")
    assert not list(tmp_path.glob("events.*"))[0].read_text()  # buffered: more than bufferSize writes
    client.track("u1", "C")
    today = datetime.date.today().strftime("%Y-%m-%d")
    path = tmp_path / ("events." + today)
    # The full buffer goes to a writer thread: its lines land just after the call (ours; the
    # reference writes during it), without a flush.
    deadline = time.monotonic() + 10
    while len(path.read_text().splitlines()) < 3 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert len(path.read_text().splitlines()) == 3
    client.close()


def test_user_consumer_and_its_exceptions():
    class Boom(Exception):
        pass

    class Failing(object):
        def send(self, msg):
            raise Boom("send failed")

        def flush(self):
            raise Boom("flush failed")

        def close(self):
            pass

    client = SensorsAnalytics(Failing())
    with pytest.raises(Boom, match="send failed"):
        client.track("u1", "E")
    with pytest.raises(Boom, match="flush failed"):
        client.flush()
    # The next error is the SDK's again, not a leftover.
    with pytest.raises(SensorsAnalyticsIllegalDataException):
        client.track("", "E")


def test_mock_consumer():
    consumer = unittest.mock.Mock()
    client = SensorsAnalytics(consumer)
    client.track("u1", "E")
    client.flush()
    client.close()
    (msg,), _ = consumer.send.call_args
    assert json.loads(msg)["event"] == "E"
    consumer.flush.assert_called_once_with()
    consumer.close.assert_called_once_with()


def test_no_consumer_fails_as_the_reference():
    client = SensorsAnalytics()
    with pytest.raises(AttributeError):
        client.track("u1", "E")


def test_subclass_overriding_send_is_called(tmp_path):
    seen = []

    class Tee(sa.LoggingConsumer):
        def send(self, msg):
            seen.append(msg)
            super().send(msg)

    client = SensorsAnalytics(Tee(str(tmp_path / "t.log")))
    client.track("u1", "E")
    client.close()
    assert len(seen) == 1 and (tmp_path / "t.log").read_text().strip() == seen[0]


def test_subclassing_the_client(cap):
    class MyClient(SensorsAnalytics):
        def track_view(self, user):
            self.track(user, "View")

    MyClient(cap).track_view("u1")
    assert records(cap)[0]["event"] == "View"


def test_subclass_with_its_own_init(tmp_path):
    class Analytics(SensorsAnalytics):
        def __init__(self, path):
            super().__init__(sa.LoggingConsumer(path), project_name="shop")
            self.path = path

    a = Analytics(str(tmp_path / "a.log"))
    a.track("u1", "E")
    a.close()
    assert json.loads((tmp_path / "a.log").read_text())["project"] == "shop"

    class Forgetful(SensorsAnalytics):
        def __init__(self):
            pass

    with pytest.raises(AttributeError, match="__init__ was not called"):
        Forgetful().track("u1", "E")


def test_dict_subclasses_keep_their_own_order(client, cap):
    import collections
    od = collections.OrderedDict([("a", 1), ("b", 2), ("c", 3)])
    od.move_to_end("a")
    client.track("u1", "E", od)
    client.profile_set("u1", collections.defaultdict(int, {"x": 1}))
    first, second = records(cap)
    assert [k for k in first["properties"] if not k.startswith("$")] == ["b", "c", "a"]
    assert second["properties"] == {"x": 1}
