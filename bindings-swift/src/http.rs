//! The HTTP consumers of the core (docs/SPEC.md §4) as more constructors of [`NativeConsumer`]:
//! sending, batching, retries and the background queue all stay in the core.

use std::sync::Arc;
use std::time::Duration;

use sensorsanalytics::consumer::options::SpoolOptions;
use sensorsanalytics::{
    AsyncBatchConfig, AsyncBatchConsumer, BatchConsumer, Consumer, DebugConsumer, DefaultConsumer, ReqwestTransport,
    SpoolConfig, Stats,
};

use crate::consumer::{count, NativeConsumer};
use crate::error::{Result, SaError};

/// A snapshot of an HTTP consumer's counters: nothing is lost without a trace (docs/SPEC.md §4).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct HttpStats {
    /// Delivered (2xx).
    pub sent: u64,
    /// Given up on after the retries, and reported by an error.
    pub failed: u64,
    /// Refused by `send`: queue full or consumer closed.
    pub dropped: u64,
    /// Requests repeated after a retryable failure.
    pub retried: u64,
    /// Waiting to be sent.
    pub queue_depth: u64,
    /// In requests under way.
    pub in_flight: u64,
    pub last_error: Option<String>,
    /// Records written to the spool (`spoolDir`).
    pub spooled: u64,
    /// Records delivered from spool files an earlier process left.
    pub replayed: u64,
    /// Bytes the spool holds now.
    pub spool_bytes: u64,
    /// Corrupt spool records skipped.
    pub corrupt: u64,
}

impl From<Stats> for HttpStats {
    fn from(s: Stats) -> Self {
        HttpStats {
            sent: s.sent,
            failed: s.failed,
            dropped: s.dropped,
            retried: s.retried,
            queue_depth: s.queue_depth as u64,
            in_flight: s.in_flight as u64,
            last_error: s.last_error,
            spooled: s.spooled,
            replayed: s.replayed,
            spool_bytes: s.spool_bytes,
            corrupt: s.corrupt,
        }
    }
}

pub(crate) fn with_stats<C: Consumer + 'static>(consumer: C, stats: fn(&C) -> Stats) -> Arc<NativeConsumer> {
    let consumer = Arc::new(consumer);
    let reader = Arc::clone(&consumer);
    Arc::new(NativeConsumer { inner: consumer, stats: Some(Box::new(move || stats(&reader))) })
}

/// Seconds as the reference takes `flush_max_time`; a negative or absurd value is an error
/// rather than a panic inside `Duration`.
fn seconds(secs: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(secs)
        .map_err(|_| SaError::IllegalData { reason: format!("flush_max_time must be a number of seconds >= 0. [value={secs}]") })
}

/// Prints a line the foreign language's way (Kotlin `println`, Swift `print`).
#[uniffi::export(with_foreign)]
pub trait LinePrinter: Send + Sync {
    fn print_line(&self, line: String);
}

/// `request_timeout` in milliseconds (docs/SPEC.md §1), signed as foreign ints are; below 0 is 0.
fn millis(ms: Option<i64>) -> Option<u64> {
    ms.map(|m| u64::try_from(m).unwrap_or(0))
}

/// The spool options, as given: core applies their defaults and rules.
fn spool(dir: Option<String>, max_bytes: Option<i64>, fsync: Option<bool>) -> Result<Option<SpoolConfig>> {
    Ok(SpoolOptions { spool_dir: dir.map(Into::into), spool_max_bytes: max_bytes.map(|b| b as f64), spool_fsync: fsync }
        .build()?)
}

#[uniffi::export]
impl NativeConsumer {
    /// `DefaultConsumer(url_prefix, request_timeout=None)`: one record per request, synchronous.
    #[uniffi::constructor]
    pub fn http_default(url_prefix: String, request_timeout_ms: Option<i64>) -> Result<Arc<Self>> {
        Ok(with_stats(DefaultConsumer::new(&url_prefix, millis(request_timeout_ms))?, DefaultConsumer::stats))
    }

    /// `BatchConsumer(url_prefix, max_size=50, request_timeout=None)`: `max_size` capped at 50.
    #[uniffi::constructor]
    pub fn batch(
        url_prefix: String,
        max_size: i64,
        request_timeout_ms: Option<i64>,
        spool_dir: Option<String>,
        spool_max_bytes: Option<i64>,
        spool_fsync: Option<bool>,
    ) -> Result<Arc<Self>> {
        let (size, timeout) = (count(max_size), millis(request_timeout_ms));
        let consumer = match spool(spool_dir, spool_max_bytes, spool_fsync)? {
            None => BatchConsumer::new(&url_prefix, size, timeout)?,
            Some(s) => BatchConsumer::with_spool(&url_prefix, size, timeout, s, Arc::new(ReqwestTransport::new()))?,
        };
        Ok(with_stats(consumer, BatchConsumer::stats))
    }

    /// `AsyncBatchConsumer(url_prefix, flush_max_time=3, flush_size=20, max_batch_size=100,
    /// max_size=1000, request_timeout=None)`. A `None` takes the core's default.
    #[uniffi::constructor]
    pub fn async_batch(
        url_prefix: String,
        flush_max_time_secs: Option<f64>,
        flush_size: Option<i64>,
        max_batch_size: Option<i64>,
        max_size: Option<i64>,
        request_timeout_ms: Option<i64>,
        spool_dir: Option<String>,
        spool_max_bytes: Option<i64>,
        spool_fsync: Option<bool>,
    ) -> Result<Arc<Self>> {
        let defaults = AsyncBatchConfig::default();
        let spool = spool(spool_dir, spool_max_bytes, spool_fsync)?;
        let config = AsyncBatchConfig {
            flush_max_time: flush_max_time_secs.map(seconds).transpose()?.unwrap_or(defaults.flush_max_time),
            flush_size: flush_size.map_or(defaults.flush_size, count),
            max_batch_size: max_batch_size.map_or(defaults.max_batch_size, count),
            max_size: max_size.map_or(defaults.max_size, count),
            request_timeout_ms: millis(request_timeout_ms),
            spool,
            ..defaults
        };
        Ok(with_stats(AsyncBatchConsumer::new(&url_prefix, config)?, AsyncBatchConsumer::stats))
    }

    /// `DebugConsumer(url_prefix, write_data=True, request_timeout=None)`. Its verdict lines go
    /// to `printer` (the language's own stdout, where its users look), else to the process's.
    #[uniffi::constructor]
    pub fn debug(
        url_prefix: String,
        write_data: bool,
        request_timeout_ms: Option<i64>,
        printer: Option<Arc<dyn LinePrinter>>,
    ) -> Result<Arc<Self>> {
        let mut consumer = DebugConsumer::new(&url_prefix, write_data, millis(request_timeout_ms))?;
        if let Some(printer) = printer {
            consumer = consumer.with_printer(move |line| printer.print_line(line.to_owned()));
        }
        Ok(with_stats(consumer, DebugConsumer::stats))
    }
}
