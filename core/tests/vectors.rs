//! Runs the shared test vectors (tests/vectors/*.json, format in tests/vectors/README.md)
//! through the core client, as every binding runs them through its own API.

mod common;

use std::borrow::Cow;
use std::path::PathBuf;

use sensorsanalytics::chrono::{DateTime as ChronoDateTime, NaiveDate, NaiveDateTime};
use sensorsanalytics::{Client, Config, DateTime, Identity, Invalid, ProfileOp, Properties, Value};
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

/// A dict argument as a binding converts it: `Err(())` when it is not a dict at all, which
/// each binding reports with the method's own text (see `not_a_dict`).
fn try_properties(v: Option<&Json>) -> Result<Option<Properties<'_>>, ()> {
    match v {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Object(o)) if !o.contains_key("$datetime") && !o.contains_key("$date") && !o.contains_key("$float") => {
            Ok(to_properties(v))
        }
        Some(_) => Err(()),
    }
}

/// The text a binding raises for a non-dict argument of `method` (core/src/validate.rs).
fn not_a_dict(method: &str) -> sensorsanalytics::Error {
    use sensorsanalytics::validate::*;
    let msg = match method {
        "profile_unset" => MSG_PROFILE_KEYS_NOT_LIST_OR_DICT,
        "profile_unset_by_id" => MSG_PROFILE_KEYS_NOT_LIST,
        m if m.starts_with("profile_increment") || m.starts_with("profile_append") => MSG_PROFILES_NOT_DICT,
        m if m.ends_with("_by_id") && m != "track_by_id" => MSG_PROPERTIES_TYPE_BY_ID,
        m if m.starts_with("profile_") => MSG_PROFILES_NOT_DICT,
        _ => MSG_PROPERTIES_NOT_DICT,
    };
    sensorsanalytics::Error::IllegalData(msg.to_owned())
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

/// A profile_unset key list (`{key: true}`) or dict.
fn to_keys(v: Option<&Json>) -> Option<Properties<'_>> {
    match v? {
        Json::Array(keys) => {
            let mut p = Properties::from_keys(keys.iter().filter_map(Json::as_str));
            // A key that is not a string keeps its text and is reported by validation.
            for k in keys.iter().filter(|k| !k.is_string()) {
                p.insert(python_str(k), Value::Invalid(Invalid::KeyNotStr));
            }
            Some(p)
        }
        other => to_properties(Some(other)),
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

fn to_identity(v: &Json) -> Identity<'_> {
    Identity::new(v["key"].as_str().expect("identity key"), v["value"].as_str().expect("identity value"))
}

fn to_identities(v: Option<&Json>) -> Vec<Identity<'_>> {
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

fn call(sa: &Client, method: &str, args: &Map<String, Json>) -> sensorsanalytics::Result<()> {
    use sensorsanalytics::validate::{msg_event_name, msg_item_type};
    // What a binding checks before calling the core: names that are not strings, and
    // arguments that must be dicts (or key lists) and are not.
    if let Some(v) = args.get("event_name").filter(|v| !v.is_string()) {
        return Err(sensorsanalytics::Error::IllegalData(msg_event_name(&python_str(v))));
    }
    if let Some(v) = args.get("item_type").filter(|v| !v.is_string()) {
        return Err(sensorsanalytics::Error::IllegalData(msg_item_type(&python_str(v))));
    }
    for key in ["properties", "profiles"] {
        if try_properties(args.get(key)).is_err() && method != "register_super_properties" {
            return Err(not_a_dict(method));
        }
    }
    // Identities whose value is not a string, or that are not identities at all.
    let identities = args.get("identities").and_then(Json::as_array).into_iter().flatten().chain(args.get("identity"));
    for id in identities {
        let Some(key) = id.get("key") else {
            return Err(sensorsanalytics::Error::IllegalData(sensorsanalytics::validate::MSG_IDENTITY_TYPE.into()));
        };
        if !key.is_string() {
            return Err(sensorsanalytics::Error::IllegalData(sensorsanalytics::validate::msg_key_not_str(&python_str(key))));
        }
        if !id["value"].is_string() {
            let key = key.as_str().unwrap_or_default();
            sensorsanalytics::validate::check_key(key)?;
            return Err(sensorsanalytics::Error::IllegalData(sensorsanalytics::validate::msg_identity_value_not_str(key)));
        }
    }
    if let Some(keys) = args.get("profile_keys") {
        let ok = matches!(keys, Json::Array(_)) || (method == "profile_unset" && (keys.is_object() || keys.is_null()));
        if !ok {
            return Err(not_a_dict(method));
        }
    }
    let flag = |k: &str| args.get(k).and_then(Json::as_bool).unwrap_or(false);
    let text = |k: &str| args.get(k).and_then(Json::as_str).unwrap_or_default().to_owned();
    let props = |k: &str| to_properties(args.get(k));
    let site = None;
    match method {
        "track" => sa.track(site, &to_id(args.get("distinct_id")), &text("event_name"), props("properties").as_ref(), flag("is_login_id")),
        "track_signup" => sa.track_signup(site, &to_id(args.get("distinct_id")), &to_id(args.get("original_id")), props("properties").as_ref()),
        "item_set" => sa.item_set(site, &text("item_type"), &to_id(args.get("item_id")), props("properties").as_ref()),
        "item_delete" => sa.item_delete(site, &text("item_type"), &to_id(args.get("item_id")), props("properties").as_ref()),
        "register_super_properties" => {
            sa.register_super_properties(&props("properties").unwrap_or_default());
            Ok(())
        }
        "clear_super_properties" => {
            sa.clear_super_properties();
            Ok(())
        }
        "bind" => sa.bind(site, &to_identities(args.get("identities"))),
        "unbind" => sa.unbind(site, &to_identity(&args["identity"])),
        "track_by_id" => sa.track_by_id(site, &text("event_name"), props("properties").as_ref(), &to_identities(args.get("identities"))),
        m if m.ends_with("_by_id") => {
            let op = profile_op(m).unwrap_or_else(|| panic!("unknown method {m}"));
            let p = if op == ProfileOp::Unset { to_keys(args.get("profile_keys")) } else { props("properties") };
            sa.profile_by_id(site, op, p.as_ref(), &to_identities(args.get("identities")))
        }
        m => {
            let op = profile_op(m).unwrap_or_else(|| panic!("unknown method {m}"));
            let p = if op == ProfileOp::Unset { to_keys(args.get("profile_keys")) } else { props("profiles") };
            sa.profile(site, op, &to_id(args.get("distinct_id")), p.as_ref(), flag("is_login_id"))
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
