//! The record writer and validation: arbitrary names, ids and property maps (nested in no
//! way the SDK accepts, so every type, including the ones a binding marks Invalid) through
//! core's Client into an in-memory consumer. Invariants: no panic; each call that returns Ok
//! emits exactly one line and a refused call none; every line is valid JSON, without a
//! newline, with a `properties` object, and for track/track_signup the `type`, `distinct_id`
//! and `event` the caller gave.
#![no_main]

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sensorsanalytics::chrono::{FixedOffset, NaiveDate};
use sensorsanalytics::{Client, Config, Consumer, DateTime, Identity, Invalid, ProfileOp, Properties, Value};

#[derive(Default)]
struct Capture(Mutex<Vec<String>>);

impl Consumer for Capture {
    fn send(&self, record: &str) -> sensorsanalytics::Result<()> {
        self.0.lock().unwrap().push(record.to_owned());
        Ok(())
    }
}

#[derive(Arbitrary, Debug)]
enum FValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    LongStr(u16, char),
    DateTime { days: i32, secs: u32, millis: u16, offset: Option<i32> },
    Date(i32),
    List(Vec<String>),
    BadType(String),
    BadListElement(String),
    KeyNotStr,
}

impl FValue {
    fn to_value(&self) -> Value<'_> {
        match self {
            FValue::Null => Value::Null,
            FValue::Bool(b) => Value::Bool(*b),
            FValue::Int(i) => Value::Int(*i),
            FValue::Float(f) => Value::Float(*f),
            FValue::Str(s) => Value::Str(Cow::Borrowed(s)),
            FValue::LongStr(n, c) => Value::Str(Cow::Owned(c.to_string().repeat(*n as usize % 9000))),
            FValue::DateTime { days, secs, millis, offset } => {
                let base = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
                let Some(date) = base.checked_add_signed(sensorsanalytics::chrono::Duration::days(*days as i64 % 3_000_000)) else {
                    return Value::Null;
                };
                let Some(wall) = date.and_hms_milli_opt((secs % 86400) / 3600, (secs % 3600) / 60, secs % 60, *millis as u32 % 2000) else {
                    return Value::Null;
                };
                match offset.and_then(FixedOffset::east_opt) {
                    Some(off) => Value::DateTime(DateTime::aware(wall, off)),
                    None => Value::DateTime(DateTime::naive(wall)),
                }
            }
            FValue::Date(d) => match NaiveDate::from_num_days_from_ce_opt(*d) {
                Some(date) => Value::Date(date),
                None => Value::Null,
            },
            FValue::List(v) => Value::List(v.iter().map(|s| Cow::Borrowed(s.as_str())).collect()),
            FValue::BadType(t) => Value::Invalid(Invalid::Type(Cow::Borrowed(t))),
            FValue::BadListElement(t) => Value::Invalid(Invalid::ListElement(Cow::Borrowed(t))),
            FValue::KeyNotStr => Value::Invalid(Invalid::KeyNotStr),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Name {
    Any(String),
    Reserved(u8),
}

impl Name {
    fn as_str(&self) -> &str {
        const RESERVED: [&str; 16] = [
            "$time", "$project", "$token", "$is_login_id", "$app_version", "time", "id", "distinct_id",
            "user_group", "user_tag", "$lib", "$identity_login_id", "original_id", "event", "date", "datetime",
        ];
        match self {
            Name::Any(s) => s,
            Name::Reserved(i) => RESERVED[*i as usize % RESERVED.len()],
        }
    }
}

type Props = Vec<(Name, FValue)>;

fn props_of(kv: &Props) -> Properties<'_> {
    let mut out = Properties::new();
    for (k, v) in kv {
        out.insert(k.as_str(), v.to_value());
    }
    out
}

fn props(p: &Option<Props>) -> Option<Properties<'_>> {
    p.as_ref().map(props_of)
}

