//! The SDK's consumers as native objects. lib/consumers.js wraps them in the public classes
//! (`LoggingConsumer`, ...); a client built on one sends records to it without leaving Rust.

use std::cell::RefCell;
use std::sync::Arc;

use napi::bindgen_prelude::{AsyncTask, Unknown};
use napi::{Env, Result};
use napi_derive::napi;
use sensorsanalytics::consumer::options;
use sensorsanalytics::{ConcurrentLoggingConsumer, ConsoleConsumer, Consumer, LoggingConsumer};

use crate::error::{self, Failure};
use crate::task::{self, ConsumerTask, Op};

#[napi]
pub struct NativeConsumer {
    pub(crate) inner: Arc<dyn Consumer>,
    /// An HTTP consumer: `stats()` reads its counters (the others keep none).
    http: bool,
}

/// An HTTP consumer's counters (docs/SPEC.md §4: nothing is lost silently), as a JS object.
#[napi(object)]
pub struct ConsumerStats {
    /// Records delivered (2xx).
    pub sent: f64,
    /// Records given up on after the retries.
    pub failed: f64,
    /// Records refused by send (queue full, consumer closed).
    pub dropped: f64,
    /// Requests repeated after a retryable failure.
    pub retried: f64,
    /// Records waiting to be sent.
    pub queue_depth: f64,
    /// The most recent failure's message.
    pub last_error: Option<String>,
    /// Records written to the spool (`spoolDir`).
    pub spooled: f64,
    /// Records delivered from spool files an earlier process left.
    pub replayed: f64,
    /// Bytes the spool holds now.
    pub spool_bytes: f64,
    /// Corrupt spool records skipped.
    pub corrupt: f64,
}

impl NativeConsumer {
    /// A handle on a core consumer made elsewhere in the binding (recording.rs).
    pub(crate) fn from_core(inner: Arc<dyn Consumer>) -> Self {
        NativeConsumer { inner, http: false }
    }

    /// A handle on a consumer with counters: the HTTP consumers (http_consumer.rs) and
    /// KafkaConsumer (kafka_consumer.rs).
    pub(crate) fn http(inner: Arc<dyn Consumer>) -> Self {
        NativeConsumer { inner, http: true }
    }
}

fn made(env: &Env, c: sensorsanalytics::Result<impl Consumer + 'static>) -> Result<NativeConsumer> {
    match c {
        Ok(c) => Ok(NativeConsumer::from_core(Arc::new(c))),
        Err(e) => Err(error::throw(env.raw(), Failure::Core(e))),
    }
}

#[napi]
impl NativeConsumer {
    /// `ConsoleConsumer()`
    #[napi(factory, catch_unwind)]
    pub fn console() -> Self {
        NativeConsumer::from_core(Arc::new(ConsoleConsumer::new()))
    }

    /// `LoggingConsumer(prefix, backupCount=0, when='midnight')`; undefined is core's default.
    #[napi(factory, catch_unwind)]
    pub fn logging(env: Env, prefix: String, backup_count: Option<f64>, when: Option<String>) -> Result<Self> {
        made(
            &env,
            options::logging(backup_count, when.as_deref())
                .and_then(|(keep, when)| LoggingConsumer::new(prefix, keep, when)),
        )
    }

    /// `ConcurrentLoggingConsumer(prefix, bufferSize=8192)`
    #[napi(factory, catch_unwind)]
    pub fn concurrent_logging(env: Env, prefix: String, buffer_size: Option<f64>) -> Result<Self> {
        made(
            &env,
            options::buffer_size(buffer_size).and_then(|size| ConcurrentLoggingConsumer::new(prefix, size)),
        )
    }

    /// The consumer's counters, or null for a consumer that keeps none.
    #[napi(catch_unwind)]
    pub fn stats(&self) -> Option<ConsumerStats> {
        if !self.http {
            return None;
        }
        let s = self.inner.stats();
        Some(ConsumerStats {
            sent: s.sent as f64,
            failed: s.failed as f64,
            dropped: s.dropped as f64,
            retried: s.retried as f64,
            queue_depth: s.queue_depth as f64,
            last_error: s.last_error,
            spooled: s.spooled as f64,
            replayed: s.replayed as f64,
            spool_bytes: s.spool_bytes as f64,
            corrupt: s.corrupt as f64,
        })
    }

