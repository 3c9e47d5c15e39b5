//! `sa_properties`: the property map (Python's dict of properties) and its typed setters.
//!
//! C values are typed, so every value a setter stores is one the core supports; the only
//! checks here are the ones C needs (NULL, UTF-8, a representable date). Names, lengths and
//! the other rules are the core's, applied when the map is used in a call, as in Python.

use std::borrow::Cow;
use std::ffi::{c_char, c_int};

use sensorsanalytics::chrono::{FixedOffset, NaiveDate};
use sensorsanalytics::{DateTime, Properties, Value, Zone};

use crate::args;
use crate::error::{guard, Failure, Outcome};

/// An ordered property map. Keys keep the order they were first set in, which is the order
/// they are written in; setting a key again replaces its value in place.
pub struct sa_properties {
    pub(crate) map: Properties<'static>,
}

/// Creates an empty map in `*out`; free it with sa_properties_free(). Calls that take a map
/// only read it during the call; it can be reused or freed right after.
#[no_mangle]
pub unsafe extern "C" fn sa_properties_new(out: *mut *mut sa_properties) -> c_int {
    unsafe { args::construct(out, || Ok(sa_properties { map: Properties::new() })) }
}

/// Frees a map from sa_properties_new(). NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn sa_properties_free(properties: *mut sa_properties) {
    unsafe { args::free(properties) }
}

/// Sets one key. `key` is checked for NULL and UTF-8 here; whether it is a valid property
/// name is checked when the map is used, so the error text and order are the reference's.
unsafe fn set(
    properties: *mut sa_properties,
    key: *const c_char,
    value: impl FnOnce() -> Outcome<Value<'static>>,
) -> c_int {
    guard(|| {
        let map = unsafe { args::object_mut(properties, "properties") }?;
        let key = unsafe { args::text(key, "key") }?;
        map.map.insert(key.to_owned(), value()?);
        Ok(())
    })
}

/// An owned copy of a C string value.
unsafe fn owned_text(value: *const c_char, what: &str) -> Outcome<Cow<'static, str>> {
    // SAFETY: forwarded contract.
    Ok(Cow::Owned(unsafe { args::text(value, what) }?.to_owned()))
}

/// Sets `key` to a string (copied). A NULL `value` is SA_ERR_INVALID_ARGUMENT: use
/// sa_properties_set_null() for null.
#[no_mangle]
pub unsafe extern "C" fn sa_properties_set_string(
    properties: *mut sa_properties,
    key: *const c_char,
    value: *const c_char,
) -> c_int {
    unsafe { set(properties, key, || Ok(Value::Str(owned_text(value, "value")?))) }
}

/// Sets `key` to an integer.
#[no_mangle]
pub unsafe extern "C" fn sa_properties_set_int(
    properties: *mut sa_properties,
    key: *const c_char,
    value: i64,
) -> c_int {
    unsafe { set(properties, key, || Ok(Value::Int(value))) }
}

/// Sets `key` to a floating-point number. NaN and infinities are accepted here and refused
/// (SA_ERR_ILLEGAL_DATA) by the call that uses the map, as JSON cannot hold them.
#[no_mangle]
pub unsafe extern "C" fn sa_properties_set_double(
    properties: *mut sa_properties,
    key: *const c_char,
    value: f64,
) -> c_int {
    unsafe { set(properties, key, || Ok(Value::Float(value))) }
}

/// Sets `key` to a boolean (written as true/false, never as a number).
#[no_mangle]
pub unsafe extern "C" fn sa_properties_set_bool(
    properties: *mut sa_properties,
    key: *const c_char,
    value: bool,
) -> c_int {
    unsafe { set(properties, key, || Ok(Value::Bool(value))) }
}

/// Sets `key` to null (Python's None).
#[no_mangle]
pub unsafe extern "C" fn sa_properties_set_null(
    properties: *mut sa_properties,
    key: *const c_char,
) -> c_int {
    unsafe { set(properties, key, || Ok(Value::Null)) }
}

fn out_of_range(epoch_ms: i64) -> Failure {
    Failure::invalid(format!("datetime out of range: {epoch_ms} ms since the epoch"))
}

