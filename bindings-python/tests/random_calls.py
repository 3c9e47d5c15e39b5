"""Seeded random calls for the differential test, in the vector format (vector_runner.py).

Valid and invalid input alike: bad names, ids, values, identities and timestamps, so that
both SDKs' errors are compared too. Left out: the inputs where docs/SPEC.md marks our behaviour
**ours** (NaN and infinities, ints beyond 64 bits, ints as original_id/item_id, non-dict
properties, None profiles, non-str event names, names with a trailing newline or non-ASCII
letters, bools as increments, aware datetimes as `$time`, fewer than two identities for
bind, non-numeric `$time` strings), and inputs where the reference fails with a Python
error of its own rather than an SDK exception (a non-str `$project`).
"""

import random
import string

LOGIN = "$identity_login_id"
MOBILE = "$identity_mobile"
EMAIL = "$identity_email"

RESERVED = ["distinct_id", "Original_ID", "time", "properties", "id", "first_id", "second_id", "users",
            "events", "event", "event_id", "device_id", "user_id", "date", "DateTime", "user_group_x", "user_tag1"]


class Gen(object):
    def __init__(self, seed):
        self.r = random.Random(seed)

    def chance(self, p):
        return self.r.random() < p

    # -- names and ids --------------------------------------------------------------------
    def valid_name(self):
        first = self.r.choice(string.ascii_letters + "_$")
        n = self.r.choice([0, 1, 3, 8, 20, 99]) if self.chance(0.1) else self.r.randint(0, 12)
        rest = "".join(self.r.choice(string.ascii_letters + string.digits + "_$") for _ in range(n))
        name = first + rest
        if name.lower() in [x.lower() for x in RESERVED] or name.lower().startswith(("user_group", "user_tag")):
            return "n" + name[1:]
        return name

    def name(self, bad=0.05):
        if self.chance(bad):
            return self.r.choice(["", "1abc", "a b", "a-b", "中文", "x" * 101, "é"] + RESERVED)
        return self.valid_name()

    def text(self, max_len=12):
        alphabet = string.ascii_letters + string.digits + " _-.,\"\\/\t\n中文😀é\u2028\x00"
        return "".join(self.r.choice(alphabet) for _ in range(self.r.randint(0, max_len)))

    def distinct_id(self):
        p = self.r.random()
        if p < 0.04:
            return self.r.choice(["", None, "d" * 256])
        if p < 0.12:
            return self.r.randint(-10 ** 12, 10 ** 12)
        if p < 0.14:
            return "d" * 255
        return self.text(20) or "u"

    def item_id(self):
        if self.chance(0.04):
            return self.r.choice(["", None, "i" * 256])
        return self.text(20) or "i"

    # -- values ---------------------------------------------------------------------------
    def datetime(self, aware=True):
        y, mo, d = self.r.randint(1971, 2037), self.r.randint(1, 12), self.r.randint(1, 28)
        h, mi, s, ms = self.r.randint(0, 23), self.r.randint(0, 59), self.r.randint(0, 59), self.r.randint(0, 999)
        text = "%04d-%02d-%02dT%02d:%02d:%02d.%03d" % (y, mo, d, h, mi, s, ms)
        if aware and self.chance(0.5):
            text += self.r.choice(["+08:00", "+00:00", "-05:30", "+13:45"])
        return {"$datetime": text}

    def value(self, bad=0.015):
        p = self.r.random()
        if p < bad:
            return self.r.choice([{"nested": 1}, {"$tuple": ["a"]}, ["a", 1], [None], "s" * 8192, ["x", 1.5]])
        kinds = ["str", "int", "float", "bool", "none", "list", "date", "datetime", "long"]
        kind = self.r.choice(kinds)
        if kind == "str":
            return self.text()
        if kind == "int":
            return self.r.choice([0, 1, -1, 2 ** 53, -(2 ** 63), 2 ** 63 - 1, self.r.randint(-10 ** 9, 10 ** 9)])
        if kind == "float":
            return self.r.choice([0.0, -2.5, 1e20, 1e-7, 123456.789, self.r.uniform(-1e6, 1e6)])
        if kind == "bool":
            return self.chance(0.5)
        if kind == "none":
            return None
        if kind == "list":
            return [self.text(6) for _ in range(self.r.randint(0, 3))]
        if kind == "date":
            return {"$date": "%04d-%02d-%02d" % (self.r.randint(1971, 2037), self.r.randint(1, 12), self.r.randint(1, 28))}
        if kind == "datetime":
            return self.datetime()
        return "s" * self.r.choice([8191, 100, 1000])

    def time_value(self):
        return self.r.choice([
            1700000000, 1700000000123, 17000000001, 170000000012, 123, 12345678901234,
            "1700000000", "1700000000123", " 1700000000 ", 0, "", False, True, 1700000000.75,
            -123456789, self.datetime(aware=False),
        ])

    def key(self, bad=0.03, special=True):
        if self.chance(bad):
            return self.r.choice(["", "1k", "a b", "time", "Event", "user_tag", "k" * 101])
        if special and self.chance(0.08):
            return self.r.choice(["$time", "$project", "$token", "$is_login_id", "$app_version", "$os"])
        return self.valid_name()

    def special(self, key):
        if key == "$time":
            return self.time_value()
        if key == "$project":
            return self.r.choice(["proj_a", "", None, "bad project", "p" * 100])
        if key == "$token":
            return self.r.choice(["tok", None, 5, "", "t" * 30])
        if key == "$is_login_id":
            return self.chance(0.5)
        return self.value()

    def props(self, n_max=6, bad=0.015, n_min=0):
        out = {}
        for _ in range(self.r.randint(n_min, n_max)):
            k = self.key(bad=bad)
            out[k] = self.special(k)
        if self.chance(0.02):
            out["\x00int:%d" % self.r.randint(0, 9)] = 1  # a key that is not a str (vector_runner.decode)
        return out

    def identity(self, key=None, bad=0.03):
        if self.chance(bad):
            return self.r.choice([
                "not an identity", {"key": "1bad", "value": "v"}, {"key": "k", "value": "   "},
                {"key": "k", "value": 5}, {"key": "k", "value": "v" * 256}, {"key": 7, "value": "v"},
            ])
        key = key or self.r.choice([LOGIN, MOBILE, EMAIL, "$identity_anonymous_id", self.valid_name()])
        return {"key": key, "value": self.text(10).strip() or "v"}

    def identities(self, n_min=1):
        if n_min < 2 and self.chance(0.03):
            return []
        n = self.r.randint(n_min, 3)
        keys = self.r.sample([LOGIN, MOBILE, EMAIL, "$identity_anonymous_id", self.valid_name()], n)
        ids = [self.identity(key=k) for k in keys]
        if self.chance(0.03) and len(ids) >= 2 and all(isinstance(i, dict) for i in ids[:2]):
            ids[1] = dict(ids[1], key=ids[0]["key"])  # a duplicate key
        return ids

    # -- calls ----------------------------------------------------------------------------
    def call(self):
        m = self.r.choices(
            ["track", "track_signup", "profile_set", "profile_set_once", "profile_increment", "profile_append",
             "profile_unset", "profile_delete", "item_set", "item_delete", "register_super_properties",
             "clear_super_properties", "bind", "unbind", "track_by_id", "profile_set_by_id",
             "profile_set_once_by_id", "profile_increment_by_id", "profile_append_by_id", "profile_unset_by_id",
             "profile_delete_by_id"],
            weights=[30, 4, 6, 3, 4, 4, 3, 2, 4, 2, 5, 1, 3, 2, 6, 3, 2, 2, 2, 2, 2])[0]
        a = {}
        login = self.chance(0.3)
        if m == "track":
            a = {"distinct_id": self.distinct_id(), "event_name": self.name()}
            if self.chance(0.9):
                a["properties"] = self.props()
            if login:
                a["is_login_id"] = True
        elif m == "track_signup":
            a = {"distinct_id": self.distinct_id(), "original_id": self.item_id(), "properties": self.props()}
        elif m in ("profile_set", "profile_set_once"):
            a = {"distinct_id": self.distinct_id(), "profiles": self.props(), "is_login_id": login}
        elif m == "profile_increment":
            vals = {self.key(special=False): self.r.randint(-100, 100) for _ in range(self.r.randint(0, 3))}
            if self.chance(0.1):
                vals[self.valid_name()] = self.r.choice(["1", 1.5, None, [1]])
            a = {"distinct_id": self.distinct_id(), "profiles": vals, "is_login_id": login}
        elif m == "profile_append":
            vals = {self.key(special=False): [self.text(5) for _ in range(self.r.randint(0, 2))] for _ in range(self.r.randint(0, 3))}
            if self.chance(0.1):
                vals[self.valid_name()] = self.r.choice(["a", ["a", 2], None])
            a = {"distinct_id": self.distinct_id(), "profiles": vals, "is_login_id": login}
        elif m == "profile_unset":
            keys = [self.key(special=False) for _ in range(self.r.randint(0, 3))]
            a = {"distinct_id": self.distinct_id(), "profile_keys": keys if self.chance(0.8) else {k: True for k in keys},
                 "is_login_id": login}
        elif m == "profile_delete":
            a = {"distinct_id": self.distinct_id(), "is_login_id": login}
        elif m in ("item_set", "item_delete"):
            a = {"item_type": self.name(), "item_id": self.item_id()}
            if self.chance(0.8):
                a["properties"] = self.props()
        elif m == "register_super_properties":
            a = {"properties": self.props(n_max=3, bad=0.02)}
        elif m == "bind":
            a = {"identities": self.identities(n_min=2)}
        elif m == "unbind":
            a = {"identity": self.identity()}
        elif m == "track_by_id":
            a = {"event_name": self.name(), "properties": self.props() if self.chance(0.9) else None,
                 "identities": self.identities()}
        elif m in ("profile_set_by_id", "profile_set_once_by_id"):
            a = {"properties": self.props(n_min=0 if self.chance(0.05) else 1), "identities": self.identities()}
        elif m == "profile_increment_by_id":
            a = {"properties": {self.valid_name(): self.r.randint(0, 9) for _ in range(self.r.randint(1 if self.chance(0.9) else 0, 2))},
                 "identities": self.identities()}
        elif m == "profile_append_by_id":
            a = {"properties": {self.valid_name(): [self.text(4)] for _ in range(self.r.randint(1 if self.chance(0.9) else 0, 2))},
                 "identities": self.identities()}
        elif m == "profile_unset_by_id":
            a = {"profile_keys": [self.key(special=False) for _ in range(self.r.randint(0, 3))], "identities": self.identities()}
        elif m == "profile_delete_by_id":
            a = {"identities": self.identities()}
        return {"method": m, "args": a}

    def case(self, i):
        setup = {"project_name": "bad proj" if self.chance(0.04) else self.r.choice([None, None, "proj"]),
                 "enable_time_free": self.chance(0.2)}
        if self.chance(0.3):
            setup["super_properties"] = self.props(n_max=3, bad=0.01)
        calls = [self.call() for _ in range(self.r.randint(1, 3))]
        return {"name": "random_%d" % i, "setup": setup, "calls": calls}


def cases(seed, n):
    g = Gen(seed)
    return [g.case(i) for i in range(n)]
