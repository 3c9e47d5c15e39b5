//! `KafkaConsumer(bootstrap_servers, topic, max_size=100000, settings={})` (issue 17): each
//! record, the same JSON line every other consumer writes, becomes one Kafka message, keyed
//! by its `distinct_id` (the item key for items) so that one user's records stay in order.
//!
//! `send` hands the record to librdkafka's bounded in-memory queue and returns; librdkafka
//! batches, compresses and retries on its own threads. Nothing is lost silently: a full
//! queue or a closed consumer is the caller's Network error and counts as `dropped`; a record
//! the broker did not take after librdkafka's retries (`message.timeout.ms`, 5 minutes by
//! default) counts as `failed`, goes to `on_give_up`, and is the error of the flush or close
//! that waited for it. `close` (and dropping the consumer) waits up to `close_timeout` for
//! delivery, then gives up on the rest, reported the same way.
//!
//! Fork: as AsyncBatchConsumer. librdkafka's threads do not exist in a child, so a child
//! makes a producer of its own on its first record and never touches the parent's; what the
//! parent had queued stays the parent's to deliver.

mod key;
mod producer;
mod spool;
mod topic;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{Producer as _, PurgeConfig};

use super::{options, Consumer, FlushReport, GiveUpCallback};
use crate::error::{Error, Result};
use crate::fork;
use crate::http::pipeline::{Engine as SpoolEngine, Item};
use crate::http::senders::Post;
use crate::http::{Counters, Stats};
use crate::spool::SpoolConfig;

pub use key::message_key;

/// After the close timeout, how long close waits for the reports of what it gave up on.
const CLOSE_GRACE: Duration = Duration::from_millis(500);

/// KafkaConsumer's settings after the rules (see `options::KafkaOptions`).
#[derive(Clone)]
pub struct KafkaConfig {
    /// librdkafka's queue, in records (`queue.buffering.max.messages`); `send` fails when it
    /// is full.
    pub max_size: usize,
    /// librdkafka settings, applied after ours (SASL, TLS, client.id, linger.ms, ...).
    pub settings: Vec<(String, String)>,
    /// How long `Consumer::flush` waits for delivery (10 s, as AsyncBatchConsumer).
    pub flush_timeout: Duration,
    /// How long `close` waits for delivery before giving up on the rest (10 s).
    pub close_timeout: Duration,
    /// Told of every record given up on, on a librdkafka thread or a flushing caller's.
    pub on_give_up: Option<GiveUpCallback>,
    /// `spool_dir`: records librdkafka could not deliver (delivery-report errors, a full
    /// queue, what close's bound left) are written there and re-produced later, by this
    /// process or the next one that opens the directory (see `spool.rs`).
    pub spool: Option<SpoolConfig>,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        KafkaConfig {
            max_size: options::DEFAULT_KAFKA_QUEUE_SIZE,
            settings: Vec::new(),
            flush_timeout: options::DEFAULT_KAFKA_FLUSH_TIMEOUT,
            close_timeout: options::DEFAULT_KAFKA_FLUSH_TIMEOUT,
            on_give_up: None,
            spool: None,
        }
    }
}

impl fmt::Debug for KafkaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Settings may hold a SASL password: names only.
        let names: Vec<&str> = self.settings.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("KafkaConfig")
            .field("max_size", &self.max_size)
            .field("settings", &names)
            .field("flush_timeout", &self.flush_timeout)
            .field("close_timeout", &self.close_timeout)
            .field("on_give_up", &self.on_give_up.is_some())
            .field("spool", &self.spool)
            .finish()
    }
}

/// One process's producer and its counters.
struct Engine {
    generation: u64,
    counters: Arc<Counters>,
    /// `None` once closed; a send racing the close still holds its own `Arc`, and what it
    /// queued is purged, and reported, when that `Arc` goes.
    producer: ArcSwapOption<producer::Producer>,
    /// With `spool_dir`: the spool engine that takes what librdkafka could not deliver.
    spool: Option<Arc<spool::SpoolSink>>,
}

