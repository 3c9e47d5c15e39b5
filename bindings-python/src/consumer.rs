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
use sensorsanalytics::{
    AsyncBatchConfig, AsyncBatchConsumer, BatchConsumer, ConcurrentLoggingConsumer, Consumer, DebugConsumer,
    DefaultConsumer, LoggingConsumer, Result as CoreResult, Stats,
};

use crate::error::{self, constructor_to_py, to_py};
use crate::lifecycle::OffThreadDrop;
use crate::transport::{self, PyTransport};
use crate::{log, value};

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
}

/// What an HTTP consumer's Python class reaches through its handle.
struct Http {
    transport: Arc<PyTransport>,
    /// Where `_do_request` posts, with what headers and timeout.
    url: String,
    dry_run: bool,
    timeout: Option<Duration>,
    stats: Box<dyn Fn() -> Stats + Send + Sync>,
    slow_drop: bool,
}

impl NativeConsumer {
    pub fn new(inner: Arc<dyn Consumer>, blocking: bool) -> Self {
        NativeConsumer { inner: OffThreadDrop::new(inner, false), blocking, calls_python: false, http: None }
    }

    /// Whether dropping the core consumer may wait (it drains a queue).
    pub fn slow_drop(&self) -> bool {
        self.http.as_ref().is_some_and(|h| h.slow_drop)
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
    /// posts the form and returns `(status, body)`.
    fn request(&self, py: Python<'_>, form: &Bound<'_, PyAny>) -> PyResult<(u16, String)> {
        let http = self.http()?;
        let form = transport::form_of(form)?;
        let mut headers = vec![("User-Agent", sensorsanalytics::USER_AGENT)];
        if http.dry_run {
            headers.push(("Dry-Run", "true"));
        }
        let resp = crate::lifecycle::detach(py, || http.transport.post_direct(&http.url, &form, &headers, http.timeout))
            .map_err(|e| to_py(e.into()))?;
        Ok((resp.status, resp.body))
    }

    /// HTTP consumers: the counters (sent, failed, dropped, retried, queue_depth,
    /// in_flight, last_error): nothing is lost without a trace.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = (self.http()?.stats)();
        let d = PyDict::new(py);
        d.set_item("sent", s.sent)?;
        d.set_item("failed", s.failed)?;
        d.set_item("dropped", s.dropped)?;
        d.set_item("retried", s.retried)?;
        d.set_item("queue_depth", s.queue_depth)?;
        d.set_item("in_flight", s.in_flight)?;
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
fn print(py: Python<'_>, text: &str) -> PyResult<()> {
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
    NativeConsumer { inner: OffThreadDrop::new(Arc::new(Stdout), false), blocking: false, calls_python: true, http: None }
}

/// `LoggingConsumer(prefix, backupCount, when)`
#[pyfunction]
fn logging_consumer(prefix: PathBuf, backup_count: i64, when: &Bound<'_, PyAny>) -> PyResult<NativeConsumer> {
    let when = value::as_str(when)?.ok_or_else(|| pyo3::exceptions::PyTypeError::new_err("when must be a str"))?;
    // TimedRotatingFileHandler keeps every file unless backupCount > 0.
    let keep = usize::try_from(backup_count).unwrap_or(0);
    let c = LoggingConsumer::new(prefix, keep, when).map_err(constructor_to_py)?;
    Ok(NativeConsumer::new(Arc::new(c), false))
}

/// `ConcurrentLoggingConsumer(prefix, bufferSize)`
#[pyfunction]
fn concurrent_logging_consumer(prefix: PathBuf, buffer_size: i64) -> PyResult<NativeConsumer> {
    // The reference writes once the buffer holds more than bufferSize records: < 0 acts as 0.
    let size = usize::try_from(buffer_size).unwrap_or(0);
    let c = ConcurrentLoggingConsumer::new(prefix, size).map_err(constructor_to_py)?;
    Ok(NativeConsumer::new(Arc::new(c), false))
}

/// `request_timeout`: milliseconds, as documented (SPEC.md §1); None, 0 or less: the default.
fn timeout_ms(request_timeout: Option<f64>) -> Option<u64> {
    request_timeout.filter(|t| t.is_finite() && *t >= 1.0).map(|t| t.round() as u64)
}

fn http_handle<C: Consumer + 'static>(
    consumer: Arc<C>,
    transport: Arc<PyTransport>,
    url: &str,
    dry_run: bool,
    request_timeout_ms: Option<u64>,
    blocking: bool,
    stats: fn(&C) -> Stats,
    slow_drop: bool,
) -> NativeConsumer {
    // Weak: the handle's `inner` must hold the last strong reference, so that its drop is
    // the one that goes to another thread (see OffThreadDrop).
    let for_stats = Arc::downgrade(&consumer);
    NativeConsumer {
        inner: OffThreadDrop::new(consumer, slow_drop),
        blocking,
        calls_python: false,
        http: Some(Http {
            transport,
            url: url.to_owned(),
            dry_run,
            timeout: request_timeout_ms.map(Duration::from_millis),
            stats: Box::new(move || for_stats.upgrade().map(|c| stats(&c)).unwrap_or_default()),
            slow_drop,
        }),
    }
}

/// `DefaultConsumer(url_prefix, request_timeout)`; `owner` is the Python consumer object.
#[pyfunction]
fn default_consumer(
    owner: &Bound<'_, PyAny>,
    url_prefix: &str,
    request_timeout: Option<f64>,
) -> PyResult<NativeConsumer> {
    let transport = Arc::new(PyTransport::new(owner, true, false)?);
    let ms = timeout_ms(request_timeout);
    let c = DefaultConsumer::with_transport(url_prefix, ms, transport.clone()).map_err(constructor_to_py)?;
    Ok(http_handle(Arc::new(c), transport, url_prefix, false, ms, true, DefaultConsumer::stats, false))
}

/// `BatchConsumer(url_prefix, max_size, request_timeout)`
#[pyfunction]
fn batch_consumer(
    owner: &Bound<'_, PyAny>,
    url_prefix: &str,
    max_size: i64,
    request_timeout: Option<f64>,
) -> PyResult<NativeConsumer> {
    let transport = Arc::new(PyTransport::new(owner, true, false)?);
    let ms = timeout_ms(request_timeout);
    let size = usize::try_from(max_size).unwrap_or(0);
    let c = BatchConsumer::with_transport(url_prefix, size, ms, transport.clone()).map_err(constructor_to_py)?;
    Ok(http_handle(Arc::new(c), transport, url_prefix, false, ms, true, BatchConsumer::stats, false))
}

/// `AsyncBatchConsumer(url_prefix, flush_max_time, flush_size, max_batch_size, max_size,
/// request_timeout)`: `flush_max_time` in seconds, as the reference.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn async_batch_consumer(
    owner: &Bound<'_, PyAny>,
    url_prefix: &str,
    flush_max_time: f64,
    flush_size: i64,
    max_batch_size: i64,
    max_size: i64,
    request_timeout: Option<f64>,
) -> PyResult<NativeConsumer> {
    let transport = Arc::new(PyTransport::new(owner, false, false)?);
    let ms = timeout_ms(request_timeout);
    let config = AsyncBatchConfig {
        flush_max_time: Duration::try_from_secs_f64(flush_max_time.max(0.0)).unwrap_or(Duration::from_secs(3)),
        flush_size: usize::try_from(flush_size).unwrap_or(1),
        max_batch_size: usize::try_from(max_batch_size).unwrap_or(1),
        max_size: usize::try_from(max_size).unwrap_or(1),
        request_timeout_ms: ms,
        on_give_up: Some(Arc::new(|records: &[String], e: &sensorsanalytics::Error| {
            // On a sender thread: tell the host's logging, unless the interpreter is going.
            if !crate::lifecycle::exiting() {
                let msg = format!("gave up on {} records: {}", records.len(), e.message());
                Python::attach(|py| log::warning(py, &msg));
            }
        })),
        ..AsyncBatchConfig::default()
    };
    let c = AsyncBatchConsumer::with_transport(url_prefix, config, transport.clone()).map_err(constructor_to_py)?;
    Ok(http_handle(Arc::new(c), transport, url_prefix, false, ms, false, AsyncBatchConsumer::stats, true))
}

