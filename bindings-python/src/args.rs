//! The shapes of the reference's arguments: which may be None, falsy, a list or a dict, and
//! the error when they are something else. (What the values inside may be is the core's.)

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use sensorsanalytics::{validate, Properties, Result as CoreResult};

use crate::error::{illegal, to_py};
use crate::value::{self, Keep, Strings};

pub fn truthy(obj: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
    obj.map_or(Ok(false), |o| o.is_truthy())
}

pub fn absent(obj: Option<&Bound<'_, PyAny>>) -> bool {
    obj.is_none_or(|o| o.is_none())
}

/// track / track_signup: the reference's `if properties:`, so any falsy value is "none";
/// anything else must be a dict.
pub fn event_properties<'a, 'py>(
    obj: Option<&'a Bound<'py, PyAny>>,
    keep: &'a Keep<'py>,
    strings: Strings,
) -> PyResult<Option<Properties<'a>>> {
    let Some(obj) = obj else { return Ok(None) };
    if let Ok(d) = obj.cast::<PyDict>() {
        return if d.is_empty() { Ok(None) } else { value::dict(d, keep, strings).map(Some) };
    }
    if obj.is_truthy()? {
        Err(illegal(validate::MSG_PROPERTIES_NOT_DICT))
    } else {
        Ok(None)
    }
}

/// A dict argument, or `err` for anything else.
pub fn required_dict<'a, 'py>(
    obj: Option<&'a Bound<'py, PyAny>>,
    keep: &'a Keep<'py>,
    strings: Strings,
    err: &str,
) -> PyResult<Properties<'a>> {
    match obj.map(|o| o.cast::<PyDict>()) {
        Some(Ok(d)) => value::dict(d, keep, strings),
        _ => Err(illegal(err)),
    }
}

/// The core's error for a placeholder name, re-worded with the text of the non-str name the
/// caller gave: the core then reports it in the reference's order (after the distinct_id and
/// the time), with the reference's text (`[name=None]`).
pub fn finish(result: CoreResult<()>, name: &Result<Cow<'_, str>, String>, msg: fn(&str) -> String) -> PyResult<()> {
    match (result, name) {
        (Ok(()), _) => Ok(()),
        (Err(e), Err(text)) if e.message() == msg("") => Err(illegal(msg(text))),
        (Err(e), _) => Err(to_py(e)),
    }
}

pub fn name_str<'n>(name: &'n Result<Cow<'_, str>, String>) -> &'n str {
    // An empty name is never valid: the core stops there and `finish` words the error.
    name.as_deref().unwrap_or("")
}
