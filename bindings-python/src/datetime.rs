//! `datetime.datetime` and `datetime.date` values as core values.
//!
//! The limited API (abi3) has no C accessors for datetime fields, and reading `year`, `month`,
//! ... one attribute at a time costs a dozen Python calls. One call to the base class's
//! `isoformat` (the C implementation, whatever a subclass overrides) gives every field and the
//! UTC offset in a fixed text form that is cheap to parse.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use pyo3::{ffi, intern};
use sensorsanalytics::chrono::{FixedOffset, NaiveDate, NaiveTime};
use sensorsanalytics::{DateTime, Value};

use crate::value;

struct Types {
    datetime: Py<PyType>,
    date: Py<PyType>,
    datetime_isoformat: Py<PyAny>,
    date_isoformat: Py<PyAny>,
}

static TYPES: PyOnceLock<Types> = PyOnceLock::new();

fn types(py: Python<'_>) -> PyResult<&Types> {
    TYPES.get_or_try_init(py, || {
        let m = py.import("datetime")?;
        let datetime = m.getattr("datetime")?.cast_into::<PyType>()?;
        let date = m.getattr("date")?.cast_into::<PyType>()?;
        Ok::<_, PyErr>(Types {
            datetime_isoformat: datetime.getattr(intern!(py, "isoformat"))?.unbind(),
            date_isoformat: date.getattr(intern!(py, "isoformat"))?.unbind(),
            datetime: datetime.unbind(),
            date: date.unbind(),
        })
    })
}

fn is_subtype(obj: &Bound<'_, PyAny>, ty: &Py<PyType>) -> bool {
    // SAFETY: both pointers are live type objects while we hold the GIL.
    unsafe { ffi::PyType_IsSubtype(ffi::Py_TYPE(obj.as_ptr()), ty.as_ptr().cast()) != 0 }
}

/// `Some` when `obj` is a datetime or a date (a datetime is also a date: checked first).
pub fn convert(obj: &Bound<'_, PyAny>) -> PyResult<Option<Value<'static>>> {
    let py = obj.py();
    let t = types(py)?;
    if is_subtype(obj, &t.datetime) {
        let text = t.datetime_isoformat.bind(py).call1((obj,))?;
        let text = value::as_str(&text)?.unwrap_or_default();
        return parse_datetime(text).map(|d| Some(Value::DateTime(d))).ok_or_else(|| bad(text));
    }
    if is_subtype(obj, &t.date) {
        let text = t.date_isoformat.bind(py).call1((obj,))?;
        let text = value::as_str(&text)?.unwrap_or_default();
        return parse_date(text.as_bytes()).map(|d| Some(Value::Date(d))).ok_or_else(|| bad(text));
    }
    Ok(None)
}

fn bad(text: &str) -> PyErr {
    pyo3::exceptions::PyValueError::new_err(format!("unexpected isoformat() output: {text:?}"))
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
}

/// `YYYY-MM-DD`
fn parse_date(s: &[u8]) -> Option<NaiveDate> {
    if s.len() != 10 || s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(&s[0..4])? as i32, digits(&s[5..7])?, digits(&s[8..10])?)
}

/// `HH:MM:SS[.ffffff]` at the start of `s`; returns the time and the bytes read.
fn parse_time(s: &[u8]) -> Option<(NaiveTime, usize)> {
    if s.len() < 8 || s[2] != b':' || s[5] != b':' {
        return None;
    }
    let (h, m, sec) = (digits(&s[0..2])?, digits(&s[3..5])?, digits(&s[6..8])?);
    let (micro, used) = if s.get(8) == Some(&b'.') && s.len() >= 15 { (digits(&s[9..15])?, 15) } else { (0, 8) };
    Some((NaiveTime::from_hms_micro_opt(h, m, sec, micro)?, used))
}

/// `YYYY-MM-DDTHH:MM:SS[.ffffff][+HH:MM[:SS[.ffffff]]]`: what `datetime.isoformat()` writes.
pub fn parse_datetime(text: &str) -> Option<DateTime> {
    let s = text.as_bytes();
    if s.len() < 19 || s[10] != b'T' {
        return None;
    }
    let date = parse_date(&s[..10])?;
    let (time, used) = parse_time(&s[11..])?;
    let wall = date.and_time(time);
    let rest = &s[11 + used..];
    if rest.is_empty() {
        return Some(DateTime::naive(wall));
    }
    let sign = match rest[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let off = &rest[1..];
    if off.len() < 5 || off[2] != b':' {
        return None;
    }
    let mut secs = digits(&off[0..2])? * 3600 + digits(&off[3..5])? * 60;
    if off.len() >= 8 && off[5] == b':' {
        // Sub-second offsets exist in Python but not in a JSON wall-clock text: dropped.
        secs += digits(&off[6..8])?;
    }
    let offset = FixedOffset::east_opt(sign * secs as i32)?;
    Some(DateTime::aware(wall, offset))
}