    /// A handle on this consumer for `createClient` (raw.rs), which cannot read a class.
    #[napi(catch_unwind, ts_return_type = "ConsumerHandle")]
    pub fn handle<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        let raw = crate::raw::consumer_handle(env.raw(), self.inner.clone())?;
        // SAFETY: a value just created on this env.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), raw) })
    }

    /// Hands one JSON line to the consumer (what a client does for each record).
    #[napi(catch_unwind)]
    pub fn send(&self, env: Env, record: String) -> Result<()> {
        self.inner
            .send(&record)
            .map_err(|e| error::throw(env.raw(), Failure::Core(e)))
    }

    /// Writes or sends what is buffered, on a worker thread.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn flush(&self) -> AsyncTask<ConsumerTask> {
        AsyncTask::new(ConsumerTask::new(self.inner.clone(), Op::Flush))
    }

    /// Flushes and releases the consumer, on a worker thread.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn close(&self) -> AsyncTask<ConsumerTask> {
        AsyncTask::new(ConsumerTask::new(self.inner.clone(), Op::Close))
    }

    /// Flush or close on the JS thread: only for the process's `exit` event, where nothing
    /// asynchronous can run any more.
    #[napi(catch_unwind)]
    pub fn finish_sync(&self, env: Env, close: bool) -> Result<()> {
        match task::run(
            self.inner.as_ref(),
            if close { Op::Close } else { Op::Flush },
        ) {
            Ok(()) => Ok(()),
            Err(Ok(core)) => Err(error::throw(env.raw(), Failure::Core(core))),
            Err(Err(panic)) => Err(panic),
        }
    }
}

thread_local! {
    /// The record a [`LineCatcher`] caught during the current call.
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The consumer of a client whose consumer is a JS object: the record is caught here and
/// returned from the native call, and lib/client.js hands it to the JS consumer's `send`,
/// synchronously, on the JS thread. No JS is ever called from inside the core.
pub struct LineCatcher;

impl LineCatcher {
    /// The record caught since the last call, if any.
    pub fn take() -> Option<String> {
        CAUGHT.with(|c| c.borrow_mut().take())
    }
}

impl Consumer for LineCatcher {
    fn send(&self, record: &str) -> sensorsanalytics::Result<()> {
        CAUGHT.with(|c| *c.borrow_mut() = Some(record.to_owned()));
        Ok(())
    }
}

/// Core's consumer defaults, by the Node parameter names: the values index.d.ts documents
/// (test/types.test.js checks them against it), so that no JS file retypes a number.
#[napi(object)]
pub struct ConsumerDefaults {
    pub backup_count: u32,
    pub when: String,
    pub buffer_size: u32,
    pub batch_max_size: u32,
    pub flush_max_time: f64,
    pub flush_size: u32,
    pub max_batch_size: u32,
    pub max_size: u32,
    pub write_data: bool,
}

#[napi(catch_unwind)]
pub fn consumer_defaults() -> ConsumerDefaults {
    ConsumerDefaults {
        backup_count: options::DEFAULT_BACKUP_COUNT as u32,
        when: options::DEFAULT_WHEN.to_owned(),
        buffer_size: options::DEFAULT_BUFFER_SIZE as u32,
        batch_max_size: options::DEFAULT_BATCH_MAX_SIZE as u32,
        flush_max_time: options::DEFAULT_FLUSH_MAX_TIME.as_secs_f64(),
        flush_size: options::DEFAULT_FLUSH_SIZE as u32,
        max_batch_size: options::DEFAULT_MAX_BATCH_SIZE as u32,
        max_size: options::DEFAULT_QUEUE_SIZE as u32,
        write_data: options::DEFAULT_WRITE_DATA,
    }
}

/// Test-only (the shared vectors, tests/vectors/options/): the settings core's normaliser
/// gives a consumer for one option as given, as JSON, or the error thrown as the package's
/// class. Not part of the package's API (index.js does not export it).
#[napi(catch_unwind)]
pub fn normalised_consumer_option(env: Env, consumer: String, option: String, value: Option<f64>) -> Result<String> {
    match options::normalised(&consumer, &option, value) {
        Ok(v) => Ok(v.to_string()),
        Err(e) => Err(crate::error::throw(env.raw(), crate::error::Failure::Core(e))),
    }
}
