"""atheris: the Python binding's conversion of arbitrary nested objects.

Builds an object graph from the fuzzer's bytes (every type a user may pass, and many that they
should not: sets, bytes, huge ints, NaN, lone surrogates, subclasses, objects whose __str__ or
__eq__ raise, self-containing lists, aware datetimes with odd offsets) and passes it as
properties, ids, names and identities through the public API into a Python consumer.
Invariants: every call returns or raises what the reference raises for misuse (see call());
anything else (a Rust panic surfacing as PanicException, SystemError, RecursionError, a crash)
is a finding; a call that returns emitted exactly one record; every record is one line of
valid JSON.

Coverage: atheris instruments Python code only (this generator and the package's Python half);
the Rust extension is not instrumented, so the search is steered by the shapes of input the
generator produced, not by the Rust branches they reached.

Run by scripts/fuzz.sh in the binding's venv: python fuzz_convert.py [libFuzzer flags].
"""

import datetime
import decimal
import json
import sys

import atheris

with atheris.instrument_imports():
    import sensorsanalytics as sa


class Capture(object):
    def __init__(self):
        self.lines = []

    def send(self, msg):
        self.lines.append(msg)

    def flush(self):
        pass

    def close(self):
        pass


class Weird(object):
    def __str__(self):
        raise RuntimeError("str() refused")

    def __repr__(self):
        raise RuntimeError("repr() refused")


class StrSub(str):
    pass


class IntSub(int):
    pass


class DictSub(dict):
    pass


def make(fdp, depth=0):
    kind = fdp.ConsumeIntInRange(0, 22 if depth < 3 else 12)
    if kind == 0:
        return None
    if kind == 1:
        return fdp.ConsumeBool()
    if kind == 2:
        return fdp.ConsumeInt(fdp.ConsumeIntInRange(1, 12))
    if kind == 3:
        return fdp.ConsumeRegularFloat() if fdp.ConsumeBool() else fdp.ConsumeFloat()
    if kind == 4:
        return fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 40))
    if kind == 5:
        return fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 12))
    if kind == 6:
        return fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 8))
    if kind == 7:
        try:
            base = datetime.datetime(1970, 1, 1) + datetime.timedelta(
                seconds=fdp.ConsumeIntInRange(-2 ** 36, 2 ** 37), microseconds=fdp.ConsumeIntInRange(0, 999999))
        except OverflowError:
            return None
        if fdp.ConsumeBool():
            minutes = fdp.ConsumeIntInRange(-1439, 1439)
            return base.replace(tzinfo=datetime.timezone(datetime.timedelta(minutes=minutes)))
        return base
    if kind == 8:
        return datetime.date.fromordinal(fdp.ConsumeIntInRange(1, 3652059))
    if kind == 9:
        return decimal.Decimal(fdp.ConsumeIntInRange(-10 ** 6, 10 ** 6)) / 7
    if kind == 10:
        return StrSub(fdp.ConsumeUnicode(6))
    if kind == 11:
        return IntSub(fdp.ConsumeInt(4))
    if kind == 12:
        return Weird()
    if kind == 13 or kind == 14:
        return [make(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 5))]
    if kind == 15:
        return tuple(make(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 4)))
    if kind == 16:
        items = set()
        for _ in range(fdp.ConsumeIntInRange(0, 4)):
            v = make(fdp, depth + 1)
            try:
                items.add(v)
            except TypeError:
                pass
        return items if fdp.ConsumeBool() else frozenset(items)
    if kind in (17, 18):
        return make_dict(fdp, depth + 1)
    if kind == 19:
        return DictSub(make_dict(fdp, depth + 1))
    if kind == 20:
        lst = [make(fdp, depth + 1)]
        lst.append(lst)
        return lst
    if kind == 21:
        return float("nan") if fdp.ConsumeBool() else float("-inf")
    return [fdp.ConsumeUnicode(4) for _ in range(fdp.ConsumeIntInRange(0, 6))]


