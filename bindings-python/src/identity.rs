//! `SensorsAnalyticsIdentity(key, value)` for the ID-Mapping 3.0 calls, and identity arguments
//! as the core's loose identities.

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use sensorsanalytics::{Identity, IdentityArg, Text};

use crate::value::{self, Strings};

/// An identity: a key (`$identity_login_id`, ...) and a value. Plain mutable attributes, as
/// in the reference, checked when used.
#[pyclass(subclass, module = "sensorsanalytics", name = "SensorsAnalyticsIdentity")]
pub struct SensorsAnalyticsIdentity {
    #[pyo3(get, set)]
    key: Py<PyAny>,
    #[pyo3(get, set)]
    value: Py<PyAny>,
}

#[pymethods]
impl SensorsAnalyticsIdentity {
    #[new]
    fn new(key: Py<PyAny>, value: Py<PyAny>) -> Self {
        SensorsAnalyticsIdentity { key, value }
    }

    #[classattr]
    const LOGIN_ID: &'static str = Identity::LOGIN_ID;
    #[classattr]
    const MOBILE: &'static str = Identity::MOBILE;
    #[classattr]
    const EMAIL: &'static str = Identity::EMAIL;

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "SensorsAnalyticsIdentity({}, {})",
            self.key.bind(py).repr()?.to_cow()?,
            self.value.bind(py).repr()?.to_cow()?
        ))
    }
}

/// The identities of a call, as the core's loose identities (the core checks them, in the
/// reference's order).
pub fn convert(identities: &[Bound<'_, PyAny>]) -> PyResult<Vec<IdentityArg<'static>>> {
    identities.iter().map(one).collect()
}

/// One identity argument (`unbind`).
pub fn one(obj: &Bound<'_, PyAny>) -> PyResult<IdentityArg<'static>> {
    let Ok(id) = obj.cast::<SensorsAnalyticsIdentity>() else { return Ok(IdentityArg::NotIdentity) };
    let id = id.borrow();
    let text = |field: &Py<PyAny>| value::name(field.bind(obj.py()), Strings::Copy).map(Text::into_owned);
    Ok(IdentityArg::Given { key: text(&id.key)?, value: text(&id.value)? })
}

/// The `*identities` of a call.
pub fn from_tuple(t: &Bound<'_, PyTuple>) -> PyResult<Vec<IdentityArg<'static>>> {
    convert(&t.iter().collect::<Vec<_>>())
}
