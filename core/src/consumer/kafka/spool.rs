//! KafkaConsumer's spool (`spool_dir`, issue 17 on issue 12's machinery). Records go to
//! librdkafka first, as without a spool; what librdkafka cannot deliver comes here instead of
//! being lost:
//!
//! - a record the broker did not take after librdkafka's retries (a delivery report with an
//!   error: `message.timeout.ms` ran out, the broker is down);
//! - a record that meets librdkafka's full queue (or any other refusal at `send`);
//! - what librdkafka still holds when `close()`'s bound runs out (purged, then spooled).
//!
//! These are handed to the same spool engine the HTTP consumers use (`spool/`: the writer's
//! group commits, segment files, `flock`, adoption of a dead process's segments), whose
//! dispatcher re-sends them through [`KafkaPost`]: a `Post` that produces a batch's records
//! (same topic, same message key) on a replay producer of its own and waits for their
//! delivery reports. A failed replay waits in the spool's retry queue; while the broker is
//! unreachable one probe at a time tries it on a growing backoff. The next process that opens
//! the same `spool_dir` sends what an earlier one left.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseRecord, DeliveryResult, ProducerContext, ThreadedProducer};
use rdkafka::ClientContext;

use super::key;
use crate::consumer::options;
use crate::error::{Error, Result};
use crate::http::pipeline::{Engine, Refused};
use crate::http::retry::Attempt;
use crate::http::senders::{Batch, Post};
use crate::spool::SpoolConfig;

/// The spool behind one process's producer: its engine (writer, dispatcher, replay senders)
/// and what the main producer handed to it.
pub(super) struct SpoolSink {
    pub engine: Engine,
    pub config: SpoolConfig,
    /// Records the main producer gave to the spool (failed deliveries, purged at close),
    /// so that they no longer count as pending there.
    pub handed: AtomicU64,
    /// Set by close: a replay waiting for its reports gives up waiting (its records stay
    /// spooled).
    pub stop: Arc<AtomicBool>,
}

impl SpoolSink {
    /// Queues `record` for the spool's writer thread (waiting a moment for room, as
    /// AsyncBatchConsumer's spool does); refused when the spool is full or stuck.
    pub fn push(&self, record: String) -> Result<()> {
        self.engine.push(record, Some(&self.config)).map_err(|why| {
            Error::Network(match why {
                Refused::SpoolFull => format!(
                    "the spool is full ({} bytes in {})",
                    self.config.max_bytes,
                    self.config.dir.display()
                ),
                Refused::QueueFull => "the spool's queue is full (the disk is slow or failing)".into(),
                Refused::Stopped => "the spool has stopped".into(),
            })
        })
    }
}

/// The settings of the spool engine behind a KafkaConsumer (`pipeline::Settings`, whose
/// HTTP fields are unused here).
pub(super) fn settings(
    bootstrap_servers: &str,
    spool: SpoolConfig,
    on_give_up: Option<crate::consumer::GiveUpCallback>,
) -> crate::http::pipeline::Settings {
    crate::http::pipeline::Settings {
        url: bootstrap_servers.to_owned(),
        timeout: None,
        flush_max_time: options::KAFKA_REPLAY_WAIT,
        flush_size: options::KAFKA_REPLAY_BATCH,
        max_batch_size: options::KAFKA_REPLAY_BATCH,
        max_size: options::KAFKA_SPOOL_QUEUE_SIZE,
        max_in_flight: options::KAFKA_REPLAY_IN_FLIGHT,
        retry: crate::http::RetryPolicy::default(),
        on_give_up,
        spool: Some(spool),
    }
}

/// What one replay batch's delivery reports say.
#[derive(Default)]
struct Tracker {
    state: Mutex<(usize, Option<KafkaError>)>,
    done: Condvar,
}

impl Tracker {
    fn report(&self, error: Option<KafkaError>) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.0 = s.0.saturating_sub(1);
        if s.1.is_none() {
            s.1 = error;
        }
        if s.0 == 0 {
            self.done.notify_all();
        }
    }
}

struct ReplayContext;

impl ClientContext for ReplayContext {}

impl ProducerContext for ReplayContext {
    type DeliveryOpaque = Arc<Tracker>;

    fn delivery(&self, result: &DeliveryResult<'_>, tracker: Arc<Tracker>) {
        tracker.report(result.as_ref().err().map(|(e, _)| e.clone()));
    }
}

type ReplayProducer = ThreadedProducer<ReplayContext>;

/// Produces a spooled batch again: every record into the topic with its key, then waits for
/// their delivery reports. Delivered when every report is a success; otherwise the whole
/// batch is tried again later (a record delivered twice keeps its `_track_id`).
pub(super) struct KafkaPost {
    config: ClientConfig,
    topic: String,
    /// Made on the first replay: a process that never spools runs no second producer.
    producer: Mutex<Option<Arc<ReplayProducer>>>,
    /// How long an attempt waits for its reports (the replay producer's message timeout,
    /// plus a moment).
    wait: Duration,
    stop: Arc<AtomicBool>,
}