def make_key(fdp, depth):
    if fdp.ConsumeIntInRange(0, 9) == 0:
        k = make(fdp, depth + 3)
        try:
            hash(k)
            return k
        except TypeError:
            return None
    names = ["$time", "$project", "$token", "$is_login_id", "$app_version", "time", "id", "distinct_id",
             "user_group", "original_id", "event", "price", "$lib", "_x"]
    if fdp.ConsumeBool():
        return names[fdp.ConsumeIntInRange(0, len(names) - 1)]
    return fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 110))


def make_dict(fdp, depth):
    d = {}
    for _ in range(fdp.ConsumeIntInRange(0, 6)):
        d[make_key(fdp, depth)] = make(fdp, depth)
    return d


def call(fn, *args):
    """True if the call emitted a record. The reference's own errors for misuse are expected:
    SensorsAnalyticsIllegalDataException for bad data, and the TypeError/AttributeError/
    ValueError that its plain Python raises for an argument of the wrong kind (e.g.
    register_super_properties(None) is dict.update(None) there). A user object's own
    exception (Weird.__str__) may pass through. Anything else is a finding."""
    try:
        fn(*args)
        return True
    except sa.SensorsAnalyticsIllegalDataException:
        return False
    except (TypeError, AttributeError, ValueError) as e:
        if "panic" in str(e).lower():
            raise
        return False
    except RuntimeError as e:
        if str(e) in ("str() refused", "repr() refused"):
            return False
        raise


def one_input(data):
    fdp = atheris.FuzzedDataProvider(data)
    capture = Capture()
    try:
        # A lone surrogate cannot become UTF-8: UnicodeEncodeError (a ValueError), where the
        # reference would write a "\udcXX" escape. Known difference, not a crash.
        client = sa.SensorsAnalytics(capture, project_name=fdp.ConsumeUnicode(4) or None,
                                     enable_time_free=fdp.ConsumeBool())
    except UnicodeEncodeError:
        return
    ok = 0
    for _ in range(fdp.ConsumeIntInRange(1, 6)):
        op = fdp.ConsumeIntInRange(0, 8)
        props = make(fdp) if fdp.ConsumeIntInRange(0, 3) == 0 else make_dict(fdp, 0)
        did = make(fdp, 3) if fdp.ConsumeIntInRange(0, 4) == 0 else fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 260))
        name = make(fdp, 3) if fdp.ConsumeIntInRange(0, 4) == 0 else make_key(fdp, 0)
        login = make(fdp, 3) if fdp.ConsumeIntInRange(0, 6) == 0 else fdp.ConsumeBool()
        if op == 0:
            ok += call(client.track, did, name, props, login)
        elif op == 1:
            ok += call(client.profile_set, did, props, login)
        elif op == 2:
            ok += call(client.profile_append, did, props, login)
        elif op == 3:
            ok += call(client.profile_increment, did, props, login)
        elif op == 4:
            call(client.register_super_properties, props)
        elif op == 5:
            ok += call(client.item_set, name, did, props)
        elif op == 6:
            ok += call(client.track_signup, did, make(fdp, 3), props)
        elif op == 7:
            ok += call(client.profile_unset, did, props, login)
        else:
            ok += call(client.profile_set_once, did, props, login)
    assert len(capture.lines) == ok, (len(capture.lines), ok)
    for line in capture.lines:
        assert "\n" not in line, line
        json.loads(line)


if __name__ == "__main__":
    # Coverage of this file's generator and of the package's Python half steers the search
    # towards new shapes of input; the Rust side gives no feedback (see the docstring).
    # (instrument_all() fails on much of 3.11's standard library with atheris 2.3.0.)
    make = atheris.instrument_func(make)
    make_key = atheris.instrument_func(make_key)
    make_dict = atheris.instrument_func(make_dict)
    call = atheris.instrument_func(call)
    atheris.Setup(sys.argv, atheris.instrument_func(one_input))
    atheris.Fuzz()
