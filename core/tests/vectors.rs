//! Runs the shared test vectors (tests/vectors/*.json, format in tests/vectors/README.md)
//! through the core client, as every binding runs them through its own API.

mod common;

use std::borrow::Cow;
use std::path::PathBuf;

use sensorsanalytics::chrono::{DateTime as ChronoDateTime, NaiveDate, NaiveDateTime};
use sensorsanalytics::{Arg, Client, Config, DateTime, IdentityArg, Invalid, ProfileOp, Properties, Text, Value};
use serde_json::{Map, Value as Json};

use common::Capture;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

/// Python's name for the type of a JSON value, as the reference's messages print it.
fn python_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "<class 'NoneType'>",
        Json::Bool(_) => "<class 'bool'>",
        Json::Number(n) if n.is_f64() => "<class 'float'>",
        Json::Number(_) => "<class 'int'>",
        Json::String(_) => "<class 'str'>",
        Json::Array(_) => "<class 'list'>",
        Json::Object(o) if o.contains_key("$datetime") => "<class 'datetime.datetime'>",
        Json::Object(o) if o.contains_key("$date") => "<class 'datetime.date'>",
        Json::Object(o) if o.contains_key("$float") => "<class 'float'>",
        Json::Object(_) => "<class 'dict'>",
    }
}

fn to_value(v: &Json) -> Value<'_> {
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None if n.is_f64() => Value::Float(n.as_f64().unwrap()),
            None => Value::Invalid(Invalid::Type(Cow::Borrowed("<class 'int'>"))),
        },
        Json::String(s) => Value::Str(Cow::Borrowed(s)),
        Json::Array(items) => {
            let mut list = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Json::String(s) => list.push(Cow::Borrowed(s.as_str())),
                    other => return Value::Invalid(Invalid::ListElement(Cow::Borrowed(python_type(other)))),
                }
            }
            Value::List(list)
        }
        Json::Object(o) => {
            if let Some(Json::String(s)) = o.get("$datetime") {
                return Value::DateTime(parse_datetime(s));
            }
            if let Some(Json::String(s)) = o.get("$float") {
                return Value::Float(s.parse().expect("bad $float in vector"));
            }
            if let Some(Json::String(s)) = o.get("$date") {
                return Value::Date(NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("bad $date in vector"));
            }
            Value::Invalid(Invalid::Type(Cow::Borrowed("<class 'dict'>")))
        }
    }
}

fn parse_datetime(s: &str) -> DateTime {
    if let Ok(aware) = ChronoDateTime::parse_from_rfc3339(s) {
        return DateTime::aware(aware.naive_local(), *aware.offset());
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").expect("bad $datetime in vector");
    DateTime::naive(naive)
}

fn to_properties(v: Option<&Json>) -> Option<Properties<'_>> {
    match v? {
        Json::Object(o) => {
            let mut p = Properties::with_capacity(o.len());
            for (k, v) in o {
                p.push_unique(k.as_str(), to_value(v));
            }
            Some(p)
        }
        Json::Null => None,
        other => panic!("properties must be an object or null in a vector: {other}"),
    }
}

/// A properties argument as a dynamic language sees it: what the core's `*_loose` methods
/// take (tagged values are not dicts: a `$datetime` where a dict is expected is "something else").
fn to_arg(v: Option<&Json>) -> Arg<'_> {
    match v {
        None | Some(Json::Null) => Arg::Absent,
        Some(Json::Object(o)) if !["$datetime", "$date", "$float"].iter().any(|t| o.contains_key(*t)) => {
            Arg::Map(to_properties(v).unwrap())
        }
        Some(Json::Object(_)) => Arg::Other { falsy: false },
        Some(Json::Array(keys)) => {
            let mut p = Properties::with_capacity(keys.len());
            for k in keys {
                match k {
                    Json::String(s) => p.insert(s.as_str(), Value::Bool(true)),
                    // A key that is not a string keeps its text and is reported by validation.
                    other => p.insert(python_str(other), Value::Invalid(Invalid::KeyNotStr)),
                }
            }
            Arg::List(p)
        }
        Some(Json::Bool(b)) => Arg::Other { falsy: !b },
        Some(Json::Number(n)) => Arg::Other { falsy: n.as_f64() == Some(0.0) },
        Some(Json::String(s)) => Arg::Other { falsy: s.is_empty() },
    }
}

