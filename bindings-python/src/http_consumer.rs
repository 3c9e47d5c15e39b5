//! The HTTP consumers' constructors (DefaultConsumer, BatchConsumer, AsyncBatchConsumer,
//! DebugConsumer): the Python classes in python/sensorsanalytics/consumer.py call these with
//! what the user gave; core's options types apply the defaults and rules.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use sensorsanalytics::consumer::options::{self, AsyncBatchOptions, BatchOptions, HttpOptions, SpoolOptions};
use sensorsanalytics::{AsyncBatchConsumer, BatchConsumer, DebugConsumer, DefaultConsumer};

use crate::consumer::{http_handle, print, NativeConsumer};
use crate::error::{constructor_to_py, to_py};
use crate::log;
use crate::transport::PyTransport;

/// The keyword-only network options every HTTP consumer takes, as given (consumer.py's
/// `_net()`); the constructor has core check them and build the transport, before its own.
#[pyclass(frozen, module = "sensorsanalytics._native")]
pub struct Network(HttpOptions);

#[pyfunction]
#[pyo3(signature = (ca_file=None, proxy=None, headers=None, gzip=None))]
fn network(
    ca_file: Option<PathBuf>,
    proxy: Option<String>,
    headers: Option<Vec<(String, String)>>,
    gzip: Option<bool>,
) -> Network {
    Network(HttpOptions { ca_file, proxy, headers: headers.unwrap_or_default(), gzip })
}

/// `DefaultConsumer(url_prefix, request_timeout, *, ca_file, proxy, headers, gzip)`; `owner`
/// is the Python consumer object.
#[pyfunction]
#[pyo3(signature = (owner, network, url_prefix, request_timeout=None))]
fn default_consumer(
    owner: &Bound<'_, PyAny>,
    network: &Bound<'_, Network>,
    url_prefix: &str,
    request_timeout: Option<f64>,
) -> PyResult<NativeConsumer> {
    let http = network.get().0.transport().map_err(constructor_to_py)?;
    let transport = Arc::new(PyTransport::new(owner, true, false, http)?);
    let ms = options::request_timeout_ms(request_timeout).map_err(constructor_to_py)?;
    let c = DefaultConsumer::with_transport(url_prefix, ms, transport.clone()).map_err(constructor_to_py)?;
    Ok(http_handle(Arc::new(c), transport, url_prefix, false, ms, true, false))
}

/// The spool options (`spool_dir`, `spool_max_bytes`, `spool_fsync`) of BatchConsumer,
/// AsyncBatchConsumer and KafkaConsumer, as given.
pub fn spool_options(spool_dir: Option<PathBuf>, spool_max_bytes: Option<f64>, spool_fsync: Option<bool>) -> SpoolOptions {
    SpoolOptions { spool_dir, spool_max_bytes, spool_fsync }
}

/// `BatchConsumer(url_prefix, max_size, request_timeout, *, spool_dir, spool_max_bytes,
/// spool_fsync, ca_file, proxy, headers, gzip)`
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (owner, network, url_prefix, max_size=None, request_timeout=None, spool_dir=None, spool_max_bytes=None, spool_fsync=None))]
fn batch_consumer(
    owner: &Bound<'_, PyAny>,
    network: &Bound<'_, Network>,
    url_prefix: &str,
    max_size: Option<f64>,
    request_timeout: Option<f64>,
    spool_dir: Option<PathBuf>,
    spool_max_bytes: Option<f64>,
    spool_fsync: Option<bool>,
) -> PyResult<NativeConsumer> {
    let http = network.get().0.transport().map_err(constructor_to_py)?;
    let o = BatchOptions { max_size, request_timeout, spool: spool_options(spool_dir, spool_max_bytes, spool_fsync) }
        .build()
        .map_err(constructor_to_py)?;
    // With a spool the requests run on the spool's own threads, like AsyncBatchConsumer's.
    let transport = Arc::new(PyTransport::new(owner, o.spool.is_none(), false, http)?);
    let ms = o.request_timeout_ms;
    let c = match o.spool {
        None => BatchConsumer::with_transport(url_prefix, o.max_size, ms, transport.clone()),
        Some(spool) => BatchConsumer::with_spool(url_prefix, o.max_size, ms, spool, transport.clone()),
    }
    .map_err(constructor_to_py)?;
    Ok(http_handle(Arc::new(c), transport, url_prefix, false, ms, true, false))
}

