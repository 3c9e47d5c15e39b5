//! Consumers as the client sees them.
//!
//! Ours are core consumers behind a [`NativeConsumer`] handle, which the Python consumer
//! classes (python/sensorsanalytics/consumer.py) hold; a client built on one of them talks to
//! the core consumer directly, without a Python call per record. Anything else with
//! `send`/`flush`/`close` (a user's consumer, or a subclass of ours that overrides them) is
//! called back through [`PyConsumer`].

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use sensorsanalytics::consumer::options;
use sensorsanalytics::{ConcurrentLoggingConsumer, Consumer, LoggingConsumer, Result as CoreResult, Transport};

use crate::error::{self, constructor_to_py, to_py};
use crate::lifecycle::OffThreadDrop;
use crate::transport::{self, PyTransport};
use crate::value;

/// A core consumer, as the Python consumer classes hold it.
#[pyclass(frozen, module = "sensorsanalytics._native")]
pub struct NativeConsumer {
    pub inner: OffThreadDrop<Arc<dyn Consumer>>,
    /// Whether `send` may wait on I/O (a network round trip): then the client releases the
    /// GIL around the whole call. File consumers only copy into a buffer and keep the GIL:
    /// releasing and retaking it would cost more than their occasional write.
    pub blocking: bool,
    /// Whether it calls Python code itself (ConsoleConsumer prints through `sys.stdout`).
    pub calls_python: bool,
    http: Option<Http>,
    /// Whether `stats()` reads the core consumer's counters (HTTP consumers, KafkaConsumer).
    pub has_stats: bool,
}

/// What an HTTP consumer's Python class reaches through its handle.
struct Http {
    transport: Arc<PyTransport>,
    /// Where `_do_request` posts, with what headers and timeout.
    url: String,
    dry_run: bool,
    timeout: Option<Duration>,
}

impl NativeConsumer {
    /// `slow_drop`: dropping the core consumer may wait (it drains a queue).
    pub fn new(inner: Arc<dyn Consumer>, blocking: bool, slow_drop: bool) -> Self {
        let inner = OffThreadDrop::new(inner, slow_drop);
        NativeConsumer { inner, blocking, calls_python: false, http: None, has_stats: false }
    }

    fn http(&self) -> PyResult<&Http> {
        self.http.as_ref().ok_or_else(|| pyo3::exceptions::PyTypeError::new_err("not an HTTP consumer"))
    }
}

/// Runs `f` with the GIL released (inside the fork gate, see lifecycle.rs).
fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> CoreResult<T> + Send) -> PyResult<T> {
    crate::lifecycle::detach(py, f).map_err(to_py)
}

#[pymethods]
impl NativeConsumer {
    /// Takes one record (a JSON line), as `consumer.send(msg)` in the reference.
    fn send(&self, py: Python<'_>, msg: &Bound<'_, PyAny>) -> PyResult<()> {
        let text =
            value::as_str(msg)?.ok_or_else(|| pyo3::exceptions::PyTypeError::new_err("send() takes a str"))?.to_owned();
        if self.blocking {
            detached(py, || self.inner.send(&text))
        } else {
            self.inner.send(&text).map_err(to_py)
        }
    }

    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        detached(py, || self.inner.flush())
    }

    fn close(&self, py: Python<'_>) -> PyResult<()> {
        detached(py, || self.inner.close())
    }

    /// HTTP consumers: whether the owner's `_do_request` is a replacement (kept up to date
    /// by the Python class).
    fn set_hooked(&self, hooked: bool) -> PyResult<()> {
        self.http()?.transport.hooked.store(hooked, Ordering::Release);
        Ok(())
    }

    /// HTTP consumers: what the reference's `_do_request(form_dict)` does, on the network:
    /// posts the form and returns `(status, body)`; with `checked`, a non-2xx answer is
    /// raised as the network error (core's rule and text) and `True` returned.
    #[pyo3(signature = (form, checked=false))]
    fn request<'py>(&self, py: Python<'py>, form: &Bound<'py, PyAny>, checked: bool) -> PyResult<Bound<'py, PyAny>> {
        let http = self.http()?;
        let form = transport::form_of(form)?;
        let headers = sensorsanalytics::http::sdk_headers(http.dry_run);
        let resp = crate::lifecycle::detach(py, || http.transport.http.post(&http.url, &form, headers, http.timeout))
            .map_err(|e| to_py(e.into()))?;
        if checked {
            sensorsanalytics::http::check_status(&resp).map_err(to_py)?;
            return Ok(pyo3::types::PyBool::new(py, true).to_owned().into_any());
        }
        Ok((resp.status, resp.body).into_pyobject(py)?.into_any())
    }

    /// HTTP consumers: the counters of core's `Stats`, by name: nothing is lost without a
    /// trace.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        if !self.has_stats {
            self.http()?;
        }
        let s = self.inner.stats();
        let d = PyDict::new(py);
        for (name, n) in s.counters() {
            d.set_item(name, n)?;
        }
        d.set_item("last_error", s.last_error)?;
        Ok(d)
    }
}