/// A name or identity field: a string, or the text Python prints for another value.
fn to_text(v: Option<&Json>) -> Text<'_> {
    match v {
        Some(Json::String(s)) => Text::Str(Cow::Borrowed(s)),
        other => Text::NotStr(python_str(other.unwrap_or(&Json::Null))),
    }
}

/// An id as Python passes it: a str, or an int that the SDK turns into a str; None is empty.
fn to_id(v: Option<&Json>) -> Cow<'_, str> {
    match v {
        Some(Json::String(s)) => Cow::Borrowed(s),
        Some(Json::Number(n)) => Cow::Owned(n.to_string()),
        None | Some(Json::Null) => Cow::Borrowed(""),
        Some(other) => panic!("unsupported id in a vector: {other}"),
    }
}

/// `{"key", "value"}` is a `SensorsAnalyticsIdentity`; anything else is not one.
fn to_identity(v: &Json) -> IdentityArg<'_> {
    match v {
        Json::Object(o) if o.contains_key("key") && o.contains_key("value") => {
            IdentityArg::Given { key: to_text(o.get("key")), value: to_text(o.get("value")) }
        }
        _ => IdentityArg::NotIdentity,
    }
}

fn to_identities(v: Option<&Json>) -> Vec<IdentityArg<'_>> {
    v.and_then(Json::as_array).map(|a| a.iter().map(to_identity).collect()).unwrap_or_default()
}

fn profile_op(method: &str) -> Option<ProfileOp> {
    Some(match method.trim_end_matches("_by_id") {
        "profile_set" => ProfileOp::Set,
        "profile_set_once" => ProfileOp::SetOnce,
        "profile_increment" => ProfileOp::Increment,
        "profile_append" => ProfileOp::Append,
        "profile_unset" => ProfileOp::Unset,
        "profile_delete" => ProfileOp::Delete,
        _ => return None,
    })
}

/// Python's `str()` of a JSON value, for the messages about names that are not strings.
fn python_str(v: &Json) -> String {
    match v {
        Json::Null => "None".into(),
        Json::Bool(true) => "True".into(),
        Json::Bool(false) => "False".into(),
        other => other.to_string(),
    }
}

/// One call, through the core's loose entry points: the shape rules a binding used to apply
/// are the core's, so every case runs here, none skipped.
fn call(sa: &Client, method: &str, args: &Map<String, Json>) -> sensorsanalytics::Result<()> {
    let flag = |k: &str| args.get(k).and_then(Json::as_bool).unwrap_or(false);
    let id = |k: &str| to_id(args.get(k));
    let arg = |k: &str| to_arg(args.get(k));
    let text = |k: &str| to_text(args.get(k));
    let site = None;
    match method {
        "track" => sa.track_loose(site, &id("distinct_id"), &text("event_name"), arg("properties"), flag("is_login_id")),
        "track_signup" => sa.track_signup_loose(site, &id("distinct_id"), &id("original_id"), arg("properties")),
        "item_set" => sa.item_loose(site, false, &text("item_type"), &id("item_id"), arg("properties")),
        "item_delete" => sa.item_loose(site, true, &text("item_type"), &id("item_id"), arg("properties")),
        "register_super_properties" => sa.register_super_properties_loose(arg("properties")),
        "clear_super_properties" => {
            sa.clear_super_properties();
            Ok(())
        }
        "bind" => sa.bind_loose(site, to_identities(args.get("identities"))),
        "unbind" => sa.unbind_loose(site, to_identity(&args["identity"])),
        "track_by_id" => sa.track_by_id_loose(site, &text("event_name"), arg("properties"), to_identities(args.get("identities"))),
        m if m.ends_with("_by_id") => {
            let op = profile_op(m).unwrap_or_else(|| panic!("unknown method {m}"));
            let p = if op == ProfileOp::Unset { arg("profile_keys") } else { arg("properties") };
            sa.profile_by_id_loose(site, op, p, to_identities(args.get("identities")))
        }
        m => {
            let op = profile_op(m).unwrap_or_else(|| panic!("unknown method {m}"));
            let p = if op == ProfileOp::Unset { arg("profile_keys") } else { arg("profiles") };
            sa.profile_loose(site, op, &id("distinct_id"), p, flag("is_login_id"))
        }
    }
}

