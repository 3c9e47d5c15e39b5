//! Consumers: where records go.
//!
//! Two shapes, so that the SDK's own consumers never call back across the FFI per record:
//! - [`NativeConsumer`]: one object wrapping any consumer of the core (console, files, HTTP);
//!   the client hands it each line directly in Rust.
//! - [`ForeignConsumer`]: a trait the foreign language implements (a user-written consumer,
//!   as the reference allows: anything with send/flush/close); the client calls back into it.

use std::sync::Arc;

use sensorsanalytics::consumer::options;
use sensorsanalytics::{ConcurrentLoggingConsumer, ConsoleConsumer, Consumer, LoggingConsumer};

use crate::error::{Result, SaError};

#[derive(uniffi::Object)]
pub struct NativeConsumer {
    pub(crate) inner: Arc<dyn Consumer>,
    /// An HTTP consumer: `stats()` reads its counters (the others keep none).
    pub(crate) http: bool,
}

impl NativeConsumer {
    pub(crate) fn wrap(inner: impl Consumer + 'static) -> Arc<Self> {
        Arc::new(NativeConsumer { inner: Arc::new(inner), http: false })
    }
}

#[uniffi::export]
impl NativeConsumer {
    /// `ConsoleConsumer()`: one JSON line per record on stdout.
    #[uniffi::constructor]
    pub fn console() -> Arc<Self> {
        Self::wrap(ConsoleConsumer::new())
    }

    /// `LoggingConsumer(prefix, backupCount=0, when='midnight')`: numbers as the user gave
    /// them (`None`: core's default), for core's one rule.
    #[uniffi::constructor]
    pub fn logging(prefix: String, backup_count: Option<f64>, when: Option<String>) -> Result<Arc<Self>> {
        let (keep, when) = options::logging(backup_count, when.as_deref())?;
        Ok(Self::wrap(LoggingConsumer::new(prefix, keep, when)?))
    }

    /// `ConcurrentLoggingConsumer(prefix, bufferSize=8192)`.
    #[uniffi::constructor]
    pub fn concurrent_logging(prefix: String, buffer_size: Option<f64>) -> Result<Arc<Self>> {
        Ok(Self::wrap(ConcurrentLoggingConsumer::new(prefix, options::buffer_size(buffer_size)?)?))
    }

    /// An HTTP consumer's counters (sent, failed, dropped, ...); `None` for the others.
    pub fn stats(&self) -> Option<crate::http_consumer::HttpStats> {
        self.http.then(|| self.inner.stats().into())
    }

    /// Takes one JSON record, as the client would send it.
    pub fn send(&self, record: String) -> Result<()> {
        Ok(self.inner.send(&record)?)
    }

    pub fn flush(&self) -> Result<()> {
        Ok(self.inner.flush()?)
    }

    /// The reference's `close()`. Named `shutdown` across the FFI because generated Kotlin
    /// objects already have `close()` (AutoCloseable: it frees the native handle).
    pub fn shutdown(&self) -> Result<()> {
        Ok(self.inner.close()?)
    }
}

/// Core's consumer defaults, which the Kotlin and Swift signatures show (as their default
/// arguments) without retyping a number.
#[derive(uniffi::Record)]
pub struct ConsumerDefaults {
    pub backup_count: i32,
    pub when: String,
    pub buffer_size: i32,
    pub batch_max_size: i32,
    pub write_data: bool,
}

#[uniffi::export]
pub fn consumer_defaults() -> ConsumerDefaults {
    ConsumerDefaults {
        backup_count: options::DEFAULT_BACKUP_COUNT as i32,
        when: options::DEFAULT_WHEN.to_owned(),
        buffer_size: options::DEFAULT_BUFFER_SIZE as i32,
        batch_max_size: options::DEFAULT_BATCH_MAX_SIZE as i32,
        write_data: options::DEFAULT_WRITE_DATA,
    }
}

/// Test-only (the shared vectors, tests/vectors/options/): the settings core's normaliser
/// gives a consumer for one option as given, as JSON, or the error.
#[uniffi::export]
pub fn normalised_consumer_option(consumer: String, option: String, value: Option<f64>) -> Result<String> {
    Ok(options::normalised(&consumer, &option, value)?.to_string())
}

/// A consumer written in the foreign language. Its errors come back as [`SaError`]s; the
/// idiomatic layers wrap anything else their user code throws.
#[uniffi::export(with_foreign)]
pub trait ForeignConsumer: Send + Sync {
    fn send(&self, record: String) -> Result<(), SaError>;
    fn flush(&self) -> Result<(), SaError>;
    /// `close()`, named as [`NativeConsumer::shutdown`].
    fn shutdown(&self) -> Result<(), SaError>;
}

/// Lets the core's client drive a foreign consumer.
pub(crate) struct ForeignBridge(pub(crate) Arc<dyn ForeignConsumer>);

impl Consumer for ForeignBridge {
    fn send(&self, record: &str) -> sensorsanalytics::Result<()> {
        Ok(self.0.send(record.to_owned())?)
    }
    fn flush(&self) -> sensorsanalytics::Result<()> {
        Ok(self.0.flush()?)
    }
    fn close(&self) -> sensorsanalytics::Result<()> {
        Ok(self.0.shutdown()?)
    }
}

/// Stands for a consumer written in Kotlin or Swift, in the tests: keeps what it is sent;
/// its close fails, as a user's may.
#[cfg(test)]
#[derive(Default)]
pub(crate) struct Capture(pub(crate) std::sync::Mutex<Vec<String>>);

#[cfg(test)]
impl ForeignConsumer for Capture {
    fn send(&self, record: String) -> Result<(), SaError> {
        self.0.lock().unwrap().push(record);
        Ok(())
    }
    fn flush(&self) -> Result<(), SaError> {
        Ok(())
    }
    fn shutdown(&self) -> Result<(), SaError> {
        Err(SaError::Network { reason: "closing failed".into() })
    }
}
