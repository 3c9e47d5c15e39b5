//! `KafkaConsumer(bootstrap_servers, topic, max_size=100000, settings=None, *, on_error=None,
//! spool_dir=None, spool_max_bytes=None, spool_fsync=None)`:
//! the core's KafkaConsumer behind a [`NativeConsumer`] handle. This file only converts: the
//! settings dict's values into librdkafka's strings, the callback into core's give-up
//! callback; every default and rule is core's. Bad arguments raise the SDK's
//! SensorsAnalyticsIllegalDataException (the reference has no Kafka consumer whose ValueError
//! we would have to keep, as `constructor_to_py` does for the file consumers).

use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};
use std::path::PathBuf;

use sensorsanalytics::consumer::options::KafkaOptions;
use sensorsanalytics::KafkaConsumer;

use crate::consumer::NativeConsumer;
use crate::http_consumer::{give_up_reporter, spool_options};
use crate::error::to_py;

/// A librdkafka setting's value as librdkafka reads it: `True` is `"true"`, `5` is `"5"`.
fn setting_value(key: &str, v: &Bound<'_, PyAny>) -> PyResult<String> {
    if v.is_instance_of::<PyBool>() {
        return Ok(if v.extract::<bool>()? { "true" } else { "false" }.to_owned());
    }
    if v.is_instance_of::<PyString>() || v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>() {
        return v.str()?.extract::<String>();
    }
    Err(PyTypeError::new_err(format!(
        "KafkaConsumer settings[{key:?}] must be a str, int, float or bool, not {}",
        v.get_type().name()?
    )))
}

fn settings_of(settings: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<(String, String)>> {
    let Some(d) = settings else { return Ok(Vec::new()) };
    d.iter()
        .map(|(k, v)| {
            let key: String = k.extract().map_err(|_| PyTypeError::new_err("KafkaConsumer settings keys must be str"))?;
            let value = setting_value(&key, &v)?;
            Ok((key, value))
        })
        .collect()
}

#[pyfunction]
#[pyo3(signature = (bootstrap_servers, topic, max_size=None, settings=None, on_error=None, spool_dir=None, spool_max_bytes=None, spool_fsync=None))]
#[allow(clippy::too_many_arguments)]
fn kafka_consumer(
    bootstrap_servers: &str,
    topic: &str,
    max_size: Option<f64>,
    settings: Option<&Bound<'_, PyDict>>,
    on_error: Option<Py<PyAny>>,
    spool_dir: Option<PathBuf>,
    spool_max_bytes: Option<f64>,
    spool_fsync: Option<bool>,
) -> PyResult<NativeConsumer> {
    let spool = spool_options(spool_dir, spool_max_bytes, spool_fsync);
    let mut config =
        KafkaOptions { max_size, settings: settings_of(settings)?, spool }.build().map_err(to_py)?;
    config.on_give_up = Some(give_up_reporter(on_error));
    let c = KafkaConsumer::new(bootstrap_servers, topic, config).map_err(to_py)?;
    // send() only queues into librdkafka (no I/O): the client keeps the GIL around it. Its
    // drop waits for delivery (up to 10 s), so it happens on a thread of its own.
    let mut handle = NativeConsumer::new(Arc::new(c), false, true);
    handle.has_stats = true;
    Ok(handle)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(kafka_consumer, m)?)
}