impl Engine {
    /// Records accepted by librdkafka and not yet delivered, given up on or spooled.
    fn pending(&self) -> u64 {
        let c = &self.counters;
        let handed = self.spool.as_ref().map_or(0, |s| s.handed.load(Ordering::Acquire));
        let done = c.sent.load(Ordering::Acquire) + c.failed.load(Ordering::Acquire) + handed;
        c.accepted.load(Ordering::Acquire).saturating_sub(done)
    }

    /// The spool engine's counters, if there is a spool.
    fn spool_counters(&self) -> Option<&Counters> {
        self.spool.as_ref().map(|s| &*s.engine.counters)
    }

    /// Sent and failed, the spool's replays included.
    fn sent_failed(&self) -> (u64, u64) {
        let c = &self.counters;
        let (mut sent, mut failed) = (c.sent.load(Ordering::Acquire), c.failed.load(Ordering::Acquire));
        if let Some(s) = self.spool_counters() {
            sent += s.sent.load(Ordering::Acquire);
            failed += s.failed.load(Ordering::Acquire);
        }
        (sent, failed)
    }

    fn last_error(&self) -> Option<String> {
        let spool = self.spool_counters().and_then(|s| s.last_error());
        spool.or_else(|| self.counters.last_error())
    }
}

pub struct KafkaConsumer {
    bootstrap_servers: String,
    topic: String,
    max_size: usize,
    client_config: ClientConfig,
    on_give_up: Option<GiveUpCallback>,
    flush_timeout: Duration,
    close_timeout: Duration,
    spool: Option<SpoolConfig>,
    engine: ArcSwapOption<Engine>,
    closed: AtomicBool,
}

/// Kafka's rule for topic names: 1 to 249 of `[a-zA-Z0-9._-]`, and not `.` or `..`.
fn check_topic(topic: &str) -> Result<()> {
    let ok_chars = topic.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if topic.is_empty() || topic.len() > 249 || !ok_chars || topic == "." || topic == ".." {
        return Err(Error::IllegalData(format!(
            "KafkaConsumer: '{topic}' is not a Kafka topic name (1 to 249 letters, digits, '.', '_' or '-')"
        )));
    }
    Ok(())
}

impl KafkaConsumer {
    /// Checks the arguments and starts the producer. It does not connect yet: a broker that
    /// is down now is an error of the records' delivery, not of the constructor, so that a
    /// service can start before its broker.
    pub fn new(bootstrap_servers: &str, topic: &str, config: KafkaConfig) -> Result<Self> {
        if bootstrap_servers.trim().is_empty() {
            return Err(Error::IllegalData(
                "KafkaConsumer: bootstrap_servers must name at least one broker (host:port)".into(),
            ));
        }
        check_topic(topic)?;
        if let Some(s) = &config.spool {
            crate::spool::check_dir(&s.dir)?;
        }
        let client_config = producer::client_config(bootstrap_servers, config.max_size, &config.settings)?;
        let c = KafkaConsumer {
            bootstrap_servers: bootstrap_servers.to_owned(),
            topic: topic.to_owned(),
            max_size: config.max_size,
            client_config,
            on_give_up: config.on_give_up,
            flush_timeout: config.flush_timeout,
            close_timeout: config.close_timeout,
            spool: config.spool,
            engine: ArcSwapOption::empty(),
            closed: AtomicBool::new(false),
        };
        c.engine.store(Some(Arc::new(c.start_engine(fork::generation())?)));
        Ok(c)
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }

    fn start_engine(&self, generation: u64) -> Result<Engine> {
        let counters = Arc::new(Counters::default());
        let spool = match &self.spool {
            None => None,
            Some(config) => {
                let stop = Arc::new(AtomicBool::new(false));
                let post: Arc<dyn Post> =
                    Arc::new(spool::KafkaPost::new(self.client_config.clone(), &self.topic, stop.clone()));
                let settings = spool::settings(&self.bootstrap_servers, config.clone(), self.on_give_up.clone());
                let engine = SpoolEngine::start(Arc::new(settings), post, generation)?;
                Some(Arc::new(spool::SpoolSink { engine, config: config.clone(), handed: Default::default(), stop }))
            }
        };
        let context = producer::Context {
            counters: counters.clone(),
            on_give_up: self.on_give_up.clone(),
            topic: self.topic.clone(),
            bootstrap_servers: self.bootstrap_servers.clone(),
            spool: spool.clone(),
        };
        let p = producer::start(&self.client_config, context)?;
        Ok(Engine { generation, counters, producer: ArcSwapOption::from_pointee(p), spool })
    }

