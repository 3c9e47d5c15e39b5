//! `SensorsAnalyticsIdentity(key, value)` for the ID-Mapping 3.0 calls, and the checks of a
//! list of identities that only the binding can make (types), interleaved with the core's in
//! the reference's order.

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use sensorsanalytics::{validate, Identity};

use crate::error::{illegal, to_py};
use crate::value;

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
    #[allow(non_snake_case)]
    fn LOGIN_ID() -> &'static str {
        Identity::LOGIN_ID
    }

    #[classattr]
    #[allow(non_snake_case)]
    fn MOBILE() -> &'static str {
        Identity::MOBILE
    }

    #[classattr]
    #[allow(non_snake_case)]
    fn EMAIL() -> &'static str {
        Identity::EMAIL
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "SensorsAnalyticsIdentity({}, {})",
            self.key.bind(py).repr()?.to_cow()?,
            self.value.bind(py).repr()?.to_cow()?
        ))
    }
}

/// The identities of a call, checked one by one as the reference does: the type, the key
/// (a str, then the core's name rules), the value (a str, then the core's rules); then the
/// core's checks of the whole list (none at all, duplicate keys).
pub fn convert(identities: &[Bound<'_, PyAny>]) -> PyResult<Vec<Identity<'static>>> {
    let mut out = Vec::with_capacity(identities.len());
    for obj in identities {
        let id = obj.cast::<SensorsAnalyticsIdentity>().map_err(|_| illegal(validate::MSG_IDENTITY_TYPE))?;
        let (key, val) = {
            let id = id.borrow();
            (id.key.bind(obj.py()).clone(), id.value.bind(obj.py()).clone())
        };
        let key_text = match value::as_str(&key)? {
            Some(k) => k.to_owned(),
            None => return Err(illegal(validate::msg_key_not_str(&value::text(&key)?))),
        };
        validate::check_key(&key_text).map_err(to_py)?;
        let value_text = match value::as_str(&val)? {
            Some(v) => v.to_owned(),
            None => return Err(illegal(validate::msg_identity_value_not_str(&key_text))),
        };
        let identity = Identity::new(key_text, value_text);
        validate::check_identities(std::slice::from_ref(&identity), 1).map_err(to_py)?;
        out.push(identity);
    }
    validate::check_identities(&out, 1).map_err(to_py)?;
    Ok(out)
}

/// The `*identities` of a call.
pub fn from_tuple(t: &Bound<'_, PyTuple>) -> PyResult<Vec<Identity<'static>>> {
    convert(&t.iter().collect::<Vec<_>>())
}
