//! JS values to core values: the JS side of docs/SPEC.md §3.
//!
//! Accepted: string, number (an integral number within i64 is an int, any other a float),
//! boolean, null/undefined (None), Date, bigint within i64, arrays of strings. Anything else is
//! kept as `Invalid` with a type name, so that the core reports it in the reference's order;
//! the names are Python's for the equivalent JSON kind (`<class 'dict'>`), because the error
//! texts are the reference's.

use std::borrow::Cow;

use napi::Result;
use sensorsanalytics::{DateTime, Error as CoreError, Invalid, Properties, Text, Value, Zone};

use crate::error::Failure;
use crate::js::{Js, Kind};

/// 2^63 as f64: integral numbers below it in magnitude fit an i64.
const I64_LIMIT: f64 = 9_223_372_036_854_775_808.0;

/// A JS number as the reference would see it: an int when integral and in range.
pub fn number(n: f64) -> Value<'static> {
    if n.fract() == 0.0 && n.abs() < I64_LIMIT {
        Value::Int(n as i64)
    } else {
        Value::Float(n)
    }
}

/// A Date as wall-clock time in the local zone, with that zone's offset at that instant.
/// A JS Date is a UTC instant without a zone of its own; local time is what the reference
/// writes for a naive datetime, and keeping the offset makes `$time` the exact instant.
pub fn date(millis: f64) -> Value<'static> {
    match DateTime::from_instant(millis as i64, Zone::Local).filter(|_| millis.is_finite()) {
        Some(d) => Value::DateTime(d),
        None => Value::Invalid(Invalid::Type(Cow::Borrowed("Invalid Date"))),
    }
}

/// Python's name for the type of `v` (`<class 'dict'>`), or JS's where Python has none.
pub fn type_name(v: Js) -> Result<&'static str> {
    Ok(match v.kind()? {
        Kind::Undefined | Kind::Null => "<class 'NoneType'>",
        Kind::Bool => "<class 'bool'>",
        Kind::Number => match number(v.f64()?) {
            Value::Int(_) => "<class 'int'>",
            _ => "<class 'float'>",
        },
        Kind::String => "<class 'str'>",
        Kind::BigInt => "<class 'int'>",
        Kind::Symbol => "<class 'symbol'>",
        Kind::Function => "<class 'function'>",
        Kind::External => "<class 'external'>",
        Kind::Object => {
            if v.is_array()? {
                "<class 'list'>"
            } else if v.is_date()? {
                "<class 'datetime.datetime'>"
            } else {
                "<class 'dict'>"
            }
        }
    })
}

/// Whether `v` is what Python would call a dict: a non-null object that is not an array
/// or a Date.
pub fn is_dict(v: Js) -> Result<bool> {
    Ok(v.kind()? == Kind::Object && !v.is_array()? && !v.is_date()?)
}

/// Python's `str(v)` for the values an id or a message can hold: `None`, `True`, `5`, text.
pub fn py_str(v: Js) -> Result<String> {
    Ok(match v.kind()? {
        Kind::Undefined | Kind::Null => "None".to_owned(),
        Kind::Bool => if v.bool()? { "True" } else { "False" }.to_owned(),
        Kind::String => v.string()?,
        Kind::Number => match number(v.f64()?) {
            Value::Int(i) => i.to_string(),
            _ => v.coerce_string()?,
        },
        Kind::Symbol => "Symbol()".to_owned(),
        _ => v.coerce_string()?,
    })
}

/// distinct_id, original_id, item_id: `str(v)`, with None as empty (the reference's
/// "must not be empty" check comes first).
pub fn id_text(v: Js) -> Result<String> {
    if v.is_nullish()? {
        Ok(String::new())
    } else {
        py_str(v)
    }
}

/// A name or identity field: a string, or (for the core to report in the reference's
/// order) Python's `str()` of anything else.
pub fn text(v: Js) -> Result<Text<'static>> {
    if v.kind()? == Kind::String {
        Ok(Text::Str(Cow::Owned(v.string()?)))
    } else {
        Ok(Text::NotStr(py_str(v)?))
    }
}

/// Raised at conversion: a bigint the platform cannot store.
pub struct OutOfRange;

/// One property value. A bigint outside i64 comes back as `Err(OutOfRange)`: the caller
/// reports it with its key.
pub fn to_value(v: Js) -> Result<std::result::Result<Value<'static>, OutOfRange>> {
    Ok(Ok(match v.kind()? {
        Kind::String => Value::Str(Cow::Owned(v.string()?)),
        Kind::Number => number(v.f64()?),
        Kind::Bool => Value::Bool(v.bool()?),
        Kind::Undefined | Kind::Null => Value::Null,
        Kind::BigInt => match v.bigint_i64()? {
            Some(i) => Value::Int(i),
            None => return Ok(Err(OutOfRange)),
        },
        Kind::Object if v.is_array()? => list(v)?,
        Kind::Object if v.is_date()? => date(v.date_millis()?),
        _ => Value::Invalid(Invalid::Type(Cow::Borrowed(type_name(v)?))),
    }))
}

/// An array: a list of strings, or the type of its first non-string element.
fn list(v: Js) -> Result<Value<'static>> {
    let n = v.array_len()?;
    let mut items = Vec::with_capacity(n as usize);
    for i in 0..n {
        let e = v.element(i)?;
        if e.kind()? != Kind::String {
            return Ok(Value::Invalid(Invalid::ListElement(Cow::Borrowed(
                type_name(e)?,
            ))));
        }
        items.push(Cow::Owned(e.string()?));
    }
    Ok(Value::List(items))
}

/// A dict's own enumerable string keys and values, in `Object.keys` order.
pub fn to_properties(obj: Js) -> std::result::Result<Properties<'static>, Failure> {
    let keys = obj.own_keys()?;
    let n = keys.array_len()?;
    let mut props = Properties::with_capacity(n as usize);
    for i in 0..n {
        let key = keys.element(i)?;
        let name = key.string()?;
        match to_value(obj.get(&key)?)? {
            Ok(value) => props.push_unique(name, value),
            Err(OutOfRange) => {
                return Err(Failure::Core(CoreError::IllegalData(
                    sensorsanalytics::validate::msg_int_out_of_range(&name),
                )))
            }
        }
    }
    Ok(props)
}

/// A list of keys (profile_unset): `{key: true}`; a key that is not a string keeps its text
/// and is reported by the core as "property key must be a str".
pub fn keys_to_properties(list: Js) -> Result<Properties<'static>> {
    let n = list.array_len()?;
    let mut props = Properties::with_capacity(n as usize);
    for i in 0..n {
        let e = list.element(i)?;
        if e.kind()? == Kind::String {
            props.insert(e.string()?, Value::Bool(true));
        } else {
            props.insert(py_str(e)?, Value::Invalid(Invalid::KeyNotStr));
        }
    }
    Ok(props)
}

/// Python's truth test for the non-dict values a properties argument can hold: `[]`, `""`,
/// `0` and `false` are falsy (the reference's `if not properties`).
pub fn py_falsy(v: Js) -> Result<bool> {
    Ok(match v.kind()? {
        Kind::Undefined | Kind::Null => true,
        Kind::Bool => !v.bool()?,
        Kind::Number => v.f64()? == 0.0,
        Kind::String => v.string()?.is_empty(),
        Kind::Object if v.is_array()? => v.array_len()? == 0,
        _ => false,
    })
}