    /// This process's engine, if it has one yet.
    fn own_engine(&self) -> Option<Arc<Engine>> {
        fork::own(&self.engine)
    }

    /// This process's engine, started now in a fork child.
    fn engine_for_send(&self) -> Result<Arc<Engine>> {
        fork::own_or_start(&self.engine, |generation| self.start_engine(generation))
    }

    /// The counters, in the HTTP consumers' shape: `queue_depth` is what librdkafka holds
    /// (queued or in a request); `retried` and `in_flight` stay 0 (librdkafka retries inside).
    /// With a spool, its counters are added: `sent` includes replays, `spooled` counts records
    /// written to the spool, `queue_depth` what waits there, `retried` and `in_flight` its
    /// replay attempts.
    pub fn stats(&self) -> Stats {
        let Some(e) = self.own_engine() else {
            return Stats::default();
        };
        let mut s = e.counters.snapshot(e.pending() as usize);
        if let Some(sink) = &e.spool {
            let r = sink.engine.counters.snapshot(sink.engine.queued());
            s.sent += r.sent;
            s.failed += r.failed;
            s.dropped += r.dropped;
            s.retried += r.retried;
            s.queue_depth += r.queue_depth;
            s.in_flight += r.in_flight;
            s.last_error = e.last_error();
            s.spooled = r.spooled;
            s.replayed = r.replayed;
            s.spool_bytes = r.spool_bytes;
            s.corrupt = r.corrupt;
        }
        s
    }

    /// Waits until librdkafka has delivered or given up on everything queued (this thread's
    /// records and others'), or `timeout` passes, and says what happened meanwhile.
    pub fn flush_report(&self, timeout: Duration) -> FlushReport {
        let Some(engine) = self.own_engine() else {
            return FlushReport::default();
        };
        let (sent0, failed0) = engine.sent_failed();
        let deadline = Instant::now() + timeout;
        if let Some(p) = engine.producer.load_full() {
            let _ = p.flush(timeout);
        }
        // librdkafka's count falls as a report is taken off its queue, a moment before our
        // callback has counted it: wait for the counters too.
        while engine.pending() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        // Then what the spool holds (records handed to it just now included): answered once
        // it is re-produced, or at once ("spooled") while the broker is known to be down.
        let spooled = match &engine.spool {
            Some(sink) if !self.closed.load(Ordering::Acquire) => {
                let (reply, answer) = crossbeam_channel::bounded(1);
                let answered = sink
                    .engine
                    .tx
                    .send_deadline(Item::Flush(reply), deadline)
                    .ok()
                    .and_then(|()| answer.recv_deadline(deadline).ok());
                answered != Some(true)
            }
            _ => false,
        };
        let (sent, failed) = engine.sent_failed();
        FlushReport { sent: sent - sent0, failed: failed - failed0, pending: engine.pending(), spooled }
    }

    fn report_error(&self, what: &str, r: FlushReport, engine: &Engine) -> Result<()> {
        let last = engine.last_error().unwrap_or_else(|| "none".into());
        if r.pending > 0 {
            return Err(Error::Network(format!(
                "{what} timed out with {} records not yet delivered to Kafka at {} (last error: {last})",
                r.pending, self.bootstrap_servers
            )));
        }
        if r.failed > 0 {
            return Err(Error::Network(format!(
                "{} records could not be delivered to Kafka: {last}",
                r.failed
            )));
        }
        Ok(())
    }

    fn refuse(&self, engine: Option<&Engine>, message: String) -> Error {
        if let Some(e) = engine {
            Counters::add(&e.counters.dropped, 1);
        }
        Error::Network(message)
    }
}

