//! The SDK's consumers as native objects. lib/consumers.js wraps them in the public classes
//! (`LoggingConsumer`, ...); a client built on one sends records to it without leaving Rust.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{AsyncTask, Unknown};
use napi::{Env, Result};
use napi_derive::napi;
use sensorsanalytics::{
    AsyncBatchConfig, AsyncBatchConsumer, BatchConsumer, ConcurrentLoggingConsumer,
    ConsoleConsumer, Consumer, DebugConsumer, DefaultConsumer, LoggingConsumer, Stats,
};

use crate::background::Background;
use crate::error::{self, Failure};
use crate::task::{self, ConsumerTask, Op};

/// Reads a consumer's counters; only consumers that keep them have one.
pub(crate) type StatsSource = Arc<dyn Fn() -> Stats + Send + Sync>;

#[napi]
pub struct NativeConsumer {
    pub(crate) inner: Arc<dyn Consumer>,
    stats: Option<StatsSource>,
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
        NativeConsumer { inner, stats: None }
    }

    /// A handle on a core consumer that keeps counters (kafka_consumer.rs).
    pub(crate) fn with_stats(inner: Arc<dyn Consumer>, stats: StatsSource) -> Self {
        NativeConsumer { inner, stats: Some(stats) }
    }
}

fn made(env: &Env, c: sensorsanalytics::Result<impl Consumer + 'static>) -> Result<NativeConsumer> {
    match c {
        Ok(c) => Ok(NativeConsumer { inner: Arc::new(c), stats: None }),
        Err(e) => Err(error::throw(env.raw(), Failure::Core(e))),
    }
}

#[napi]
impl NativeConsumer {
    /// `ConsoleConsumer()`
    #[napi(factory, catch_unwind)]
    pub fn console() -> Self {
        NativeConsumer {
            inner: Arc::new(ConsoleConsumer::new()),
            stats: None,
        }
    }

    /// `LoggingConsumer(prefix, backupCount=0, when='midnight')`
    #[napi(factory, catch_unwind)]
    pub fn logging(env: Env, prefix: String, backup_count: u32, when: String) -> Result<Self> {
        made(
            &env,
            LoggingConsumer::new(prefix, backup_count as usize, &when),
        )
    }

    /// `ConcurrentLoggingConsumer(prefix, bufferSize=8192)`
    #[napi(factory, catch_unwind)]
    pub fn concurrent_logging(env: Env, prefix: String, buffer_size: u32) -> Result<Self> {
        made(
            &env,
            ConcurrentLoggingConsumer::new(prefix, buffer_size as usize),
        )
    }

    /// `DefaultConsumer(url_prefix, request_timeout=None)`: one request per record, made on
    /// the consumer's own thread (see background.rs).
    #[napi(factory, catch_unwind)]
    pub fn default_consumer(
        env: Env,
        url_prefix: String,
        request_timeout_ms: Option<u32>,
    ) -> Result<Self> {
        let timeout = request_timeout_ms.map(u64::from);
        made(
            &env,
            DefaultConsumer::new(&url_prefix, timeout).and_then(|c| Background::new("default", c)),
        )
    }

    /// `BatchConsumer(url_prefix, max_size=50, request_timeout=None)`: sends every `max_size`
    /// records, on the consumer's own thread.
    #[napi(factory, catch_unwind)]
    pub fn batch(
        env: Env,
        url_prefix: String,
        max_size: u32,
        request_timeout_ms: Option<u32>,
        spool: Option<SpoolArgs>,
    ) -> Result<Self> {
        let timeout = request_timeout_ms.map(u64::from);
        let c = spool_config(spool).and_then(|spool| match spool {
            None => BatchConsumer::new(&url_prefix, max_size as usize, timeout),
            Some(s) => BatchConsumer::with_spool(
                &url_prefix,
                max_size as usize,
                timeout,
                s,
                Arc::new(sensorsanalytics::ReqwestTransport::new()),
            ),
        });
        // The counters are the core consumer's (with a spool: the spool's too).
        let made = c.and_then(|c| {
            let c = Arc::new(c);
            let counters = c.clone();
            let stats: StatsSource = Arc::new(move || counters.stats());
            Background::new("batch", c).map(|bg| (bg, stats))
        });
        match made {
            Ok((bg, stats)) => Ok(NativeConsumer { inner: Arc::new(bg), stats: Some(stats) }),
            Err(e) => Err(error::throw(env.raw(), Failure::Core(e))),
        }
    }

