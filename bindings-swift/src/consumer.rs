//! Consumers: where records go.
//!
//! Two shapes, so that the SDK's own consumers never call back across the FFI per record:
//! - [`NativeConsumer`]: one object wrapping any consumer of the core (console, files, HTTP);
//!   the client hands it each line directly in Rust.
//! - [`ForeignConsumer`]: a trait the foreign language implements (a user-written consumer,
//!   as the reference allows: anything with send/flush/close); the client calls back into it.

use std::sync::Arc;

use sensorsanalytics::{ConcurrentLoggingConsumer, ConsoleConsumer, Consumer, LoggingConsumer};

use crate::error::{Result, SaError};

/// Reads an HTTP consumer's counters (the consumer types have no common trait for it).
type StatsReader = Box<dyn Fn() -> sensorsanalytics::Stats + Send + Sync>;

#[derive(uniffi::Object)]
pub struct NativeConsumer {
    pub(crate) inner: Arc<dyn Consumer>,
    pub(crate) stats: Option<StatsReader>,
}

impl NativeConsumer {
    pub(crate) fn wrap(inner: impl Consumer + 'static) -> Arc<Self> {
        Arc::new(NativeConsumer { inner: Arc::new(inner), stats: None })
    }
}

#[uniffi::export]
impl NativeConsumer {
    /// `ConsoleConsumer()`: one JSON line per record on stdout.
    #[uniffi::constructor]
    pub fn console() -> Arc<Self> {
        Self::wrap(ConsoleConsumer::new())
    }

    /// `LoggingConsumer(prefix, backupCount=0, when='midnight')`. Signed counts, as the
    /// reference takes them: a negative one means "none" (Python's `> 0` tests).
    #[uniffi::constructor]
    pub fn logging(prefix: String, backup_count: i64, when: String) -> Result<Arc<Self>> {
        Ok(Self::wrap(LoggingConsumer::new(prefix, count(backup_count), &when)?))
    }

    /// `ConcurrentLoggingConsumer(prefix, bufferSize=8192)`.
    #[uniffi::constructor]
    pub fn concurrent_logging(prefix: String, buffer_size: i64) -> Result<Arc<Self>> {
        Ok(Self::wrap(ConcurrentLoggingConsumer::new(prefix, count(buffer_size))?))
    }

    /// An HTTP consumer's counters (sent, failed, dropped, ...); `None` for the others.
    pub fn stats(&self) -> Option<crate::http_consumer::HttpStats> {
        self.stats.as_ref().map(|read| read().into())
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

pub(crate) fn count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
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
