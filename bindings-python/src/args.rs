//! Python arguments as the core's loose arguments (`sensorsanalytics::args`): the core owns
//! which shapes each method takes and in what order it checks them; this only says what an
//! object is (None, a dict, a list, anything else and its truth value).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use sensorsanalytics::Arg;

use crate::value::{self, Keep, Strings};

/// Python's truth test of an optional argument (`is_login_id`, `enable_time_free`).
pub fn truthy(obj: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
    obj.map_or(Ok(false), |o| o.is_truthy())
}

/// A properties, profiles or profile_keys argument.
pub fn arg<'a, 'py>(obj: Option<&'a Bound<'py, PyAny>>, keep: &'a Keep<'py>, strings: Strings) -> PyResult<Arg<'a>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else { return Ok(Arg::Absent) };
    if let Ok(d) = obj.cast::<PyDict>() {
        return value::dict(d, keep, strings).map(Arg::Map);
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return value::keys(l).map(Arg::List);
    }
    Ok(Arg::Other { falsy: !obj.is_truthy()? })
}
