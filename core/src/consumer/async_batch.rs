//! `AsyncBatchConsumer(url_prefix, flush_max_time=3, flush_size=20, max_batch_size=100,
//! max_size=1000, request_timeout)`: `send` only queues; background threads (see
//! `http/pipeline.rs`) send `data_list=` batches when `flush_size` records wait or the
//! oldest has waited `flush_max_time`, with retries, several requests in flight.
//!
//! Nothing is lost silently: a full queue is the caller's Network error (as the reference)
//! and counts as `dropped`; a batch given up on counts as `failed`, is the error of the
//! flush/close that waited for it, and goes to `on_give_up`. `close` (and dropping the
//! consumer) drains the queue within `close_timeout`.
//!
//! Fork: a child gets a pipeline of its own on first use. What the parent had queued stays
//! the parent's to send; the child neither sends it nor touches the parent's threads.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use crossbeam_channel::bounded;

use super::{options, Consumer};
use crate::error::{Error, Result};
use crate::fork;
use crate::http::pipeline::{Engine, Item, Refused, Settings};
use crate::http::senders::{HttpPost, Post};
use crate::http::{self, Counters, ReqwestTransport, RetryPolicy, Stats, Transport};
use crate::spool::{self, SpoolConfig};

pub use crate::http::pipeline::{give_up_on_stderr, GiveUpCallback};

/// After the close timeout has run out and the pipeline was told to give up, how long close
/// still waits for the threads to end (one may be inside a request).
const CLOSE_GRACE: Duration = Duration::from_millis(500);

/// AsyncBatchConsumer's settings; the first six are the reference's parameters.
#[derive(Clone)]
pub struct AsyncBatchConfig {
    /// Send when the oldest waiting record has waited this long (3 s).
    pub flush_max_time: Duration,
    /// Send as soon as this many records wait (20).
    pub flush_size: usize,
    /// Records per request at most (100).
    pub max_batch_size: usize,
    /// The queue's capacity; `send` fails when it is full (1000).
    pub max_size: usize,
    /// Per request, in milliseconds; `None`: the transport's default (reqwest: 30 s).
    pub request_timeout_ms: Option<u64>,
    /// Requests under way at once (2), so that delivery is not one round trip per batch.
    pub max_in_flight: usize,
    /// How each batch is retried (30 s budget by default).
    pub retry: RetryPolicy,
    /// How long `Consumer::flush` waits for what was queued before it (10 s).
    pub flush_timeout: Duration,
    /// How long `close` waits for the queue to drain before giving up on the rest (10 s);
    /// it returns within this plus half a second.
    pub close_timeout: Duration,
    /// Told of every batch given up on, on a sender thread.
    pub on_give_up: Option<GiveUpCallback>,
    /// An on-disk spool (`spool_dir`): records are written there first and sent from there,
    /// so that none is lost to an outage, a close bound, an exit or a crash.
    pub spool: Option<SpoolConfig>,
}

impl Default for AsyncBatchConfig {
    fn default() -> Self {
        AsyncBatchConfig {
            flush_max_time: options::DEFAULT_FLUSH_MAX_TIME,
            flush_size: options::DEFAULT_FLUSH_SIZE,
            max_batch_size: options::DEFAULT_MAX_BATCH_SIZE,
            max_size: options::DEFAULT_QUEUE_SIZE,
            request_timeout_ms: None,
            max_in_flight: 2,
            retry: RetryPolicy::default(),
            flush_timeout: Duration::from_secs(10),
            close_timeout: Duration::from_secs(10),
            on_give_up: None,
            spool: None,
        }
    }
}

impl fmt::Debug for AsyncBatchConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncBatchConfig")
            .field("flush_max_time", &self.flush_max_time)
            .field("flush_size", &self.flush_size)
            .field("max_batch_size", &self.max_batch_size)
            .field("max_size", &self.max_size)
            .field("request_timeout_ms", &self.request_timeout_ms)
            .field("max_in_flight", &self.max_in_flight)
            .field("retry", &self.retry)
            .field("flush_timeout", &self.flush_timeout)
            .field("close_timeout", &self.close_timeout)
            .field("on_give_up", &self.on_give_up.is_some())
            .field("spool", &self.spool)
            .finish()
    }
}

