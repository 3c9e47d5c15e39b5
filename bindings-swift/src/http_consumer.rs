//! The HTTP consumers of the core (docs/SPEC.md §4) as more constructors of [`NativeConsumer`]:
//! sending, batching, retries and the background queue all stay in the core.

use std::sync::Arc;

use sensorsanalytics::consumer::options::{self, AsyncBatchOptions, BatchOptions, SpoolOptions};
use sensorsanalytics::{
    AsyncBatchConfig, AsyncBatchConsumer, BatchConsumer, Consumer, DebugConsumer, DefaultConsumer, Stats,
};

use crate::consumer::NativeConsumer;
use crate::error::Result;
use crate::network::{give_up_callback, transport_of, GiveUpListener, NetworkOptions};

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

/// A handle on a consumer with counters (the HTTP consumers, and KafkaConsumer in kafka.rs).
pub(crate) fn http(consumer: impl Consumer + 'static) -> Arc<NativeConsumer> {
    Arc::new(NativeConsumer { inner: Arc::new(consumer), http: true })
}

/// Prints a line the foreign language's way (Kotlin `println`, Swift `print`).
#[uniffi::export(with_foreign)]
pub trait LinePrinter: Send + Sync {
    fn print_line(&self, line: String);
}

/// The spool options, as given: core applies their defaults and rules.
pub(crate) fn spool(dir: Option<String>, max_bytes: Option<f64>, fsync: Option<bool>) -> SpoolOptions {
    SpoolOptions { spool_dir: dir.map(Into::into), spool_max_bytes: max_bytes, spool_fsync: fsync }
}

// Every number is passed as the user gave it (`None`: core's default) to core's options
// types, which own the defaults and the one rule for zero, negative, fractional and too large.
#[uniffi::export]
impl NativeConsumer {
    /// `DefaultConsumer(url_prefix, request_timeout=None)`: one record per request, synchronous.
    #[uniffi::constructor]
    pub fn http_default(url_prefix: String, request_timeout_ms: Option<f64>, network: NetworkOptions) -> Result<Arc<Self>> {
        let transport = transport_of(network)?;
        Ok(http(DefaultConsumer::with_transport(
            &url_prefix,
            options::request_timeout_ms(request_timeout_ms)?,
            transport,
        )?))
    }

    /// `BatchConsumer(url_prefix, max_size=50, request_timeout=None)`: `max_size` capped at 50.
    #[uniffi::constructor]
    pub fn batch(
        url_prefix: String,
        max_size: Option<f64>,
        request_timeout_ms: Option<f64>,
        spool_dir: Option<String>,
        spool_max_bytes: Option<f64>,
        spool_fsync: Option<bool>,
        network: NetworkOptions,
    ) -> Result<Arc<Self>> {
        let o = BatchOptions {
            max_size,
            request_timeout: request_timeout_ms,
            spool: spool(spool_dir, spool_max_bytes, spool_fsync),
        }
        .build()?;
        let (size, timeout) = (o.max_size, o.request_timeout_ms);
        let transport = transport_of(network)?;
        Ok(http(match o.spool {
            None => BatchConsumer::with_transport(&url_prefix, size, timeout, transport)?,
            Some(s) => BatchConsumer::with_spool(&url_prefix, size, timeout, s, transport)?,
        }))
    }

    /// `AsyncBatchConsumer(url_prefix, flush_max_time=3, flush_size=20, max_batch_size=100,
    /// max_size=1000, request_timeout=None)`. A `None` takes the core's default. `on_give_up`
    /// is told of every batch given up on.
    #[uniffi::constructor]
    #[allow(clippy::too_many_arguments)]
    pub fn async_batch(
        url_prefix: String,
        flush_max_time_secs: Option<f64>,
        flush_size: Option<f64>,
        max_batch_size: Option<f64>,
        max_size: Option<f64>,
        request_timeout_ms: Option<f64>,
        spool_dir: Option<String>,
        spool_max_bytes: Option<f64>,
        spool_fsync: Option<bool>,
        on_give_up: Option<Arc<dyn GiveUpListener>>,
        network: NetworkOptions,
    ) -> Result<Arc<Self>> {
        let config = AsyncBatchOptions {
            flush_max_time: flush_max_time_secs,
            flush_size,
            max_batch_size,
            max_size,
            request_timeout: request_timeout_ms,
            spool: spool(spool_dir, spool_max_bytes, spool_fsync),
        }
        .build()?;
        let transport = transport_of(network)?;
        let config = AsyncBatchConfig { on_give_up: give_up_callback(on_give_up), ..config };
        Ok(http(AsyncBatchConsumer::with_transport(&url_prefix, config, transport)?))
    }

    /// `DebugConsumer(url_prefix, write_data=True, request_timeout=None)`. Its verdict lines go
    /// to `printer` (the language's own stdout, where its users look), else to the process's.
    #[uniffi::constructor]
    pub fn debug(
        url_prefix: String,
        write_data: Option<bool>,
        request_timeout_ms: Option<f64>,
        printer: Option<Arc<dyn LinePrinter>>,
        network: NetworkOptions,
    ) -> Result<Arc<Self>> {
        let write_data = write_data.unwrap_or(options::DEFAULT_WRITE_DATA);
        let transport = transport_of(network)?;
        let mut consumer = DebugConsumer::with_transport(
            &url_prefix,
            write_data,
            options::request_timeout_ms(request_timeout_ms)?,
            transport,
        )?;
        if let Some(printer) = printer {
            consumer = consumer.with_printer(move |line| printer.print_line(line.to_owned()));
        }
        Ok(http(consumer))
    }
}