impl KafkaPost {
    /// `config` is the main producer's; replays time out sooner (`KAFKA_REPLAY_TIMEOUT` at
    /// most), so that a probe of a broker that is down ends soon.
    pub fn new(mut config: ClientConfig, topic: &str, stop: Arc<AtomicBool>) -> Self {
        let cap = options::KAFKA_REPLAY_TIMEOUT.as_millis() as u64;
        // `delivery.timeout.ms` is librdkafka's alias of `message.timeout.ms`.
        let user = ["message.timeout.ms", "delivery.timeout.ms"]
            .iter()
            .filter_map(|k| config.get(k).and_then(|v| v.trim().parse::<u64>().ok()))
            .filter(|&ms| ms > 0)
            .min();
        let ms = user.map_or(cap, |u| u.min(cap));
        config.remove("delivery.timeout.ms");
        config.set("message.timeout.ms", ms.to_string());
        KafkaPost {
            config,
            topic: topic.to_owned(),
            producer: Mutex::new(None),
            wait: Duration::from_millis(ms) + Duration::from_secs(1),
            stop,
        }
    }

    fn producer(&self) -> std::result::Result<Arc<ReplayProducer>, KafkaError> {
        let mut p = self.producer.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = &*p {
            return Ok(p.clone());
        }
        let made: Arc<ReplayProducer> = Arc::new(self.config.create_with_context(ReplayContext)?);
        *p = Some(made.clone());
        Ok(made)
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }
}

/// How a replay's failure is retried: a broker that does not answer is "unreachable" (the
/// spool then probes it one batch at a time); a record Kafka refuses for good is final.
fn classify(e: &KafkaError, bootstrap: &str) -> Attempt {
    use RDKafkaErrorCode as C;
    let message = format!("Kafka at {bootstrap} did not take the spooled records: {e}");
    match e.rdkafka_error_code() {
        Some(
            C::MessageSizeTooLarge
            | C::InvalidMessageSize
            | C::InvalidMessage
            | C::InvalidRecord
            | C::TopicAuthorizationFailed
            | C::ClusterAuthorizationFailed
            | C::InvalidTopic,
        ) => Attempt::Final(Error::Network(message)),
        Some(
            C::MessageTimedOut
            | C::BrokerTransportFailure
            | C::AllBrokersDown
            | C::Resolve
            | C::PurgeQueue
            | C::PurgeInflight
            | C::RequestTimedOut
            | C::NetworkException
            | C::NotEnoughReplicas
            | C::LeaderNotAvailable
            | C::NotLeaderForPartition,
        ) => Attempt::Retry { message, retry_after: None, unreachable: true },
        _ => Attempt::Retry { message, retry_after: None, unreachable: false },
    }
}

impl Post for KafkaPost {
    fn attempt(&self, batch: &mut Batch) -> Attempt {
        let bootstrap = self.config.get("bootstrap.servers").unwrap_or_default().to_owned();
        let p = match self.producer() {
            Ok(p) => p,
            Err(e) => return classify(&e, &bootstrap),
        };
        let tracker = Arc::new(Tracker::default());
        tracker.state.lock().unwrap_or_else(|p| p.into_inner()).0 = batch.records.len();
        let deadline = Instant::now() + self.wait;
        for record in &batch.records {
            let key = key::message_key(record);
            let mut message = BaseRecord::<str, str, Arc<Tracker>>::with_opaque_to(&self.topic, tracker.clone())
                .payload(record.as_str());
            if let Some(k) = key.as_deref() {
                message = message.key(k);
            }
            loop {
                match p.send(message) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        if self.stopped() || Instant::now() >= deadline {
                            tracker.report(Some(KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull)));
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(5));
                        message = back;
                    }
                    Err((e, _)) => {
                        tracker.report(Some(e));
                        break;
                    }
                }
            }
        }
        let mut s = tracker.state.lock().unwrap_or_else(|p| p.into_inner());
        while s.0 > 0 {
            let now = Instant::now();
            if now >= deadline || self.stopped() {
                return Attempt::Retry {
                    message: format!("Kafka at {bootstrap} did not confirm {} spooled records in time", s.0),
                    retry_after: None,
                    unreachable: true,
                };
            }
            let step = (deadline - now).min(Duration::from_millis(100));
            s = tracker.done.wait_timeout(s, step).unwrap_or_else(|p| p.into_inner()).0;
        }
        match &s.1 {
            None => Attempt::Delivered,
            Some(e) => classify(e, &bootstrap),
        }
    }
}