/// `AsyncBatchConsumer(url_prefix, flush_max_time, flush_size, max_batch_size, max_size,
/// request_timeout, *, spool_dir, spool_max_bytes, spool_fsync, on_error, ca_file, proxy,
/// headers, gzip)`:
/// `flush_max_time` in seconds, as the reference.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (owner, network, url_prefix, flush_max_time=None, flush_size=None, max_batch_size=None, max_size=None, request_timeout=None, spool_dir=None, spool_max_bytes=None, spool_fsync=None, on_error=None))]
fn async_batch_consumer(
    owner: &Bound<'_, PyAny>,
    network: &Bound<'_, Network>,
    url_prefix: &str,
    flush_max_time: Option<f64>,
    flush_size: Option<f64>,
    max_batch_size: Option<f64>,
    max_size: Option<f64>,
    request_timeout: Option<f64>,
    spool_dir: Option<PathBuf>,
    spool_max_bytes: Option<f64>,
    spool_fsync: Option<bool>,
    on_error: Option<Py<PyAny>>,
) -> PyResult<NativeConsumer> {
    let http = network.get().0.transport().map_err(constructor_to_py)?;
    let transport = Arc::new(PyTransport::new(owner, false, false, http)?);
    let mut config = AsyncBatchOptions {
        flush_max_time,
        flush_size,
        max_batch_size,
        max_size,
        request_timeout,
        spool: spool_options(spool_dir, spool_max_bytes, spool_fsync),
    }
    .build()
    .map_err(constructor_to_py)?;
    let ms = config.request_timeout_ms;
    config.on_give_up = Some(give_up_reporter(on_error));
    let c = AsyncBatchConsumer::with_transport(url_prefix, config, transport.clone()).map_err(constructor_to_py)?;
    Ok(http_handle(Arc::new(c), transport, url_prefix, false, ms, false, true))
}

/// The core's give-up callback for a consumer with `on_error(records, exception)` (also
/// KafkaConsumer's): records given up on are logged as a warning and handed to `on_error`.
pub fn give_up_reporter(on_error: Option<Py<PyAny>>) -> sensorsanalytics::GiveUpCallback {
    let on_error = on_error.filter(|f| Python::attach(|py| !f.is_none(py)));
    Arc::new(move |records: &[String], e: &sensorsanalytics::Error| {
        // On a background thread: tell the user's callback and the host's logging, unless
        // the interpreter is going away.
        if crate::lifecycle::exiting() {
            return;
        }
        Python::attach(|py| {
            log::warning(py, &format!("gave up on {} records: {}", records.len(), e.message()));
            if let Some(cb) = &on_error {
                let err = to_py(e.clone());
                if let Err(raised) = cb.call1(py, (records.to_vec(), err)) {
                    log::warning(py, &format!("on_error raised: {raised}"));
                }
            }
        });
    })
}

/// `DebugConsumer(url_prefix, write_data, request_timeout, *, ca_file, proxy, headers,
/// gzip)`: the verdicts are printed with Python's `print`, as the reference does.
#[pyfunction]
#[pyo3(signature = (owner, network, url_prefix, write_data=None, request_timeout=None))]
fn debug_consumer(
    owner: &Bound<'_, PyAny>,
    network: &Bound<'_, Network>,
    url_prefix: &str,
    write_data: Option<bool>,
    request_timeout: Option<f64>,
) -> PyResult<NativeConsumer> {
    let http = network.get().0.transport().map_err(constructor_to_py)?;
    let transport = Arc::new(PyTransport::new(owner, true, true, http)?);
    let ms = options::request_timeout_ms(request_timeout).map_err(constructor_to_py)?;
    let write_data = write_data.unwrap_or(options::DEFAULT_WRITE_DATA);
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
    Ok(http_handle(Arc::new(c), transport, &url, !write_data, ms, true, false))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Network>()?;
    m.add_function(wrap_pyfunction!(network, m)?)?;
    m.add_function(wrap_pyfunction!(default_consumer, m)?)?;
    m.add_function(wrap_pyfunction!(batch_consumer, m)?)?;
    m.add_function(wrap_pyfunction!(async_batch_consumer, m)?)?;
    m.add_function(wrap_pyfunction!(debug_consumer, m)?)?;
    Ok(())
}
