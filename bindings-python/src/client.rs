//! `SensorsAnalytics`: the reference's client class, with its methods, positional order,
//! keyword names and defaults. Each method turns its arguments into the core's loose
//! arguments and calls the core once: which argument may be None, a list or a dict, and
//! which check comes first, is the core's (core/src/args.rs), as are the record's checks.

use std::sync::{Arc, OnceLock};

use pyo3::exceptions::{PyAttributeError, PyRuntimeError, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use sensorsanalytics::{CallSite, Client, Config, Consumer, ProfileOp, Result as CoreResult, SDK_VERSION};

use crate::args::{arg, truthy};
use crate::call_site::{self, Site};
use crate::consumer::{NativeConsumer, PyConsumer};
use crate::error::to_py;
use crate::identity;
use crate::lifecycle::{self, OffThreadDrop};
use crate::value::{self, Keep, Strings};

/// `$lib`
const LIB_NAME: &str = "python";

/// Set up in `__init__` (not in `__new__`), so that a subclass whose own `__init__` takes
/// other arguments and calls `super().__init__(consumer, ...)` works as with the reference.
#[pyclass(frozen, subclass, module = "sensorsanalytics", name = "SensorsAnalytics")]
pub struct SensorsAnalytics {
    state: OnceLock<State>,
}

struct State {
    client: OffThreadDrop<Arc<Client>>,
    consumer: Py<PyAny>,
    /// Release the GIL while the core works: the consumer may wait on the network.
    detach: bool,
}

/// Our consumer classes hand out their core consumer through `_sa_native()` unless a
/// subclass overrides `send`/`flush`/`close`; anything else is called as a Python object.
fn native_of<'py>(consumer: &Bound<'py, PyAny>) -> Option<Bound<'py, NativeConsumer>> {
    let hook = consumer.getattr(intern!(consumer.py(), "_sa_native")).ok()?;
    // A Mock consumer answers every attribute: whatever is not our handle means "Python".
    hook.call0().ok()?.cast_into::<NativeConsumer>().ok()
}

impl SensorsAnalytics {
    fn state(&self) -> PyResult<&State> {
        self.state.get().ok_or_else(|| PyAttributeError::new_err("SensorsAnalytics.__init__ was not called"))
    }

    fn strings(&self) -> Strings {
        match self.state.get() {
            Some(s) if !s.detach => Strings::Borrow,
            _ => Strings::Copy,
        }
    }

    /// Runs one core call at the caller's call site, with the GIL released if the consumer
    /// may block.
    fn call(&self, py: Python<'_>, f: impl FnOnce(&Client, Option<&CallSite>) -> CoreResult<()> + Send) -> PyResult<()> {
        let state = self.state()?;
        let site = call_site::capture(py);
        let site = site.as_ref().map(Site::get);
        let client = &*state.client;
        let run = move || f(client, site.as_ref());
        if state.detach { lifecycle::detach(py, run) } else { run() }.map_err(to_py)
    }

    fn profile(
        &self,
        py: Python<'_>,
        op: ProfileOp,
        distinct_id: &Bound<'_, PyAny>,
        profiles: Option<&Bound<'_, PyAny>>,
        is_login_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let strings = self.strings();
        let id = value::id(distinct_id, strings)?;
        let login = truthy(is_login_id)?;
        let keep = Keep::new();
        let profiles = arg(profiles, &keep, strings)?;
        self.call(py, |c, site| c.profile_loose(site, op, &id, profiles, login))
    }

    fn item(
        &self,
        py: Python<'_>,
        delete: bool,
        item_type: &Bound<'_, PyAny>,
        item_id: &Bound<'_, PyAny>,
        properties: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let strings = self.strings();
        let item_type = value::name(item_type, strings)?;
        let item_id = value::id(item_id, strings)?;
        let keep = Keep::new();
        let props = arg(properties, &keep, strings)?;
        self.call(py, |c, site| c.item_loose(site, delete, &item_type, &item_id, props))
    }