/// A Python object used as a consumer: its methods are called with the GIL held, and what
/// they raise reaches the caller of `track()` unchanged (see `error::stash`).
pub struct PyConsumer {
    obj: Py<PyAny>,
}

impl PyConsumer {
    pub fn new(obj: Py<PyAny>) -> Self {
        PyConsumer { obj }
    }

    fn call(&self, method: impl for<'py> FnOnce(&Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>>) -> CoreResult<()> {
        Python::attach(|py| method(self.obj.bind(py)).map(drop).map_err(error::stash))
    }
}

impl Consumer for PyConsumer {
    fn send(&self, record: &str) -> CoreResult<()> {
        self.call(|o| o.call_method1(intern!(o.py(), "send"), (record,)))
    }

    fn flush(&self) -> CoreResult<()> {
        self.call(|o| o.call_method0(intern!(o.py(), "flush")))
    }

    fn close(&self) -> CoreResult<()> {
        self.call(|o| o.call_method0(intern!(o.py(), "close")))
    }
}

/// ConsoleConsumer: `print(record)`, as the reference, so that whatever `sys.stdout` is at
/// the time (pytest's capture, a redirect, None under pythonw) gets the line.
struct Stdout;

static PRINT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `print(text)`
pub(crate) fn print(py: Python<'_>, text: &str) -> PyResult<()> {
    let print =
        PRINT.get_or_try_init(py, || py.import("builtins")?.getattr(intern!(py, "print")).map(Bound::unbind))?;
    print.bind(py).call1((text,)).map(drop)
}

impl Consumer for Stdout {
    fn send(&self, record: &str) -> CoreResult<()> {
        Python::attach(|py| print(py, record).map_err(error::stash))
    }
}

#[pyfunction]
fn console_consumer() -> NativeConsumer {
    NativeConsumer { calls_python: true, ..NativeConsumer::new(Arc::new(Stdout), false, false) }
}

/// `LoggingConsumer(prefix, backupCount, when)`; `None` is core's default.
#[pyfunction]
#[pyo3(signature = (prefix, backup_count=None, when=None))]
fn logging_consumer(
    prefix: PathBuf,
    backup_count: Option<f64>,
    when: Option<&Bound<'_, PyAny>>,
) -> PyResult<NativeConsumer> {
    let when = match when {
        Some(w) if !w.is_none() => {
            Some(value::as_str(w)?.ok_or_else(|| pyo3::exceptions::PyTypeError::new_err("when must be a str"))?)
        }
        _ => None,
    };
    let (keep, when) = options::logging(backup_count, when).map_err(constructor_to_py)?;
    let c = LoggingConsumer::new(prefix, keep, when).map_err(constructor_to_py)?;
    Ok(NativeConsumer::new(Arc::new(c), false, false))
}

/// `ConcurrentLoggingConsumer(prefix, bufferSize)`
#[pyfunction]
#[pyo3(signature = (prefix, buffer_size=None))]
fn concurrent_logging_consumer(prefix: PathBuf, buffer_size: Option<f64>) -> PyResult<NativeConsumer> {
    let size = options::buffer_size(buffer_size).map_err(constructor_to_py)?;
    let c = ConcurrentLoggingConsumer::new(prefix, size).map_err(constructor_to_py)?;
    Ok(NativeConsumer::new(Arc::new(c), false, false))
}

/// A handle on an HTTP consumer (http_consumer.rs makes them).
pub(crate) fn http_handle(
    consumer: Arc<dyn Consumer>,
    transport: Arc<PyTransport>,
    url: &str,
    dry_run: bool,
    request_timeout_ms: Option<u64>,
    blocking: bool,
    slow_drop: bool,
) -> NativeConsumer {
    let http = Http { transport, url: url.to_owned(), dry_run, timeout: request_timeout_ms.map(Duration::from_millis) };
    NativeConsumer { http: Some(http), has_stats: true, ..NativeConsumer::new(consumer, blocking, slow_drop) }
}

/// Test-only (the shared vectors, tests/vectors/options/): the settings core's normaliser
/// gives a consumer for one option as given, as JSON, or the error a constructor raises.
#[pyfunction]
#[pyo3(signature = (consumer, option, value=None))]
fn _normalised_consumer_option(consumer: &str, option: &str, value: Option<f64>) -> PyResult<String> {
    options::normalised(consumer, option, value).map(|v| v.to_string()).map_err(constructor_to_py)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Core's defaults, by the reference's parameter names, so that the Python signatures show
    // them (as the reference's do) without this package retyping a number.
    let defaults = m.py().import("json")?.call_method1("loads", (options::defaults().to_string(),))?;
    m.add("DEFAULTS", defaults)?;
    m.add_function(wrap_pyfunction!(_normalised_consumer_option, m)?)?;
    m.add_class::<NativeConsumer>()?;
    m.add_function(wrap_pyfunction!(console_consumer, m)?)?;
    m.add_function(wrap_pyfunction!(logging_consumer, m)?)?;
    m.add_function(wrap_pyfunction!(concurrent_logging_consumer, m)?)?;
    Ok(())
}