#[derive(Arbitrary, Debug)]
enum Call {
    Register(Props),
    ClearSupers,
    Track { id: String, event: Name, props: Option<Props>, login: bool },
    Signup { id: String, original: String, props: Option<Props> },
    Profile { op: u8, id: String, props: Option<Props>, login: bool },
    ItemSet { item_type: Name, item_id: String, props: Option<Props> },
    ItemDelete { item_type: Name, item_id: String, props: Option<Props> },
    Bind(Vec<(Name, String)>),
    Unbind(Name, String),
    TrackById { event: Name, props: Option<Props>, ids: Vec<(Name, String)> },
    ProfileById { op: u8, props: Option<Props>, ids: Vec<(Name, String)> },
}

#[derive(Arbitrary, Debug)]
struct Input {
    project: Option<String>,
    time_free: bool,
    calls: Vec<Call>,
}

const OPS: [ProfileOp; 6] =
    [ProfileOp::Set, ProfileOp::SetOnce, ProfileOp::Increment, ProfileOp::Append, ProfileOp::Unset, ProfileOp::Delete];

fn identities(v: &[(Name, String)]) -> Vec<Identity<'_>> {
    v.iter().map(|(k, val)| Identity::new(k.as_str(), val.as_str())).collect()
}

fuzz_target!(|input: Input| {
    let capture = Arc::new(Capture::default());
    let sa = Client::new(
        capture.clone(),
        Config { project_name: input.project.clone(), enable_time_free: input.time_free, ..Config::default() },
    );
    for call in input.calls.iter().take(16) {
        // What an accepted call's line must say: (type, distinct_id, event, keys).
        let mut expect: Option<(&str, Option<&str>, Option<&str>)> = None;
        let result = match call {
            Call::Register(p) => {
                sa.register_super_properties(&props_of(p));
                continue;
            }
            Call::ClearSupers => {
                sa.clear_super_properties();
                continue;
            }
            Call::Track { id, event, props: p, login } => {
                expect = Some(("track", Some(id), Some(event.as_str())));
                sa.track(None, id, event.as_str(), props(p).as_ref(), *login)
            }
            Call::Signup { id, original, props: p } => {
                expect = Some(("track_signup", Some(id), Some("$SignUp")));
                sa.track_signup(None, id, original, props(p).as_ref())
            }
            Call::Profile { op, id, props: p, login } => {
                sa.profile(None, OPS[*op as usize % 6], id, props(p).as_ref(), *login)
            }
            Call::ItemSet { item_type, item_id, props: p } => {
                sa.item_set(None, item_type.as_str(), item_id, props(p).as_ref())
            }
            Call::ItemDelete { item_type, item_id, props: p } => {
                sa.item_delete(None, item_type.as_str(), item_id, props(p).as_ref())
            }
            Call::Bind(ids) => sa.bind(None, &identities(ids)),
            Call::Unbind(k, v) => sa.unbind(None, &Identity::new(k.as_str(), v.as_str())),
            Call::TrackById { event, props: p, ids } => {
                sa.track_by_id(None, event.as_str(), props(p).as_ref(), &identities(ids))
            }
            Call::ProfileById { op, props: p, ids } => {
                sa.profile_by_id(None, OPS[*op as usize % 6], props(p).as_ref(), &identities(ids))
            }
        };
        let lines: Vec<String> = std::mem::take(&mut *capture.0.lock().unwrap());
        match result {
            Ok(()) => assert_eq!(lines.len(), 1, "an accepted call emits one line: {call:?}"),
            Err(_) => assert!(lines.is_empty(), "a refused call emits nothing: {call:?}"),
        }
        for line in &lines {
            assert!(!line.contains('\n'), "newline inside a record: {line}");
            let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("invalid JSON ({e}): {line}"));
            if let Some((ty, id, event)) = &expect {
                assert_eq!(v["type"], *ty, "{line}");
                if let Some(id) = id {
                    assert_eq!(v["distinct_id"].as_str(), Some(*id), "{line}");
                }
                if let Some(event) = event {
                    assert_eq!(v["event"].as_str(), Some(*event), "{line}");
                }
            }
            assert!(v["properties"].is_object(), "{line}");
        }
    }
});

