//! Property values as they cross the FFI, and their conversion into the core's `Value`.
//!
//! The foreign idiomatic layer sorts its language's values into these variants; anything it
//! cannot express becomes `Unsupported` / `UnsupportedListElement` carrying the type name
//! the error message shows, kept in place so the core reports errors in the reference's order.

use std::borrow::Cow;

use sensorsanalytics::{Invalid, Properties, Value};

#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum PropertyValue {
    Null,
    Bool { value: bool },
    Int { value: i64 },
    Float { value: f64 },
    Str { value: String },
    /// A datetime by its wall clock: `wall_millis` are the milliseconds since 1970-01-01T00:00
    /// of the wall-clock reading (as if it were UTC), `offset_seconds` its UTC offset when
    /// the value is zone-aware. Naive values are local time, as in the reference.
    DateTime { wall_millis: i64, offset_seconds: Option<i32> },
    Date { year: i32, month: u32, day: u32 },
    /// A list of strings (the only list the platform takes). Not named `List`: in Kotlin that
    /// would shadow `kotlin.collections.List` inside the generated sealed class.
    StrList { items: Vec<String> },
    /// A value of a type the SDK does not take, named as the error message shows it.
    Unsupported { type_name: String },
    /// A list holding an element that is not a string, named by that element's type.
    UnsupportedListElement { type_name: String },
    /// The entry's key was not a string in the caller's language (a raw Java map); the
    /// entry's `key` holds its text.
    KeyNotStr,
}

/// One entry of an ordered property map. A list, not a uniffi map: uniffi maps are hash maps
/// on the Rust side and would lose the caller's key order, which the output keeps.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Property {
    pub key: String,
    pub value: PropertyValue,
}

/// `SensorsAnalyticsIdentity(key, value)` of ID-Mapping 3.0.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Identity {
    pub key: String,
    pub value: String,
}

/// The identity keys the platform predefines (`SensorsAnalyticsIdentity.LOGIN_ID`, ...), read
/// from the core so the idiomatic layers do not spell them again.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct IdentityKeys {
    pub login_id: String,
    pub mobile: String,
    pub email: String,
}

#[uniffi::export]
pub fn identity_keys() -> IdentityKeys {
    use sensorsanalytics::Identity as I;
    IdentityKeys { login_id: I::LOGIN_ID.into(), mobile: I::MOBILE.into(), email: I::EMAIL.into() }
}

impl PropertyValue {
    /// A borrowed core value (an impossible date or time is the core's unsupported value).
    fn to_core(&self) -> Value<'_> {
        match self {
            PropertyValue::Null => Value::Null,
            PropertyValue::Bool { value } => Value::Bool(*value),
            PropertyValue::Int { value } => Value::Int(*value),
            PropertyValue::Float { value } => Value::Float(*value),
            PropertyValue::Str { value } => Value::Str(Cow::Borrowed(value)),
            PropertyValue::DateTime { wall_millis, offset_seconds } => Value::wall_datetime(*wall_millis, *offset_seconds),
            PropertyValue::Date { year, month, day } => Value::date(*year, *month, *day),
            PropertyValue::StrList { items } => Value::List(items.iter().map(|s| Cow::Borrowed(s.as_str())).collect()),
            PropertyValue::Unsupported { type_name } => Value::Invalid(Invalid::Type(Cow::Borrowed(type_name))),
            PropertyValue::UnsupportedListElement { type_name } => {
                Value::Invalid(Invalid::ListElement(Cow::Borrowed(type_name)))
            }
            PropertyValue::KeyNotStr => Value::Invalid(Invalid::KeyNotStr),
        }
    }
}

/// The core's ordered map, borrowing the strings of `props`.
pub(crate) fn to_properties(props: &[Property]) -> Properties<'_> {
    let mut out = Properties::with_capacity(props.len());
    for p in props {
        // `insert`, not `push_unique`: the generated API takes a list, which may repeat a key.
        out.insert(p.key.as_str(), p.value.to_core());
    }
    out
}

pub(crate) fn to_identities(ids: &[Identity]) -> Vec<sensorsanalytics::Identity<'_>> {
    ids.iter().map(|i| sensorsanalytics::Identity::new(i.key.as_str(), i.value.as_str())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_borrows() {
        let props = vec![
            Property { key: "b".into(), value: PropertyValue::Int { value: 1 } },
            Property { key: "a".into(), value: PropertyValue::Str { value: "x".into() } },
        ];
        let core = to_properties(&props);
        let keys: Vec<_> = core.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["b", "a"]);
    }

    #[test]
    fn datetime_wall_clock_and_offset() {
        // 2024-02-29T23:59:58.007 as a wall clock, at +08:00.
        let v = PropertyValue::DateTime { wall_millis: 1_709_251_198_007, offset_seconds: Some(8 * 3600) };
        let Value::DateTime(dt) = v.to_core() else { panic!() };
        assert_eq!(dt.wall.to_string(), "2024-02-29 23:59:58.007");
        assert_eq!(dt.epoch_millis(), Some(1_709_251_198_007 - 8 * 3_600_000));
    }

    #[test]
    fn impossible_date_is_unsupported() {
        let v = PropertyValue::Date { year: 2023, month: 2, day: 30 };
        assert!(matches!(v.to_core(), Value::Invalid(Invalid::Type(_))));
    }
}
