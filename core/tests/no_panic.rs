//! Property test over the public API: whatever the input, every call returns Ok or an error
//! value (never a panic), and every record it emits is one line of valid JSON.

mod common;

use std::borrow::Cow;

use proptest::prelude::*;
use sensorsanalytics::chrono::{FixedOffset, NaiveDate};
use sensorsanalytics::{Arg, Client, Config, DateTime, Identity, IdentityArg, Invalid, ProfileOp, Properties, Text, Value};

use common::Capture;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z_$][a-zA-Z0-9_$]{0,12}",
        "(?i)(time|id|distinct_id|user_group|user_tag)[a-z]{0,2}",
        "\\PC{0,8}",
        ".{0,3}",
        "[a-z]{99,102}",
        Just("$time".to_owned()),
        Just("$project".to_owned()),
        Just("$token".to_owned()),
        Just("$is_login_id".to_owned()),
        Just("$app_version".to_owned()),
    ]
}

fn value() -> impl Strategy<Value = Value<'static>> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<f64>().prop_map(Value::Float),
        (1_000_000_000i64..9_999_999_999_999).prop_map(Value::Int),
        "\\PC{0,20}".prop_map(|s| Value::Str(Cow::Owned(s))),
        "[0-9 +-]{0,14}".prop_map(|s| Value::Str(Cow::Owned(s))),
        (0usize..3).prop_map(|n| Value::Str(Cow::Owned("v".repeat(8190 + n)))),
        prop::collection::vec("\\PC{0,5}", 0..4)
            .prop_map(|v| Value::List(v.into_iter().map(Cow::Owned).collect())),
        (-100_000i64..100_000, -50_000i32..50_000, any::<bool>()).prop_map(|(days, off, aware)| {
            let wall = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap().and_hms_milli_opt(12, 0, 0, 7).unwrap()
                + sensorsanalytics::chrono::Duration::days(days);
            let offset = FixedOffset::east_opt(off).unwrap();
            Value::DateTime(if aware { DateTime::aware(wall, offset) } else { DateTime::naive(wall) })
        }),
        (-1000i64..1000).prop_map(|d| Value::Date(
            NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + sensorsanalytics::chrono::Duration::days(d)
        )),
        "\\PC{0,6}".prop_map(|t| Value::Invalid(Invalid::Type(Cow::Owned(t)))),
        "\\PC{0,6}".prop_map(|t| Value::Invalid(Invalid::ListElement(Cow::Owned(t)))),
        Just(Value::Invalid(Invalid::KeyNotStr)),
    ]
}

fn properties() -> impl Strategy<Value = Option<Properties<'static>>> {
    prop::option::of(prop::collection::vec((name(), value()), 0..6).prop_map(|kv| kv.into_iter().collect()))
}

fn identities() -> impl Strategy<Value = Vec<Identity<'static>>> {
    prop::collection::vec(
        (prop_oneof![name(), Just(Identity::LOGIN_ID.to_owned())], "\\PC{0,10}")
            .prop_map(|(k, v)| Identity::new(k, v)),
        0..4,
    )
}

fn id() -> impl Strategy<Value = String> {
    prop_oneof!["\\PC{0,12}", Just(String::new()), (254usize..258).prop_map(|n| "i".repeat(n))]
}

const OPS: [ProfileOp; 6] = ProfileOp::ALL;

/// A name or identity field as a dynamic language gives it.
fn text() -> impl Strategy<Value = Text<'static>> {
    prop_oneof![name().prop_map(|s| Text::Str(Cow::Owned(s))), "\\PC{0,6}".prop_map(Text::NotStr)]
}

/// A properties argument of any shape.
fn arg() -> impl Strategy<Value = Arg<'static>> {
    prop_oneof![
        Just(Arg::Absent),
        properties().prop_map(|p| Arg::Map(p.unwrap_or_default())),
        prop::collection::vec(name(), 0..4).prop_map(|keys| Arg::List(Properties::from_keys(keys))),
        any::<bool>().prop_map(|falsy| Arg::Other { falsy }),
    ]
}