/// What a flush did. `sent` and `failed` count records resolved while it waited (records
/// queued meanwhile by other threads included); `pending` is how many of the records queued
/// before it were still unresolved when it returned (0 unless it timed out).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushReport {
    pub sent: u64,
    pub failed: u64,
    pub pending: u64,
    /// With a spool: what is pending is safe on disk (the receiver is down, or the time ran
    /// out) and will be sent later, by this process or the next.
    pub spooled: bool,
}

impl FlushReport {
    /// Everything queued before the flush was delivered.
    pub fn is_complete(&self) -> bool {
        self.failed == 0 && self.pending == 0
    }
}

pub struct AsyncBatchConsumer {
    settings: Arc<Settings>,
    /// How a batch is sent (kept for the pipeline a fork child starts).
    post: Arc<dyn Post>,
    flush_timeout: Duration,
    close_timeout: Duration,
    /// This process's pipeline (or, in a fork child not yet sending, the parent's).
    engine: ArcSwapOption<Engine>,
    closed: AtomicBool,
}

impl AsyncBatchConsumer {
    pub fn new(url_prefix: &str, config: AsyncBatchConfig) -> Result<Self> {
        Self::with_transport(url_prefix, config, Arc::new(ReqwestTransport::new()))
    }

    /// As [`AsyncBatchConsumer::new`], sending through `transport` (always called on the
    /// consumer's own threads).
    pub fn with_transport(
        url_prefix: &str,
        config: AsyncBatchConfig,
        transport: Arc<dyn Transport>,
    ) -> Result<Self> {
        http::check_url(url_prefix)?;
        if let Some(s) = &config.spool {
            spool::check_dir(&s.dir)?;
        }
        let settings = Arc::new(Settings {
            url: url_prefix.to_owned(),
            timeout: http::timeout_from_ms(config.request_timeout_ms),
            flush_max_time: config.flush_max_time,
            flush_size: config.flush_size.max(1),
            max_batch_size: config.max_batch_size.max(1),
            max_size: config.max_size.max(1),
            max_in_flight: config.max_in_flight.max(1),
            retry: config.retry,
            on_give_up: config.on_give_up,
            spool: config.spool,
        });
        let post: Arc<dyn Post> = Arc::new(HttpPost {
            url: settings.url.clone(),
            timeout: settings.timeout,
            transport,
        });
        let engine = Engine::start(settings.clone(), post.clone(), fork::generation())?;
        Ok(AsyncBatchConsumer {
            settings,
            post,
            flush_timeout: config.flush_timeout,
            close_timeout: config.close_timeout,
            engine: ArcSwapOption::from_pointee(engine),
            closed: AtomicBool::new(false),
        })
    }

    pub fn url(&self) -> &str {
        &self.settings.url
    }

    /// This process's pipeline, if it has one yet.
    fn own_engine(&self) -> Option<Arc<Engine>> {
        fork::own(&self.engine)
    }

    /// This process's pipeline, started now in a fork child.
    fn engine_for_send(&self) -> Result<Arc<Engine>> {
        fork::own_or_start(&self.engine, |generation| {
            Engine::start(self.settings.clone(), self.post.clone(), generation)
        })
    }

    pub fn stats(&self) -> Stats {
        match self.own_engine() {
            Some(e) => e.counters.snapshot(e.queued()),
            // A fork child that has not sent yet has nothing of its own.
            None => Stats::default(),
        }
    }

    /// Waits until every record queued before this call has been sent or given up on, or
    /// `timeout` passes, and says what happened meanwhile. Either way the records queued
    /// before it go out now, without waiting for `flush_size` or `flush_max_time`: a zero
    /// timeout is the reference's non-blocking `flush()`.
    pub fn flush_report(&self, timeout: Duration) -> FlushReport {
        let Some(engine) = self.own_engine() else {
            return FlushReport::default();
        };
        let c = &engine.counters;
        let sent0 = c.sent.load(Ordering::Relaxed);
        let failed0 = c.failed.load(Ordering::Relaxed);
        let accepted0 = c.accepted.load(Ordering::Relaxed);
        let deadline = Instant::now() + timeout;
        // After close nobody would answer the marker.
        let answer = if self.closed.load(Ordering::Acquire) {
            None
        } else {
            let (reply, answer) = bounded(1);
            engine
                .tx
                .send_deadline(Item::Flush(reply), deadline)
                .ok()
                .and_then(|()| answer.recv_deadline(deadline).ok())
        };
        let completed = answer == Some(true);
        let sent = c.sent.load(Ordering::Relaxed);
        let failed = c.failed.load(Ordering::Relaxed);
        let pending = if completed {
            0
        } else {
            accepted0.saturating_sub(sent + failed)
        };
        FlushReport {
            sent: sent - sent0,
            failed: failed - failed0,
            pending,
            // Answered "not delivered, on disk", or timed out with a spool behind it.
            spooled: self.settings.spool.is_some() && !completed,
        }
    }

