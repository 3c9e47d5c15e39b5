//! sa_consumer_kafka_new(): the core's KafkaConsumer. This file converts C arguments only.

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;
use std::time::Duration;

use sensorsanalytics::consumer::options::KafkaOptions;
use sensorsanalytics::{KafkaConfig, KafkaConsumer};

use crate::args;
use crate::consumer::{put, sa_consumer};
use crate::error::Outcome;
use crate::http_consumer::{millis, sa_give_up_fn, spool_of, GiveUp};

/// The parameters of sa_consumer_kafka_new(). Fill it with sa_kafka_options_init() (the
/// core's defaults), then change what you need.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sa_kafka_options {
    /// librdkafka's queue, in records: a record that finds it full is SA_ERR_NETWORK
    /// (100000; 0 counts as 1).
    pub max_size: usize,
    /// Optional (NULL): librdkafka settings as `settings_len` pairs, key then value
    /// (`{"sasl.username", "me", "linger.ms", "10"}`), applied after the SDK's (acks=all,
    /// idempotence, lz4). Copied at construction.
    pub settings: *const *const c_char,
    /// The number of key/value pairs in `settings`.
    pub settings_len: usize,
    /// How long sa_flush() waits for delivery (10 s).
    pub flush_timeout_ms: u64,
    /// How long sa_close() waits for delivery before giving up on the rest (10 s).
    pub close_timeout_ms: u64,
    /// Optional (NULL): told of every record given up on (one per call), on a librdkafka
    /// thread or the thread in sa_flush()/sa_close().
    pub on_give_up: sa_give_up_fn,
    /// Passed to on_give_up; must stay valid as long as the consumer lives.
    pub user_data: *mut c_void,
    /// Optional (NULL: no spool): a directory where what librdkafka cannot deliver is written
    /// instead of being given up on (records the broker did not take within
    /// message.timeout.ms, records meeting a full queue, what sa_close()'s bound leaves), and
    /// produced again when the broker is back, by this process or the next one that opens
    /// the directory. Copied at construction.
    pub spool_dir: *const c_char,
    /// When the spool holds this many bytes, records are given up on; 0: core's default
    /// (1 GiB).
    pub spool_max_bytes: u64,
    /// fdatasync() the spool after every write.
    pub spool_fsync: bool,
}

/// Fills `options` with the defaults.
#[no_mangle]
pub unsafe extern "C" fn sa_kafka_options_init(options: *mut sa_kafka_options) -> c_int {
    unsafe { args::fill_default(options) }
}

impl Default for sa_kafka_options {
    fn default() -> Self {
        let d = KafkaConfig::default();
        sa_kafka_options {
            max_size: d.max_size,
            settings: std::ptr::null(),
            settings_len: 0,
            flush_timeout_ms: millis(d.flush_timeout),
            close_timeout_ms: millis(d.close_timeout),
            on_give_up: None,
            user_data: std::ptr::null_mut(),
            spool_dir: std::ptr::null(),
            spool_max_bytes: 0,
            spool_fsync: false,
        }
    }
}

/// The settings pairs as strings.
unsafe fn settings_of(o: &sa_kafka_options) -> Outcome<Vec<(String, String)>> {
    // SAFETY: the caller's promise: 2 * settings_len valid pointers.
    let texts = unsafe { args::array(o.settings, o.settings_len.saturating_mul(2), "settings") }?;
    texts
        .chunks(2)
        .map(|kv| {
            // SAFETY: as above, each a NUL-terminated string.
            let (k, v) = unsafe { (args::text(kv[0], "settings key")?, args::text(kv[1], "settings value")?) };
            Ok((k.to_owned(), v.to_owned()))
        })
        .collect()
}

/// KafkaConsumer(bootstrap_servers, topic): each record becomes one message on `topic`,
/// keyed by its distinct_id (item_type:item_id for items) so that one user's records stay
/// in order, with acks=all, idempotence and lz4. Tracking only queues the record; librdkafka
/// delivers and retries on its own threads (up to message.timeout.ms, 5 min). `options` may
/// be NULL for the defaults. A bad topic name or setting is SA_ERR_ILLEGAL_DATA; the broker
/// is not contacted here. sa_flush() waits for delivery (SA_ERR_NETWORK, naming the broker
/// and the last error, if records are still pending or were given up on); sa_close() waits
/// close_timeout_ms, then gives up on the rest (each told to on_give_up). After fork(), the
/// child produces through a producer of its own.
#[no_mangle]
pub unsafe extern "C" fn sa_consumer_kafka_new(
    bootstrap_servers: *const c_char,
    topic: *const c_char,
    options: *const sa_kafka_options,
    out: *mut *mut sa_consumer,
) -> c_int {
    unsafe {
        put(out, true, || {
            let bootstrap = args::text(bootstrap_servers, "bootstrap_servers")?;
            let topic = args::text(topic, "topic")?;
            let o = options.as_ref().copied().unwrap_or_default();
            let mut config = KafkaOptions {
                max_size: Some(o.max_size as f64),
                settings: settings_of(&o)?,
                spool: spool_of(o.spool_dir, o.spool_max_bytes, o.spool_fsync)?,
            }
            .build()?;
            config.flush_timeout = Duration::from_millis(o.flush_timeout_ms);
            config.close_timeout = Duration::from_millis(o.close_timeout_ms);
            config.on_give_up = GiveUp::of(o.on_give_up, o.user_data);
            Ok(Arc::new(KafkaConsumer::new(bootstrap, topic, config)?))
        })
    }
}