/// Sets `key` to an aware datetime: the instant `epoch_ms` (milliseconds since 1970-01-01 UTC)
/// seen in the zone `utc_offset_minutes` east of UTC (e.g. 480 for +08:00, -300 for -05:00).
/// It is written as that zone's wall clock, `yyyy-MM-dd HH:mm:ss.SSS`. An offset of 24 hours
/// or more either way is SA_ERR_INVALID_ARGUMENT. As `$time`, the instant itself is used.
#[no_mangle]
pub unsafe extern "C" fn sa_properties_set_datetime(
    properties: *mut sa_properties,
    key: *const c_char,
    epoch_ms: i64,
    utc_offset_minutes: c_int,
) -> c_int {
    let value = || {
        let offset = FixedOffset::east_opt(utc_offset_minutes.saturating_mul(60)).ok_or_else(|| {
            Failure::invalid(format!("UTC offset out of range: {utc_offset_minutes} minutes"))
        })?;
        DateTime::from_instant(epoch_ms, Zone::Offset(offset))
            .map(Value::DateTime)
            .ok_or_else(|| out_of_range(epoch_ms))
    };
    unsafe { set(properties, key, value) }
}

/// Sets `key` to a naive datetime in the process's local time zone (Python's naive
/// `datetime`): the instant `epoch_ms` is turned into the local wall clock now, with the
/// zone in effect (the TZ variable) for that instant.
#[no_mangle]
pub unsafe extern "C" fn sa_properties_set_local_datetime(
    properties: *mut sa_properties,
    key: *const c_char,
    epoch_ms: i64,
) -> c_int {
    let value = || {
        let local = DateTime::from_instant(epoch_ms, Zone::Local).ok_or_else(|| out_of_range(epoch_ms))?;
        Ok(Value::DateTime(DateTime::naive(local.wall)))
    };
    unsafe { set(properties, key, value) }
}

/// Sets `key` to a calendar date, written `yyyy-MM-dd`. `month` is 1-12, `day` 1-31; a date
/// that does not exist (2023-02-29) is SA_ERR_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn sa_properties_set_date(
    properties: *mut sa_properties,
    key: *const c_char,
    year: c_int,
    month: c_int,
    day: c_int,
) -> c_int {
    let value = || {
        u32::try_from(month)
            .ok()
            .zip(u32::try_from(day).ok())
            .and_then(|(m, d)| NaiveDate::from_ymd_opt(year, m, d))
            .map(Value::Date)
            .ok_or_else(|| Failure::invalid(format!("no such date: {year}-{month}-{day}")))
    };
    unsafe { set(properties, key, value) }
}

/// Sets `key` to a list of `count` strings (copied); `count` 0 (with `items` NULL or not)
/// sets the empty list.
#[no_mangle]
pub unsafe extern "C" fn sa_properties_set_string_list(
    properties: *mut sa_properties,
    key: *const c_char,
    items: *const *const c_char,
    count: usize,
) -> c_int {
    let value = || {
        let items = unsafe { args::array(items, count, "items") }?;
        let list = items.iter().map(|&s| unsafe { owned_text(s, "list item") });
        Ok(Value::List(list.collect::<Outcome<_>>()?))
    };
    unsafe { set(properties, key, value) }
}

/// Appends one string (copied) to the list at `key`, creating the list if `key` is not set.
/// If `key` holds something other than a list, nothing changes and SA_ERR_INVALID_ARGUMENT
/// is returned.
#[no_mangle]
pub unsafe extern "C" fn sa_properties_append_string(
    properties: *mut sa_properties,
    key: *const c_char,
    value: *const c_char,
) -> c_int {
    guard(|| {
        let map = unsafe { args::object_mut(properties, "properties") }?;
        let key = unsafe { args::text(key, "key") }?;
        let item = unsafe { owned_text(value, "value") }?;
        match map.map.get(key) {
            None => map.map.insert(key.to_owned(), Value::List(vec![item])),
            Some(Value::List(list)) => {
                let mut list = list.clone();
                list.push(item);
                map.map.insert(key.to_owned(), Value::List(list));
            }
            Some(_) => return Err(Failure::invalid(format!("property [{key}] is not a list"))),
        }
        Ok(())
    })
}

/// Removes `key` if it is set; the other keys keep their order.
#[no_mangle]
pub unsafe extern "C" fn sa_properties_remove(
    properties: *mut sa_properties,
    key: *const c_char,
) -> c_int {
    guard(|| {
        let map = unsafe { args::object_mut(properties, "properties") }?;
        let key = unsafe { args::text(key, "key") }?;
        map.map.remove(key);
        Ok(())
    })
}

/// Removes every key, keeping the map for reuse.
#[no_mangle]
pub unsafe extern "C" fn sa_properties_clear(properties: *mut sa_properties) -> c_int {
    guard(|| {
        let map = unsafe { args::object_mut(properties, "properties") }?;
        map.map = Properties::new();
        Ok(())
    })
}

/// The map a call reads, or None for a NULL map (Python's `properties=None`).
pub(crate) unsafe fn optional<'a>(ptr: *const sa_properties) -> Option<&'a Properties<'static>> {
    unsafe { ptr.as_ref() }.map(|p| &p.map)
}