fn identity_args() -> impl Strategy<Value = Vec<IdentityArg<'static>>> {
    let one = prop_oneof![
        Just(IdentityArg::NotIdentity),
        (text(), text()).prop_map(|(key, value)| IdentityArg::Given { key, value }),
        "\\PC{1,10}".prop_map(|v| IdentityArg::Given { key: Text::from(Identity::LOGIN_ID), value: Text::Str(Cow::Owned(v)) }),
    ];
    prop::collection::vec(one, 0..4)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_input_gives_a_result_and_valid_json(
        project in prop::option::of(name()),
        time_free in any::<bool>(),
        supers in properties(),
        distinct_id in id(),
        other_id in id(),
        event in name(),
        props in properties(),
        ids in identities(),
        login in any::<bool>(),
        op in 0usize..6,
    ) {
        let capture = Capture::new();
        let sa = Client::new(capture.clone(), Config { project_name: project, enable_time_free: time_free, ..Config::default() });
        if let Some(s) = &supers {
            sa.register_super_properties(s);
        }
        let p = props.as_ref();
        let results = [
            sa.track(None, &distinct_id, &event, p, login),
            sa.track_signup(None, &distinct_id, &other_id, p),
            sa.profile(None, OPS[op], &distinct_id, p, login),
            sa.item_set(None, &event, &other_id, p),
            sa.item_delete(None, &event, &other_id, p),
            sa.bind(None, &ids),
            sa.unbind(None, ids.first().unwrap_or(&Identity::new("", ""))),
            sa.track_by_id(None, &event, p, &ids),
            sa.profile_by_id(None, OPS[op], p, &ids),
        ];
        let emitted = capture.take();
        prop_assert_eq!(emitted.len(), results.iter().filter(|r| r.is_ok()).count());
        for line in emitted {
            prop_assert!(!line.contains('\n'));
            let parsed: Result<serde_json::Value, _> = serde_json::from_str(&line);
            prop_assert!(parsed.is_ok(), "invalid JSON: {}", line);
        }
    }

    /// The loose entry points of dynamic languages: any shape of argument gives Ok or an
    /// error value, and Ok means exactly one valid record.
    #[test]
    fn any_loose_argument_gives_a_result_and_valid_json(
        distinct_id in id(),
        other_id in id(),
        event in text(),
        props in arg(),
        ids in identity_args(),
        login in any::<bool>(),
        op in 0usize..6,
    ) {
        let capture = Capture::new();
        let sa = Client::new(capture.clone(), Config::default());
        let results = [
            sa.track_loose(None, &distinct_id, &event, props.clone(), login),
            sa.track_signup_loose(None, &distinct_id, &other_id, props.clone()),
            sa.profile_loose(None, OPS[op], &distinct_id, props.clone(), login),
            sa.item_loose(None, login, &event, &other_id, props.clone()),
            sa.bind_loose(None, ids.clone()),
            sa.unbind_loose(None, ids.first().cloned().unwrap_or(IdentityArg::NotIdentity)),
            sa.track_by_id_loose(None, &event, props.clone(), ids.clone()),
            sa.profile_by_id_loose(None, OPS[op], props.clone(), ids),
        ];
        // Emits nothing; only a map or nothing is accepted.
        let registered = sa.register_super_properties_loose(props.clone());
        prop_assert_eq!(registered.is_ok(), matches!(props, Arg::Absent | Arg::Map(_)));
        let emitted = capture.take();
        prop_assert_eq!(emitted.len(), results.iter().filter(|r| r.is_ok()).count());
        for line in emitted {
            prop_assert!(serde_json::from_str::<serde_json::Value>(&line).is_ok(), "invalid JSON: {}", line);
        }
    }
}
