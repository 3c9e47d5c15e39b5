//! The HTTP consumers' transport, with the reference's test hook: `_do_request(form_dict)`.
//!
//! The reference's tests (and users' test suites) replace a consumer's `_do_request` to see
//! what would be sent, on the instance (`consumer._do_request = fake`) or in a subclass. Our
//! consumers batch and retry in the core; only the request itself goes through
//! [`PyTransport`], which calls the replacement with `{'data' or 'data_list': <base64
//! bytes>, 'gzip': 1}` when there is one, and the network otherwise.
//!
//! Whether there is one: the Python consumer class keeps a flag up to date (set on
//! construction and when `_do_request` is assigned). The synchronous consumers, which send on
//! the caller's thread, also ask the object on every request, so a patch of the class made
//! after construction is seen too; AsyncBatchConsumer's sender threads go by the flag alone,
//! so that they never wait for the GIL unless a replacement exists.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyWeakrefReference};
use sensorsanalytics::{HttpResponse, ReqwestTransport, Transport, TransportError, TransportErrorKind, WireForm};

use crate::error;
use crate::lifecycle;
use crate::log;
use crate::value;

pub struct PyTransport {
    /// The Python consumer object, weakly: it holds us (through its native handle).
    owner: Py<PyWeakrefReference>,
    /// Set while the owner's `_do_request` is not ours.
    pub hooked: Arc<AtomicBool>,
    /// Called on the caller's thread (Default, Batch, Debug), not on a sender thread.
    on_caller_thread: bool,
    /// DebugConsumer: the replacement returns a response (`.code`, `.read()`).
    reads_response: bool,
    /// The network, as the consumer's options (`ca_file`, `proxy`, ...) built it: what our
    /// `_do_request` posts with, whatever the owner's is.
    pub http: ReqwestTransport,
}

impl PyTransport {
    pub fn new(
        owner: &Bound<'_, PyAny>,
        on_caller_thread: bool,
        reads_response: bool,
        http: ReqwestTransport,
    ) -> PyResult<Self> {
        Ok(PyTransport {
            owner: PyWeakrefReference::new(owner)?.unbind(),
            hooked: Arc::new(AtomicBool::new(false)),
            on_caller_thread,
            reads_response,
            http,
        })
    }

    /// The owner's replacement `_do_request`, if it has one.
    fn replacement<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(owner) = self.owner.bind(py).upgrade() else { return Ok(None) };
        let hook = owner.call_method0(intern!(py, "_sa_request_hook"))?;
        Ok(if hook.is_none() { None } else { Some(hook) })
    }

    /// Calls the replacement, if any: `None` means "use the network".
    fn call_replacement(&self, form: &WireForm) -> Option<Result<HttpResponse, TransportError>> {
        if lifecycle::exiting() {
            return None;
        }
        Python::attach(|py| {
            let hook = match self.replacement(py) {
                Ok(Some(h)) => h,
                Ok(None) => return None,
                Err(e) => return Some(Err(self.failure(py, e))),
            };
            let result = form_dict(py, form).and_then(|d| hook.call1((d,)));
            Some(match result {
                Ok(response) if self.reads_response => response_of(&response).map_err(|e| self.failure(py, e)),
                Ok(_) => Ok(HttpResponse::new(200)),
                Err(e) => Err(self.failure(py, e)),
            })
        })
    }

    /// A Python exception from the replacement. On the caller's thread it is raised to the
    /// caller as it is (see `error::stash`); on a sender thread it is logged and the batch
    /// fails without retries.
    fn failure(&self, py: Python<'_>, e: PyErr) -> TransportError {
        if self.on_caller_thread {
            let placeholder = error::stash(e);
            TransportError::new(TransportErrorKind::Fatal, placeholder.message().to_owned())
        } else {
            let text = format!("_do_request raised {}", e.value(py).repr().map(|r| r.to_string()).unwrap_or_default());
            log::warning(py, &text);
            TransportError::new(TransportErrorKind::Fatal, text)
        }
    }
}

impl Transport for PyTransport {
    fn post(
        &self,
        url: &str,
        form: &WireForm,
        headers: &[(&str, &str)],
        timeout: Option<Duration>,
    ) -> Result<HttpResponse, TransportError> {
        if self.on_caller_thread || self.hooked.load(Ordering::Acquire) {
            if let Some(result) = self.call_replacement(form) {
                return result;
            }
        }
        self.http.post(url, form, headers, timeout)
    }

    /// The synchronous consumers call us on the caller's thread (with the GIL released): a
    /// replacement `_do_request` must run where the caller's exception can reach it.
    fn needs_own_thread(&self) -> bool {
        false
    }

    /// `gzip=False` applies to what a replacement `_do_request` is given too.
    fn gzip(&self) -> bool {
        self.http.gzip()
    }
}

/// `{'data' or 'data_list': <base64 bytes>, 'gzip': 1}`, as the reference passes it.
pub fn form_dict<'py>(py: Python<'py>, form: &WireForm) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(form.field.as_str(), PyBytes::new(py, form.payload_base64.as_bytes()))?;
    d.set_item("gzip", if form.gzip { 1 } else { 0 })?;
    Ok(d)
}

/// The form a `_do_request(form_dict)` call was given, back as a [`WireForm`].
pub fn form_of(d: &Bound<'_, PyAny>) -> PyResult<WireForm> {
    let d = d.cast::<PyDict>().map_err(|_| pyo3::exceptions::PyTypeError::new_err("form must be a dict"))?;
    let (field, payload) = match (d.get_item("data")?, d.get_item("data_list")?) {
        (Some(p), _) => (sensorsanalytics::FormField::Data, p),
        (None, Some(p)) => (sensorsanalytics::FormField::DataList, p),
        (None, None) => return Err(pyo3::exceptions::PyKeyError::new_err("data")),
    };
    let payload_base64 = bytes_or_text(&payload)?;
    let gzip = d.get_item("gzip")?.map_or(Ok(false), |g| g.is_truthy())?;
    Ok(WireForm { field, payload_base64, gzip })
}

/// `bytes` as (lossy) UTF-8, anything else as `str(obj)`.
fn bytes_or_text(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    match obj.cast::<PyBytes>() {
        Ok(b) => Ok(String::from_utf8_lossy(b.as_bytes()).into_owned()),
        Err(_) => value::text(obj),
    }
}

/// A DebugConsumer replacement's return value: `.code` (and `.read()` for the body), as the
/// reference reads it; anything without a code counts as 200.
fn response_of(response: &Bound<'_, PyAny>) -> PyResult<HttpResponse> {
    let py = response.py();
    let Ok(code) = response.getattr(intern!(py, "code")) else { return Ok(HttpResponse::new(200)) };
    let mut resp = HttpResponse::new(code.extract::<u16>()?);
    if resp.status != 200 {
        if let Ok(body) = response.call_method0(intern!(py, "read")) {
            resp.body = bytes_or_text(&body)?;
        }
    }
    Ok(resp)
}