impl fork::PerProcess for Engine {
    fn generation(&self) -> u64 {
        self.generation
    }
}

impl Consumer for KafkaConsumer {
    fn stats(&self) -> Stats {
        KafkaConsumer::stats(self)
    }

    fn send(&self, record: &str) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            let e = self.own_engine();
            return Err(self.refuse(e.as_deref(), "the KafkaConsumer is closed; record dropped".into()));
        }
        let engine = self.engine_for_send()?;
        let Some(p) = engine.producer.load_full() else {
            return Err(self.refuse(Some(&engine), "the KafkaConsumer is closed; record dropped".into()));
        };
        let key = key::message_key(record);
        // Counted before librdkafka has it, so that its report cannot come first.
        Counters::add(&engine.counters.accepted, 1);
        match p.produce(record, key.as_deref()) {
            Ok(()) => Ok(()),
            Err(code) => {
                let e = KafkaError::MessageProduction(code);
                engine.counters.accepted.fetch_sub(1, Ordering::AcqRel);
                if let Some(sink) = &engine.spool {
                    // A full queue (or any refusal) with a spool: the record waits on disk
                    // and is re-produced later, as one the broker did not take.
                    engine.counters.set_error(&format!("librdkafka refused a record, spooled: {e}"));
                    return sink.push(record.to_owned()).map_err(|why| {
                        Counters::add(&engine.counters.dropped, 1);
                        Error::Network(format!("{}; record dropped", why.message()))
                    });
                }
                let why = match code {
                    RDKafkaErrorCode::QueueFull => {
                        format!("the KafkaConsumer queue is full ({} records); record dropped", self.max_size)
                    }
                    _ => format!("Kafka refused the record: {e}; record dropped"),
                };
                Err(self.refuse(Some(&engine), why))
            }
        }
    }

    /// Waits (up to `flush_timeout`) for delivery; an error says how many records are still
    /// pending or were given up on.
    fn flush(&self) -> Result<()> {
        let r = self.flush_report(self.flush_timeout);
        match self.own_engine() {
            Some(e) => self.report_error("flush", r, &e),
            None => Ok(()),
        }
    }

    /// Waits up to `close_timeout` for delivery, gives up on the rest (each record reported to
    /// `on_give_up`), and stops librdkafka's threads. Idempotent; later sends fail.
    fn close(&self) -> Result<()> {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let Some(engine) = self.own_engine() else {
            return Ok(());
        };
        let (_, failed0) = engine.sent_failed();
        let deadline = Instant::now() + self.close_timeout;
        let mut r = self.flush_report(self.close_timeout);
        if let Some(p) = engine.producer.swap(None) {
            if r.pending > 0 {
                // Give up on what is left, so that its reports come now: with a spool they
                // go there; without one they count as failed and go to on_give_up.
                p.purge(PurgeConfig::default().queue().inflight());
                let _ = p.flush(CLOSE_GRACE);
                let grace = Instant::now() + CLOSE_GRACE;
                while engine.pending() > 0 && Instant::now() < grace {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            drop(p);
        }
        if let Some(sink) = &engine.spool {
            // The spool writes what it was handed, then replays what it can in the time left
            // (at least KAFKA_SPOOL_CLOSE_MIN); the rest stays on disk for the next process.
            let spool_deadline = deadline.max(Instant::now() + options::KAFKA_SPOOL_CLOSE_MIN);
            let e = &sink.engine;
            let drained = e.tx.send_deadline(Item::Close, spool_deadline).is_ok() && e.wait_finished(spool_deadline);
            if !drained {
                sink.stop.store(true, Ordering::Release);
                e.abort();
                e.wait_finished(Instant::now() + CLOSE_GRACE);
            }
            e.join_finished();
            e.drain_stray();
            r.spooled = true;
        }
        let (_, failed) = engine.sent_failed();
        r.failed = failed - failed0;
        r.pending = engine.pending();
        self.report_error("close", r, &engine)
    }
}

impl Drop for KafkaConsumer {
    fn drop(&mut self) {
        let _ = self.close();
        fork::forget_if_stale(self.engine.swap(None));
    }
}
