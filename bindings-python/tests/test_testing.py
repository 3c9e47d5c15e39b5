"""sensorsanalytics.testing.RecordingConsumer: records kept in memory for users' own tests."""

import json

import pytest

import sensorsanalytics as sa
from sensorsanalytics.testing import RecordingConsumer


def test_records_are_kept_parsed_in_order():
    recorder = RecordingConsumer()
    client = sa.SensorsAnalytics(recorder, project_name="p")
    client.track("u1", "ViewProduct", {"price": 12.5, "tags": ["a", "b"]})
    client.track_signup("u1", "anon-1")
    client.profile_set("u1", {"vip": True}, is_login_id=True)
    client.item_set("book", "b1", {"title": "T"})
    assert len(recorder) == 4
    first = recorder.records[0]
    assert first["event"] == "ViewProduct"
    assert first["distinct_id"] == "u1"
    assert first["project"] == "p"
    assert first["properties"]["price"] == 12.5
    assert first["properties"]["tags"] == ["a", "b"]
    assert [r["type"] for r in recorder.records] == ["track", "track_signup", "profile_set", "item_set"]
    assert [json.loads(l) for l in recorder.lines] == recorder.records
    assert [r["event"] for r in recorder.events("ViewProduct")] == ["ViewProduct"]
    assert not recorder.closed
    client.close()
    assert recorder.closed
    assert len(recorder.records) == 4  # still there after close
    recorder.clear()
    assert recorder.records == [] and len(recorder) == 0


def test_send_directly_and_refusal_of_what_is_not_a_record():
    recorder = RecordingConsumer()
    recorder.send('{"a": 1}')
    assert recorder.records == [{"a": 1}]
    with pytest.raises(sa.SensorsAnalyticsIllegalDataException):
        recorder.send("not json")


def test_validation_errors_record_nothing():
    recorder = RecordingConsumer()
    client = sa.SensorsAnalytics(recorder)
    with pytest.raises(sa.SensorsAnalyticsIllegalDataException):
        client.track("u1", "bad name!")
    assert recorder.records == []
