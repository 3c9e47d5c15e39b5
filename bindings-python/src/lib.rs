//! `sensorsanalytics._native`: the Python binding of the Sensors Analytics core.
//!
//! The client class, the identity class and the exception classes live here; the consumer
//! classes are thin Python classes (python/sensorsanalytics/consumer.py) around the native
//! consumer handles made here. Every rule, default and piece of the wire format is the core's.

mod args;
mod call_site;
mod client;
mod consumer;
mod datetime;
mod error;
mod http_consumer;
mod identity;
mod kafka_consumer;
mod lifecycle;
mod log;
mod recording;
mod transport;
mod value;

use pyo3::prelude::*;

// The module keeps per-thread state that assumes the GIL (a stashed consumer exception, the
// call-site cache): abi3 wheels never load on free-threaded builds anyway.
#[pymodule(gil_used = true)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    error::register(m)?;
    m.add_class::<client::SensorsAnalytics>()?;
    m.add_class::<identity::SensorsAnalyticsIdentity>()?;
    consumer::register(m)?;
    http_consumer::register(m)?;
    kafka_consumer::register(m)?;
    lifecycle::register_module(m)?;
    recording::register(m)?;
    m.add("SDK_VERSION", sensorsanalytics::SDK_VERSION)?;
    Ok(())
}