    fn profile_by_id(
        &self,
        py: Python<'_>,
        op: ProfileOp,
        properties: Option<&Bound<'_, PyAny>>,
        identities: &Bound<'_, PyTuple>,
    ) -> PyResult<()> {
        let strings = self.strings();
        let keep = Keep::new();
        let props = arg(properties, &keep, strings)?;
        let ids = identity::from_tuple(identities)?;
        self.call(py, |c, site| c.profile_by_id_loose(site, op, props, ids))
    }
}

#[pymethods]
impl SensorsAnalytics {
    #[new]
    #[pyo3(
        signature = (*_args, **_kwargs),
        text_signature = "(consumer=None, project_name=None, enable_time_free=False)"
    )]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        SensorsAnalytics { state: OnceLock::new() }
    }

    #[pyo3(signature = (consumer=None, project_name=None, enable_time_free=None))]
    fn __init__(
        &self,
        py: Python<'_>,
        consumer: Option<Bound<'_, PyAny>>,
        project_name: Option<&Bound<'_, PyAny>>,
        enable_time_free: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        if self.state.get().is_some() {
            return Err(PyRuntimeError::new_err("SensorsAnalytics is already initialized"));
        }
        let consumer = consumer.unwrap_or_else(|| py.None().into_bound(py));
        let (inner, detach, calls_python, slow_drop): (Arc<dyn Consumer>, bool, bool, bool) =
            match native_of(&consumer) {
                Some(native) => {
                    let n = native.get();
                    (Arc::clone(&n.inner), n.blocking, n.calls_python, n.inner.is_slow())
                }
                // None too: as in the reference, the first record then raises AttributeError.
                None => (Arc::new(PyConsumer::new(consumer.clone().unbind())), false, true, false),
            };
        let project_name = match project_name {
            Some(p) if !p.is_none() => Some(value::id(p, Strings::Copy)?.into_owned()),
            _ => None,
        };
        let config = Config {
            project_name,
            enable_time_free: truthy(enable_time_free)?,
            lib_name: LIB_NAME.to_owned(),
            lib_version: SDK_VERSION.to_owned(),
        };
        let client = Arc::new(Client::new(inner, config));
        let state = State { client: OffThreadDrop::new(client.clone(), slow_drop), consumer: consumer.unbind(), detach };
        if self.state.set(state).is_err() {
            return Err(PyRuntimeError::new_err("SensorsAnalytics is already initialized"));
        }
        lifecycle::register(py, &client, calls_python);
        Ok(())
    }

    /// The consumer given to the constructor.
    #[getter]
    fn _consumer(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(self.state()?.consumer.clone_ref(py))
    }

    #[pyo3(
        signature = (distinct_id, event_name, properties=None, is_login_id=None),
        text_signature = "($self, distinct_id, event_name, properties=None, is_login_id=False)"
    )]
    fn track(
        &self,
        py: Python<'_>,
        distinct_id: &Bound<'_, PyAny>,
        event_name: &Bound<'_, PyAny>,
        properties: Option<&Bound<'_, PyAny>>,
        is_login_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let strings = self.strings();
        let id = value::id(distinct_id, strings)?;
        let name = value::name(event_name, strings)?;
        let login = truthy(is_login_id)?;
        let keep = Keep::new();
        let props = arg(properties, &keep, strings)?;
        self.call(py, |c, site| c.track_loose(site, &id, &name, props, login))
    }

    #[pyo3(signature = (distinct_id, original_id, properties=None))]
    fn track_signup(
        &self,
        py: Python<'_>,
        distinct_id: &Bound<'_, PyAny>,
        original_id: &Bound<'_, PyAny>,
        properties: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let strings = self.strings();
        let id = value::id(distinct_id, strings)?;
        let original = value::id(original_id, strings)?;
        let keep = Keep::new();
        let props = arg(properties, &keep, strings)?;
        self.call(py, |c, site| c.track_signup_loose(site, &id, &original, props))
    }

    #[pyo3(
        signature = (distinct_id, profiles, is_login_id=None),
        text_signature = "($self, distinct_id, profiles, is_login_id=False)"
    )]
    fn profile_set(
        &self,
        py: Python<'_>,
        distinct_id: &Bound<'_, PyAny>,
        profiles: Option<&Bound<'_, PyAny>>,
        is_login_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.profile(py, ProfileOp::Set, distinct_id, profiles, is_login_id)
    }

    #[pyo3(
        signature = (distinct_id, profiles, is_login_id=None),
        text_signature = "($self, distinct_id, profiles, is_login_id=False)"
    )]
    fn profile_set_once(
        &self,
        py: Python<'_>,
        distinct_id: &Bound<'_, PyAny>,
        profiles: Option<&Bound<'_, PyAny>>,
        is_login_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.profile(py, ProfileOp::SetOnce, distinct_id, profiles, is_login_id)
    }

    #[pyo3(
        signature = (distinct_id, profiles, is_login_id=None),
        text_signature = "($self, distinct_id, profiles, is_login_id=False)"
    )]
    fn profile_increment(
        &self,
        py: Python<'_>,
        distinct_id: &Bound<'_, PyAny>,
        profiles: Option<&Bound<'_, PyAny>>,
        is_login_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.profile(py, ProfileOp::Increment, distinct_id, profiles, is_login_id)
    }

    #[pyo3(
        signature = (distinct_id, profiles, is_login_id=None),
        text_signature = "($self, distinct_id, profiles, is_login_id=False)"
    )]
    fn profile_append(
        &self,
        py: Python<'_>,
        distinct_id: &Bound<'_, PyAny>,
        profiles: Option<&Bound<'_, PyAny>>,
        is_login_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.profile(py, ProfileOp::Append, distinct_id, profiles, is_login_id)
    }

    #[pyo3(
        signature = (distinct_id, profile_keys, is_login_id=None),
        text_signature = "($self, distinct_id, profile_keys, is_login_id=False)"
    )]
    fn profile_unset(
        &self,
        py: Python<'_>,
        distinct_id: &Bound<'_, PyAny>,
        profile_keys: Option<&Bound<'_, PyAny>>,
        is_login_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.profile(py, ProfileOp::Unset, distinct_id, profile_keys, is_login_id)
    }

    #[pyo3(
        signature = (distinct_id, is_login_id=None),
        text_signature = "($self, distinct_id, is_login_id=False)"
    )]
    fn profile_delete(
        &self,
        py: Python<'_>,
        distinct_id: &Bound<'_, PyAny>,
        is_login_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.profile(py, ProfileOp::Delete, distinct_id, None, is_login_id)
    }

    #[pyo3(signature = (item_type, item_id, properties=None))]
    fn item_set(
        &self,
        py: Python<'_>,
        item_type: &Bound<'_, PyAny>,
        item_id: &Bound<'_, PyAny>,
        properties: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.item(py, false, item_type, item_id, properties)
    }

    #[pyo3(signature = (item_type, item_id, properties=None))]
    fn item_delete(
        &self,
        py: Python<'_>,
        item_type: &Bound<'_, PyAny>,
        item_id: &Bound<'_, PyAny>,
        properties: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.item(py, true, item_type, item_id, properties)
    }

    /// `dict.update` of the super properties: a dict, or whatever `dict.update` takes.
    fn register_super_properties(&self, py: Python<'_>, super_properties: &Bound<'_, PyAny>) -> PyResult<()> {
        let d = match super_properties.cast::<PyDict>() {
            Ok(d) => d.clone(),
            Err(_) => {
                let d = PyDict::new(py);
                d.call_method1(intern!(py, "update"), (super_properties,))?;
                d
            }
        };
        let keep = Keep::new();
        let props = value::dict(&d, &keep, Strings::Copy)?.into_owned();
        self.state()?.client.register_super_properties(&props);
        Ok(())
    }

    fn clear_super_properties(&self) -> PyResult<()> {
        self.state()?.client.clear_super_properties();
        Ok(())
    }

    /// `bind(first_identity, second_identity, *other_identities)`. Taken as `*args` so that
    /// fewer than two identities is the SDK's error, not a TypeError.
    #[pyo3(
        signature = (*identities, **kwargs),
        text_signature = "($self, first_identity, second_identity, *other_identities)"
    )]
    fn bind(
        &self,
        py: Python<'_>,
        identities: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let mut list: Vec<Bound<'_, PyAny>> = identities.iter().collect();
        if let Some(kwargs) = kwargs {
            let (mut first, mut second) = (None, None);
            for (k, v) in kwargs.iter() {
                match value::as_str(&k)? {
                    Some("first_identity") if list.is_empty() => first = Some(v),
                    Some("second_identity") if list.len() < 2 => second = Some(v),
                    Some(name @ ("first_identity" | "second_identity")) => {
                        return Err(PyTypeError::new_err(format!("bind() got multiple values for argument '{name}'")))
                    }
                    _ => {
                        return Err(PyTypeError::new_err(format!(
                            "bind() got an unexpected keyword argument '{}'",
                            value::text(&k)?
                        )))
                    }
                }
            }
            if let Some(f) = first {
                list.insert(0, f);
            }
            list.extend(second);
        }
        let ids = identity::convert(&list)?;
        self.call(py, |c, site| c.bind_loose(site, ids))
    }

    fn unbind(&self, py: Python<'_>, identity: &Bound<'_, PyAny>) -> PyResult<()> {
        let id = identity::one(identity)?;
        self.call(py, |c, site| c.unbind_loose(site, id))
    }

    #[pyo3(signature = (event_name, properties, *identities))]
    fn track_by_id(
        &self,
        py: Python<'_>,
        event_name: &Bound<'_, PyAny>,
        properties: Option<&Bound<'_, PyAny>>,
        identities: &Bound<'_, PyTuple>,
    ) -> PyResult<()> {
        let strings = self.strings();
        let ids = identity::from_tuple(identities)?;
        let name = value::name(event_name, strings)?;
        let keep = Keep::new();
        let props = arg(properties, &keep, strings)?;
        self.call(py, |c, site| c.track_by_id_loose(site, &name, props, ids))
    }

    #[pyo3(signature = (properties, *identities))]
    fn profile_set_by_id(
        &self,
        py: Python<'_>,
        properties: Option<&Bound<'_, PyAny>>,
        identities: &Bound<'_, PyTuple>,
    ) -> PyResult<()> {
        self.profile_by_id(py, ProfileOp::Set, properties, identities)
    }

    #[pyo3(signature = (properties, *identities))]
    fn profile_set_once_by_id(
        &self,
        py: Python<'_>,
        properties: Option<&Bound<'_, PyAny>>,
        identities: &Bound<'_, PyTuple>,
    ) -> PyResult<()> {
        self.profile_by_id(py, ProfileOp::SetOnce, properties, identities)
    }

    #[pyo3(signature = (profiles, *identities))]
    fn profile_increment_by_id(
        &self,
        py: Python<'_>,
        profiles: Option<&Bound<'_, PyAny>>,
        identities: &Bound<'_, PyTuple>,
    ) -> PyResult<()> {
        self.profile_by_id(py, ProfileOp::Increment, profiles, identities)
    }

    #[pyo3(signature = (profiles, *identities))]
    fn profile_append_by_id(
        &self,
        py: Python<'_>,
        profiles: Option<&Bound<'_, PyAny>>,
        identities: &Bound<'_, PyTuple>,
    ) -> PyResult<()> {
        self.profile_by_id(py, ProfileOp::Append, profiles, identities)
    }

    #[pyo3(signature = (profile_keys, *identities))]
    fn profile_unset_by_id(
        &self,
        py: Python<'_>,
        profile_keys: Option<&Bound<'_, PyAny>>,
        identities: &Bound<'_, PyTuple>,
    ) -> PyResult<()> {
        self.profile_by_id(py, ProfileOp::Unset, profile_keys, identities)
    }

    #[pyo3(signature = (*identities))]
    fn profile_delete_by_id(&self, py: Python<'_>, identities: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.profile_by_id(py, ProfileOp::Delete, None, identities)
    }

    /// Sends what the consumer buffers (the GIL is released meanwhile).
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        let client = &*self.state()?.client;
        lifecycle::detach(py, || client.flush()).map_err(to_py)
    }

    /// Flushes and releases the consumer.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let client = &self.state()?.client;
        lifecycle::unregister(py, client);
        lifecycle::detach(py, || client.close()).map_err(to_py)
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (_exc_type=None, _exc_value=None, _traceback=None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        _exc_type: Option<&Bound<'_, PyAny>>,
        _exc_value: Option<&Bound<'_, PyAny>>,
        _traceback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }
}