/// `DebugConsumer(url_prefix, write_data, request_timeout)`: the verdicts are printed with
/// Python's `print`, as the reference does.
#[pyfunction]
fn debug_consumer(
    owner: &Bound<'_, PyAny>,
    url_prefix: &str,
    write_data: bool,
    request_timeout: Option<f64>,
) -> PyResult<NativeConsumer> {
    let transport = Arc::new(PyTransport::new(owner, true, true)?);
    let ms = timeout_ms(request_timeout);
    let c = DebugConsumer::with_transport(url_prefix, write_data, ms, transport.clone())
        .map_err(constructor_to_py)?
        .with_printer(|line: &str| {
            Python::attach(|py| {
                if let Err(e) = print(py, line) {
                    log::warning(py, &format!("DebugConsumer cannot print: {e}"));
                }
            })
        });
    let url = c.url().to_owned();
    Ok(http_handle(Arc::new(c), transport, &url, !write_data, ms, true, DebugConsumer::stats, false))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeConsumer>()?;
    m.add_function(wrap_pyfunction!(console_consumer, m)?)?;
    m.add_function(wrap_pyfunction!(logging_consumer, m)?)?;
    m.add_function(wrap_pyfunction!(concurrent_logging_consumer, m)?)?;
    m.add_function(wrap_pyfunction!(default_consumer, m)?)?;
    m.add_function(wrap_pyfunction!(batch_consumer, m)?)?;
    m.add_function(wrap_pyfunction!(async_batch_consumer, m)?)?;
    m.add_function(wrap_pyfunction!(debug_consumer, m)?)?;
    Ok(())
}
