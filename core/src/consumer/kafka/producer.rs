//! The librdkafka producer behind KafkaConsumer: the settings that make it lose nothing, and
//! the context that turns librdkafka's delivery reports and errors into the SDK's counters and
//! give-up reports.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{DeliveryResult, Producer as _, ProducerContext, ThreadedProducer};
use rdkafka::ClientContext;

use super::topic::Topic;
use super::GiveUpCallback;
use crate::error::{Error, Result};
use crate::http::Counters;

/// What we set before the user's settings (which may override any of them):
/// - `acks=all` and idempotence: a record counts as delivered only once every in-sync
///   replica has it, and librdkafka's retries neither duplicate nor reorder it;
/// - lz4: cheap on the CPU, and JSON lines shrink well;
/// - `murmur2_random`: the Java client's partitioner, so that our records of one user land
///   in the same partition as a Java service's records with the same key.
const NO_LOSS: [(&str, &str); 4] = [
    ("acks", "all"),
    ("enable.idempotence", "true"),
    ("compression.type", "lz4"),
    ("partitioner", "murmur2_random"),
];

/// Settings the consumer's own parameters hold; refused in the settings map, so that one
/// value cannot be given in two places.
const OWN: [&str; 2] = ["bootstrap.servers", "queue.buffering.max.messages"];

/// librdkafka's producer (and its polling thread) with a handle on the consumer's topic.
pub(super) struct Producer {
    /// Declared first so that it is dropped first: a topic handle must not outlive its client.
    topic: Topic,
    client: ThreadedProducer<Context>,
}

impl Producer {
    /// Queues one record (see [`Topic::produce`]).
    pub fn produce(&self, record: &str, key: Option<&str>) -> std::result::Result<(), RDKafkaErrorCode> {
        self.topic.produce(record, key)
    }
}

/// Flush, purge, the queue's length: librdkafka's producer as it is.
impl std::ops::Deref for Producer {
    type Target = ThreadedProducer<Context>;

    fn deref(&self) -> &Self::Target {
        &self.client
    }
}

/// The librdkafka configuration: ours, then the user's map.
pub(super) fn client_config(
    bootstrap_servers: &str,
    max_size: usize,
    settings: &[(String, String)],
) -> Result<ClientConfig> {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", bootstrap_servers)
        .set("queue.buffering.max.messages", max_size.to_string())
        .set("client.id", format!("sensorsanalytics-sdk-{}", crate::SDK_VERSION));
    for (k, v) in NO_LOSS {
        c.set(k, v);
    }
    for (k, v) in settings {
        if let Some(own) = OWN.iter().find(|o| k.trim() == **o) {
            let param = if *own == "bootstrap.servers" { "bootstrap_servers" } else { "max_size" };
            return Err(Error::IllegalData(format!(
                "KafkaConsumer: give {own} as the {param} argument, not in settings"
            )));
        }
        c.set(k, v);
    }
    Ok(c)
}

/// Creates the producer (and its polling thread). A bad setting is the caller's error, with
/// librdkafka's words for it.
pub(super) fn start(config: &ClientConfig, context: Context) -> Result<Producer> {
    let topic_name = context.topic.clone();
    let client: ThreadedProducer<Context> = config
        .create_with_context(context)
        .map_err(|e| Error::IllegalData(format!("KafkaConsumer: {e}")))?;
    let topic = Topic::new(client.client().native_ptr(), &topic_name)?;
    Ok(Producer { topic, client })
}

/// Reads delivery reports (on librdkafka's polling thread, or a flushing caller's).
pub(super) struct Context {
    pub counters: Arc<Counters>,
    pub on_give_up: Option<GiveUpCallback>,
    pub topic: String,
    pub bootstrap_servers: String,
    /// With `spool_dir`: where a record librdkafka gave up on goes instead of being lost.
    pub spool: Option<Arc<super::spool::SpoolSink>>,
}

impl Context {
    /// The error a record given up on is reported with.
    fn give_up_error(&self, e: &KafkaError) -> Error {
        let unknown_topic = matches!(
            e.rdkafka_error_code(),
            Some(RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic)
        );
        if unknown_topic {
            Error::Network(format!(
                "Kafka topic '{}' does not exist on {} ({e})",
                self.topic, self.bootstrap_servers
            ))
        } else {
            Error::Network(format!(
                "Kafka at {} did not take the record into topic '{}': {e}",
                self.bootstrap_servers, self.topic
            ))
        }
    }
}

impl ClientContext for Context {
    /// Client-level errors (a broker down, a refused connection): kept as `last_error`, which
    /// a flush or close that times out quotes. librdkafka reconnects by itself.
    fn error(&self, error: KafkaError, reason: &str) {
        self.counters.set_error(&format!("{error}: {reason}"));
    }
}

impl ProducerContext for Context {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(_) => Counters::add(&self.counters.sent, 1),
            Err((e, message)) => {
                let mut error = self.give_up_error(e);
                let record = || String::from_utf8_lossy(message.payload().unwrap_or_default()).into_owned();
                if let Some(spool) = &self.spool {
                    // Not lost: the spool re-produces it when the broker takes records again.
                    self.counters.set_error(error.message());
                    match spool.push(record()) {
                        Ok(()) => {
                            spool.handed.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
                            return;
                        }
                        Err(why) => {
                            error = Error::Network(format!("{}; and the spool refused it: {}", error.message(), why.message()))
                        }
                    }
                }
                self.counters.fail(1, &error);
                if let Some(cb) = &self.on_give_up {
                    let record = record();
                    // A user's callback must not unwind into librdkafka's C frames.
                    let _ = catch_unwind(AssertUnwindSafe(|| cb(&[record], &error)));
                }
            }
        }
    }
}