/// Removes what the comparison leaves out, checking `_track_id` on the way.
fn normalize(mut actual: Json, expected: &Json, case: &str) -> Json {
    let obj = actual.as_object_mut().unwrap();
    let is_item = obj["type"].as_str().unwrap().starts_with("item_");
    match obj.shift_remove("_track_id") {
        Some(Json::Number(n)) if !is_item => {
            let id = n.as_i64().unwrap();
            assert!((0..1 << 31).contains(&id), "{case}: _track_id {id} out of range");
        }
        None if is_item => {}
        other => panic!("{case}: unexpected _track_id {other:?}"),
    }
    if expected.get("time").is_none() {
        obj.shift_remove("time");
    }
    for (field, keys) in [("lib", &["$lib", "$lib_version", "$lib_detail"][..]), ("properties", &["$lib", "$lib_version"][..])] {
        if let Some(Json::Object(inner)) = obj.get_mut(field) {
            for k in keys {
                inner.shift_remove(*k);
            }
        }
    }
    actual
}

fn run_case(case: &Json) -> Result<(), String> {
    let name = case["name"].as_str().unwrap_or("?");
    let setup = case.get("setup").cloned().unwrap_or(Json::Null);
    let capture = Capture::new();
    let config = Config {
        project_name: setup.get("project_name").and_then(Json::as_str).map(str::to_owned),
        enable_time_free: setup.get("enable_time_free").and_then(Json::as_bool).unwrap_or(false),
        ..Config::default()
    };
    let sa = Client::new(capture.clone(), config);
    if let Some(sup) = to_properties(setup.get("super_properties")) {
        sa.register_super_properties(&sup);
    }
    let calls = case["calls"].as_array().ok_or("no calls")?;
    let mut last = Ok(());
    for (i, c) in calls.iter().enumerate() {
        let empty = Map::new();
        let args = c.get("args").and_then(Json::as_object).unwrap_or(&empty);
        last = call(&sa, c["method"].as_str().unwrap(), args);
        if i + 1 < calls.len() {
            last.clone().map_err(|e| format!("{name}: call {i} failed: {e}"))?;
        }
    }
    if let Some(err) = case.get("error") {
        return match last {
            Ok(()) => Err(format!("{name}: expected error {err}, got success")),
            Err(e) if e.kind().as_str() == err["kind"] && e.message() == err["message"] => Ok(()),
            Err(e) => Err(format!("{name}: expected {err}, got {}: {}", e.kind(), e.message())),
        };
    }
    last.map_err(|e| format!("{name}: unexpected error {}: {}", e.kind(), e.message()))?;
    let expected = case["expect"].as_array().ok_or_else(|| format!("{name}: neither expect nor error"))?;
    let lines = capture.take();
    if lines.len() != expected.len() {
        return Err(format!("{name}: {} records, expected {}", lines.len(), expected.len()));
    }
    for (line, exp) in lines.iter().zip(expected) {
        let actual: Json = serde_json::from_str(line).map_err(|e| format!("{name}: invalid JSON {line}: {e}"))?;
        let actual = normalize(actual, exp, name);
        // Serialized with preserve_order, so key order is compared too.
        let (a, e) = (serde_json::to_string(&actual).unwrap(), serde_json::to_string(exp).unwrap());
        if a != e {
            return Err(format!("{name}:\n  actual   {a}\n  expected {e}"));
        }
    }
    Ok(())
}

#[test]
fn shared_vectors() {
    let mut files: Vec<_> = std::fs::read_dir(vectors_dir())
        .expect("tests/vectors exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut total, mut failures) = (0, Vec::new());
    for file in &files {
        let doc: Json = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        for case in doc["cases"].as_array().expect("cases") {
            total += 1;
            if let Err(e) = run_case(case) {
                failures.push(e);
            }
        }
    }
    println!("{} vectors, {} failed", total, failures.len());
    assert!(total >= 120, "expected at least 120 shared vectors, found {total}");
    assert!(failures.is_empty(), "{} of {total} vectors failed:\n{}", failures.len(), failures.join("\n"));
}