    /// `AsyncBatchConsumer(url_prefix, flush_max_time=3, flush_size=20, max_batch_size=100,
    /// max_size=1000, request_timeout=None)`: the core's own sender thread; `send` never waits.
    #[napi(factory, catch_unwind)]
    pub fn async_batch(
        env: Env,
        url_prefix: String,
        flush_max_time_secs: f64,
        flush_size: u32,
        max_batch_size: u32,
        max_size: u32,
        request_timeout_ms: Option<u32>,
        spool: Option<SpoolArgs>,
    ) -> Result<Self> {
        let spool = match spool_config(spool) {
            Ok(s) => s,
            Err(e) => return Err(error::throw(env.raw(), Failure::Core(e))),
        };
        let config = AsyncBatchConfig {
            spool,
            flush_max_time: Duration::try_from_secs_f64(flush_max_time_secs)
                .unwrap_or(Duration::from_secs(3)),
            flush_size: flush_size as usize,
            max_batch_size: max_batch_size as usize,
            max_size: max_size as usize,
            request_timeout_ms: request_timeout_ms.map(u64::from),
            // A batch given up on outside flush()/close() has no caller to throw to: say so
            // on stderr (Node has no logger of the SDK's; Python logs a warning), and count
            // it in stats().failed.
            on_give_up: Some(Arc::new(|records: &[String], e: &sensorsanalytics::Error| {
                eprintln!(
                    "sensorsanalytics: AsyncBatchConsumer gave up on {} records: {}",
                    records.len(),
                    e.message()
                );
            })),
            ..AsyncBatchConfig::default()
        };
        match AsyncBatchConsumer::new(&url_prefix, config) {
            Ok(c) => {
                let c = Arc::new(c);
                let counters = c.clone();
                Ok(NativeConsumer { inner: c, stats: Some(Arc::new(move || counters.stats())) })
            }
            Err(e) => Err(error::throw(env.raw(), Failure::Core(e))),
        }
    }

    /// The consumer's counters, or null for a consumer that keeps none.
    #[napi(catch_unwind)]
    pub fn stats(&self) -> Option<ConsumerStats> {
        let s = (self.stats.as_ref()?)();
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

    /// `DebugConsumer(url_prefix, write_data=True, request_timeout=None)`: each record to the
    /// debug API, on the consumer's own thread; a rejection fails the next flush.
    #[napi(factory, catch_unwind)]
    pub fn debug(
        env: Env,
        url_prefix: String,
        write_data: bool,
        request_timeout_ms: Option<u32>,
    ) -> Result<Self> {
        let timeout = request_timeout_ms.map(u64::from);
        made(
            &env,
            DebugConsumer::new(&url_prefix, write_data, timeout)
                .and_then(|c| Background::new("debug", c)),
        )
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

/// The spool options of BatchConsumer and AsyncBatchConsumer (`spoolDir`, ...), as given;
/// core applies its defaults and rules.
#[napi(object)]
pub struct SpoolArgs {
    pub spool_dir: Option<String>,
    pub spool_max_bytes: Option<f64>,
    pub spool_fsync: Option<bool>,
}

fn spool_config(args: Option<SpoolArgs>) -> sensorsanalytics::Result<Option<sensorsanalytics::SpoolConfig>> {
    let Some(a) = args else { return Ok(None) };
    sensorsanalytics::consumer::options::SpoolOptions {
        spool_dir: a.spool_dir.map(Into::into),
        spool_max_bytes: a.spool_max_bytes,
        spool_fsync: a.spool_fsync,
    }
    .build()
}