    fn report_error(&self, what: &str, r: FlushReport, engine: Option<&Engine>) -> Result<()> {
        let last = engine
            .and_then(|e| e.counters.last_error())
            .unwrap_or_default();
        if r.pending > 0 && !r.spooled {
            return Err(Error::Network(format!(
                "{what} timed out with {} records not yet sent (last error: {last})",
                r.pending
            )));
        }
        if r.failed > 0 {
            return Err(Error::Network(format!(
                "{} records could not be sent: {last}",
                r.failed
            )));
        }
        Ok(())
    }
}

impl fork::PerProcess for Engine {
    fn generation(&self) -> u64 {
        self.generation
    }
}

impl Consumer for AsyncBatchConsumer {
    fn stats(&self) -> Stats {
        AsyncBatchConsumer::stats(self)
    }

    fn send(&self, record: &str) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            if let Some(engine) = self.own_engine() {
                Counters::add(&engine.counters.dropped, 1);
            }
            return Err(Error::Network(
                "the AsyncBatchConsumer is closed; record dropped".into(),
            ));
        }
        let guard = self.engine.load();
        let engine = match &*guard {
            Some(e) if e.generation == fork::generation() => e.clone(),
            _ => self.engine_for_send()?,
        };
        drop(guard);
        let Err(why) = engine.push(record.to_owned(), self.settings.spool.as_ref()) else {
            return Ok(());
        };
        Counters::add(&engine.counters.dropped, 1);
        Err(Error::Network(match (why, &self.settings.spool) {
            (Refused::SpoolFull, Some(s)) => format!(
                "the spool is full ({} bytes in {}); record dropped",
                s.max_bytes,
                s.dir.display()
            ),
            (Refused::Stopped, _) => "the AsyncBatchConsumer sender has stopped; record dropped".into(),
            _ => format!(
                "the AsyncBatchConsumer queue is full ({} records); record dropped",
                self.settings.max_size
            ),
        }))
    }

    /// Waits (up to `flush_timeout`) for everything queued before it; an error says how
    /// many records are still pending or were given up on.
    fn flush(&self) -> Result<()> {
        let r = self.flush_report(self.flush_timeout);
        self.report_error("flush", r, self.own_engine().as_deref())
    }

    /// Sends what is queued, within `close_timeout` (+0.5 s), then stops the threads.
    /// Idempotent; later sends fail and count as dropped.
    fn close(&self) -> Result<()> {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let Some(engine) = self.own_engine() else {
            return Ok(());
        };
        let c = &engine.counters;
        let failed0 = c.failed.load(Ordering::Relaxed);
        let deadline = Instant::now() + self.close_timeout;
        let drained = engine.tx.send_deadline(Item::Close, deadline).is_ok()
            && engine.wait_finished(deadline);
        if !drained {
            engine.abort();
            engine.wait_finished(Instant::now() + CLOSE_GRACE);
        }
        engine.join_finished();
        engine.drain_stray();
        let failed = c.failed.load(Ordering::Relaxed) - failed0;
        // Records still in requests that outlived the grace period count as pending.
        let pending = c.in_flight.load(Ordering::Relaxed) as u64;
        self.report_error(
            "close",
            FlushReport {
                sent: 0,
                failed,
                pending,
                spooled: self.settings.spool.is_some(),
            },
            Some(&engine),
        )
    }
}

impl Drop for AsyncBatchConsumer {
    fn drop(&mut self) {
        let _ = self.close();
        fork::forget_if_stale(self.engine.swap(None));
    }
}
