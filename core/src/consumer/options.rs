//! Every consumer option's default and its one normalisation rule (issue 13). Bindings pass
//! what the user gave, as loosely as their language gives it (absent, or a number), and
//! never retype a default: `None` here means "the default", whatever the language.
//!
//! One rule for every number:
//! - not a finite number: an IllegalData error naming the option;
//! - negative: an IllegalData error naming the option;
//! - fractional: counts round down; `request_timeout` (ms) rounds up to a whole millisecond;
//!   durations in seconds keep their fraction;
//! - zero and too large: brought into the option's range (`request_timeout` 0 means the
//!   default, as the C API always had it; counts have a minimum, e.g. a batch of 1; every
//!   option has a maximum, so that a huge value cannot allocate a huge queue).

use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, Result};

/// `LoggingConsumer(prefix, backupCount=0, when='midnight')`
pub const DEFAULT_BACKUP_COUNT: usize = 0;
pub const DEFAULT_WHEN: &str = "midnight";
/// `ConcurrentLoggingConsumer(prefix, bufferSize=8192)`
pub const DEFAULT_BUFFER_SIZE: usize = 8192;
/// `BatchConsumer(url, max_size=50)`; the reference also caps a batch at 50.
pub const DEFAULT_BATCH_MAX_SIZE: usize = 50;
pub const MAX_BATCH_MAX_SIZE: usize = 50;
/// `AsyncBatchConsumer(url, flush_max_time=3, flush_size=20, max_batch_size=100,
/// max_size=1000)`
pub const DEFAULT_FLUSH_MAX_TIME: Duration = Duration::from_secs(3);
pub const DEFAULT_FLUSH_SIZE: usize = 20;
pub const DEFAULT_MAX_BATCH_SIZE: usize = 100;
pub const DEFAULT_QUEUE_SIZE: usize = 1000;
/// `DebugConsumer(url, write_data=True)`
pub const DEFAULT_WRITE_DATA: bool = true;
/// A deferred-send queue (`DeferredConsumer`, in front of Node's Default/Batch/Debug
/// consumers): records waiting at most, and how long flush/close wait for them.
pub const DEFAULT_DEFERRED_QUEUE_SIZE: usize = 10_000;
pub const DEFAULT_DEFERRED_DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// `gzip`: payloads are gzipped (`gzip=1`), as the reference always does.
pub const DEFAULT_GZIP: bool = true;
/// `KafkaConsumer(bootstrap_servers, topic, max_size=100000)`: librdkafka's own default
/// queue (`queue.buffering.max.messages`), far above AsyncBatchConsumer's 1000 because
/// librdkafka sends while it queues, in batches of up to 10 000.
pub const DEFAULT_KAFKA_QUEUE_SIZE: usize = 100_000;
/// How long KafkaConsumer's flush and close wait for delivery, as AsyncBatchConsumer's.
pub const DEFAULT_KAFKA_FLUSH_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a process's exit waits for its open clients to flush (Python's `atexit` hook,
/// `set_exit_flush_timeout(seconds)`), at most `MAX_FLUSH_MAX_TIME`.
pub const DEFAULT_EXIT_FLUSH_TIMEOUT: Duration = Duration::from_secs(3);
/// KafkaConsumer with `spool_dir`: records librdkafka could not deliver wait in the spool's
/// queue (feeding its writer thread) up to this many at a time.
pub const KAFKA_SPOOL_QUEUE_SIZE: usize = 10_000;
/// Spooled records re-produced per replay attempt (one wait for their delivery reports).
pub const KAFKA_REPLAY_BATCH: usize = 1000;
/// Replay attempts under way at once.
pub const KAFKA_REPLAY_IN_FLIGHT: usize = 2;
/// How long fewer than a batch of spooled records wait before they are replayed.
pub const KAFKA_REPLAY_WAIT: Duration = Duration::from_secs(1);
/// A replay's `message.timeout.ms` at most (the user's, if shorter): a probe of a broker that
/// is down ends this soon, and the spool tries again on its backoff.
pub const KAFKA_REPLAY_TIMEOUT: Duration = Duration::from_secs(10);
/// After close's bound ran out, at least this long for the spool to write what librdkafka
/// still held (and to replay what it can).
pub const KAFKA_SPOOL_CLOSE_MIN: Duration = Duration::from_secs(2);
/// `spool_max_bytes`: 1 GiB.
pub const DEFAULT_SPOOL_MAX_BYTES: u64 = 1 << 30;
/// Requests under way at once while the spool sends records it reads back from its files (an
/// earlier process's, or ours once memory ran out): with the consumer's own `max_in_flight`
/// (2) a backlog waited on round trips with most of a core idle, so it drains with more
/// requests in flight; `max_in_flight` still bounds records sent from memory as they are
/// tracked. On 2 cores, 6 kept 1.8 of them busy and drained about 10% faster than 4.
pub const SPOOL_REPLAY_IN_FLIGHT: usize = 6;

/// The largest `request_timeout` (one day): beyond it a value means "never", which a
/// request must not do.
pub const MAX_REQUEST_TIMEOUT_MS: u64 = 86_400_000;
/// The largest queue or buffer in records (a bounded channel allocates its capacity).
pub const MAX_RECORDS: usize = 10_000_000;
/// The largest `flush_max_time` (one day).
pub const MAX_FLUSH_MAX_TIME: Duration = Duration::from_secs(86_400);

fn check(name: &str, v: f64) -> Result<f64> {
    if !v.is_finite() {
        return Err(Error::IllegalData(format!("{name} must be a finite number, not {v}")));
    }
    if v < 0.0 {
        return Err(Error::IllegalData(format!("{name} must not be negative, not {v}")));
    }
    Ok(v)
}

/// A count: rounded down, then brought into `min..=max`; `None` is `default`.
pub fn count(name: &str, v: Option<f64>, default: usize, min: usize, max: usize) -> Result<usize> {
    match v {
        None => Ok(default),
        Some(v) => {
            let v = check(name, v)?.floor();
            Ok(if v >= max as f64 { max } else { (v as usize).max(min) })
        }
    }
}

/// `request_timeout` in milliseconds: rounded up; 0 or `None` is the transport's default.
pub fn request_timeout_ms(v: Option<f64>) -> Result<Option<u64>> {
    match v {
        None => Ok(None),
        Some(v) => {
            let v = check("request_timeout", v)?.ceil();
            Ok((v > 0.0).then(|| (v.min(MAX_REQUEST_TIMEOUT_MS as f64)) as u64))
        }
    }
}

/// A duration in seconds, fraction kept, at most `max`.
pub fn seconds(name: &str, v: Option<f64>, default: Duration, max: Duration) -> Result<Duration> {
    match v {
        None => Ok(default),
        Some(v) => Ok(Duration::from_secs_f64(check(name, v)?.min(max.as_secs_f64()))),
    }
}

/// `set_exit_flush_timeout(seconds)`: how long a process's exit waits for its open clients.
pub fn exit_flush_timeout(seconds: f64) -> Result<Duration> {
    self::seconds("exit_flush_timeout", Some(seconds), DEFAULT_EXIT_FLUSH_TIMEOUT, MAX_FLUSH_MAX_TIME)
}

/// The defaults a constructor's signature shows, as JSON, by the reference's parameter names
/// (BatchConsumer's `max_size` as `batch_max_size`, KafkaConsumer's as `kafka_max_size`);
/// `flush_max_time` in seconds, a whole number when it is one (`3`, as the reference writes it).
pub fn defaults() -> serde_json::Value {
    let t = DEFAULT_FLUSH_MAX_TIME;
    let flush_max_time = if t.subsec_nanos() == 0 { t.as_secs().into() } else { serde_json::json!(t.as_secs_f64()) };
    serde_json::json!({
        "backupCount": DEFAULT_BACKUP_COUNT,
        "when": DEFAULT_WHEN,
        "bufferSize": DEFAULT_BUFFER_SIZE,
        "batch_max_size": DEFAULT_BATCH_MAX_SIZE,
        "flush_max_time": flush_max_time,
        "flush_size": DEFAULT_FLUSH_SIZE,
        "max_batch_size": DEFAULT_MAX_BATCH_SIZE,
        "max_size": DEFAULT_QUEUE_SIZE,
        "write_data": DEFAULT_WRITE_DATA,
        "kafka_max_size": DEFAULT_KAFKA_QUEUE_SIZE,
    })
}

/// The spool options of the two batch consumers, as given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpoolOptions {
    /// No spool unless given.
    pub spool_dir: Option<PathBuf>,
    pub spool_max_bytes: Option<f64>,
    pub spool_fsync: Option<bool>,
}

impl SpoolOptions {
    pub fn build(&self) -> Result<Option<crate::spool::SpoolConfig>> {
        let Some(dir) = &self.spool_dir else {
            return Ok(None);
        };
        if dir.as_os_str().is_empty() {
            return Err(Error::IllegalData("spool_dir must not be empty".into()));
        }
        let max_bytes = match self.spool_max_bytes {
            None => DEFAULT_SPOOL_MAX_BYTES,
            Some(v) => check("spool_max_bytes", v)?.floor().min(u64::MAX as f64) as u64,
        };
        Ok(Some(crate::spool::SpoolConfig {
            dir: dir.clone(),
            max_bytes,
            fsync: self.spool_fsync.unwrap_or(false),
        }))
    }
}

/// `BatchConsumer(url_prefix, max_size, request_timeout, spool_dir=...)`, as given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchOptions {
    pub max_size: Option<f64>,
    pub request_timeout: Option<f64>,
    pub spool: SpoolOptions,
}

/// BatchOptions after the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchSettings {
    pub max_size: usize,
    pub request_timeout_ms: Option<u64>,
    pub spool: Option<crate::spool::SpoolConfig>,
}

impl BatchOptions {
    pub fn build(&self) -> Result<BatchSettings> {
        Ok(BatchSettings {
            max_size: count("max_size", self.max_size, DEFAULT_BATCH_MAX_SIZE, 1, MAX_BATCH_MAX_SIZE)?,
            request_timeout_ms: request_timeout_ms(self.request_timeout)?,
            spool: self.spool.build()?,
        })
    }
}

/// `AsyncBatchConsumer(url_prefix, flush_max_time, flush_size, max_batch_size, max_size,
/// request_timeout, spool_dir=...)`, as given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AsyncBatchOptions {
    /// Seconds.
    pub flush_max_time: Option<f64>,
    pub flush_size: Option<f64>,
    pub max_batch_size: Option<f64>,
    pub max_size: Option<f64>,
    pub request_timeout: Option<f64>,
    pub spool: SpoolOptions,
}

impl AsyncBatchOptions {
    /// The full configuration, every other setting at its default.
    pub fn build(&self) -> Result<super::AsyncBatchConfig> {
        Ok(super::AsyncBatchConfig {
            flush_max_time: seconds(
                "flush_max_time",
                self.flush_max_time,
                DEFAULT_FLUSH_MAX_TIME,
                MAX_FLUSH_MAX_TIME,
            )?,
            flush_size: count("flush_size", self.flush_size, DEFAULT_FLUSH_SIZE, 1, MAX_RECORDS)?,
            max_batch_size: count(
                "max_batch_size",
                self.max_batch_size,
                DEFAULT_MAX_BATCH_SIZE,
                1,
                MAX_RECORDS,
            )?,
            max_size: count("max_size", self.max_size, DEFAULT_QUEUE_SIZE, 1, MAX_RECORDS)?,
            request_timeout_ms: request_timeout_ms(self.request_timeout)?,
            spool: self.spool.build()?,
            ..super::AsyncBatchConfig::default()
        })
    }
}

/// The network options every HTTP consumer (Default, Batch, AsyncBatch, Debug) takes, as
/// given (issue 15): `ca_file`, `proxy`, `headers`, `gzip`. `None` or empty means the
/// default: the system's CAs and `SSL_CERT_FILE`/`SSL_CERT_DIR`, the environment's proxies,
/// no extra header, gzip on. Separate from each consumer's own options because all four
/// consumers share it and it builds the transport, not the consumer.
#[cfg(feature = "http")]
#[derive(Clone, Default, PartialEq)]
pub struct HttpOptions {
    /// A PEM file of CA certificates trusted in addition to the system's.
    pub ca_file: Option<PathBuf>,
    /// `http://[user:pass@]host:port`, used for every request instead of the environment's
    /// proxies (`no_proxy` still applies).
    pub proxy: Option<String>,
    /// Sent with every request, in this order.
    pub headers: Vec<(String, String)>,
    pub gzip: Option<bool>,
}

#[cfg(feature = "http")]
impl std::fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never a proxy's password nor a header's value: both are often secrets.
        f.debug_struct("HttpOptions")
            .field("ca_file", &self.ca_file)
            .field("proxy", &self.proxy.as_deref().map(crate::http::proxy::redact))
            .field("headers", &self.headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>())
            .field("gzip", &self.gzip)
            .finish()
    }
}

#[cfg(feature = "http")]
impl HttpOptions {
    /// The rules: an empty `ca_file` or `proxy` is an IllegalData error naming the option
    /// (an empty string is a mistake, not "the default", which is `None`); each header as
    /// [`crate::http::check_header`] says.
    pub fn build(&self) -> Result<crate::http::TransportConfig> {
        if self.ca_file.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
            return Err(Error::IllegalData("ca_file must not be empty".into()));
        }
        if self.proxy.as_ref().is_some_and(|p| p.trim().is_empty()) {
            return Err(Error::IllegalData("proxy must not be empty".into()));
        }
        for (name, value) in &self.headers {
            crate::http::check_header(name, value)?;
        }
        Ok(crate::http::TransportConfig {
            ca_file: self.ca_file.clone(),
            proxy: self.proxy.clone(),
            headers: self.headers.clone(),
            gzip: self.gzip.unwrap_or(DEFAULT_GZIP),
            ..Default::default()
        })
    }

    /// The transport these options describe (reads `ca_file` now: a missing file, or one
    /// without a certificate, is an IllegalData error at construction, not at the first send).
    pub fn transport(&self) -> Result<crate::http::ReqwestTransport> {
        crate::http::ReqwestTransport::with_config(self.build()?)
    }
}

/// `KafkaConsumer(bootstrap_servers, topic, max_size, settings)`, as given: `settings` are
/// librdkafka's (`"sasl.username"`, `"linger.ms"`, ...), passed through as strings.
#[cfg(feature = "kafka")]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KafkaOptions {
    pub max_size: Option<f64>,
    pub settings: Vec<(String, String)>,
    /// `spool_dir`, `spool_max_bytes`, `spool_fsync`, as for the batch consumers.
    pub spool: SpoolOptions,
}

#[cfg(feature = "kafka")]
impl KafkaOptions {
    /// The full configuration, every other setting at its default.
    pub fn build(&self) -> Result<super::KafkaConfig> {
        Ok(super::KafkaConfig {
            max_size: count("max_size", self.max_size, DEFAULT_KAFKA_QUEUE_SIZE, 1, MAX_RECORDS)?,
            settings: self.settings.clone(),
            spool: self.spool.build()?,
            ..super::KafkaConfig::default()
        })
    }
}

/// `LoggingConsumer(prefix, backupCount, when)`: the count and the `when` string.
pub fn logging(backup_count: Option<f64>, when: Option<&str>) -> Result<(usize, &str)> {
    Ok((
        count("backupCount", backup_count, DEFAULT_BACKUP_COUNT, 0, MAX_RECORDS)?,
        when.unwrap_or(DEFAULT_WHEN),
    ))
}

/// `ConcurrentLoggingConsumer(prefix, bufferSize)`
pub fn buffer_size(v: Option<f64>) -> Result<usize> {
    count("bufferSize", v, DEFAULT_BUFFER_SIZE, 0, MAX_RECORDS)
}

/// The settings a consumer gets when one option is given as `value` (the others left to
/// their defaults), as JSON with core's field names, or the error it is refused with. Not for
/// users: the shared vectors (tests/vectors/options/) read it back in every binding, which
/// reaches it through a test-only export, to pin one rule across languages.
pub fn normalised(consumer: &str, option: &str, value: Option<f64>) -> Result<serde_json::Value> {
    use serde_json::json;
    let unknown = || Error::IllegalData(format!("no option {option} of {consumer}"));
    let timeout_only = |v| -> Result<serde_json::Value> {
        Ok(json!({ "request_timeout_ms": request_timeout_ms(v)? }))
    };
    match (consumer, option) {
        ("DefaultConsumer" | "DebugConsumer", "request_timeout") => timeout_only(value),
        ("BatchConsumer", "max_size" | "request_timeout") => {
            let mut o = BatchOptions::default();
            *if option == "max_size" { &mut o.max_size } else { &mut o.request_timeout } = value;
            let b = o.build()?;
            Ok(json!({ "max_size": b.max_size, "request_timeout_ms": b.request_timeout_ms }))
        }
        ("AsyncBatchConsumer", _) => {
            let mut o = AsyncBatchOptions::default();
            *match option {
                "flush_max_time" => &mut o.flush_max_time,
                "flush_size" => &mut o.flush_size,
                "max_batch_size" => &mut o.max_batch_size,
                "max_size" => &mut o.max_size,
                "request_timeout" => &mut o.request_timeout,
                _ => return Err(unknown()),
            } = value;
            let c = o.build()?;
            Ok(json!({
                "flush_max_time": c.flush_max_time.as_secs_f64(),
                "flush_size": c.flush_size,
                "max_batch_size": c.max_batch_size,
                "max_size": c.max_size,
                "request_timeout_ms": c.request_timeout_ms,
            }))
        }
        ("LoggingConsumer", "backupCount") => Ok(json!({ "backup_count": logging(value, None)?.0 })),
        ("ConcurrentLoggingConsumer", "bufferSize") => Ok(json!({ "buffer_size": buffer_size(value)? })),
        _ => Err(unknown()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_timeout_rule() {
        assert_eq!(request_timeout_ms(None), Ok(None));
        assert_eq!(request_timeout_ms(Some(0.0)), Ok(None));
        assert_eq!(request_timeout_ms(Some(0.5)), Ok(Some(1)));
        assert_eq!(request_timeout_ms(Some(2000.0)), Ok(Some(2000)));
        assert_eq!(request_timeout_ms(Some(1e12)), Ok(Some(MAX_REQUEST_TIMEOUT_MS)));
        assert!(request_timeout_ms(Some(-1.0)).unwrap_err().message().contains("negative"));
        assert!(request_timeout_ms(Some(f64::NAN)).is_err());
    }

    #[test]
    fn count_rule() {
        assert_eq!(count("n", None, 20, 1, 100), Ok(20));
        assert_eq!(count("n", Some(0.0), 20, 1, 100), Ok(1));
        assert_eq!(count("n", Some(2.9), 20, 1, 100), Ok(2));
        assert_eq!(count("n", Some(1e300), 20, 1, 100), Ok(100));
        assert!(count("n", Some(-3.0), 20, 1, 100).is_err());
    }

    #[cfg(feature = "http")]
    #[test]
    fn http_options_rules() {
        let c = HttpOptions::default().build().unwrap();
        assert_eq!(c, crate::http::TransportConfig::default());
        assert!(c.gzip);
        let off = HttpOptions { gzip: Some(false), ..Default::default() };
        assert!(!off.build().unwrap().gzip);
        let msg = |o: HttpOptions| o.build().unwrap_err().message().to_owned();
        let h = |n: &str, v: &str| HttpOptions { headers: vec![(n.into(), v.into())], ..Default::default() };
        assert!(msg(h("X-A", "a\r\nX-B: b")).contains("no CR, LF"));
        assert!(msg(h("X A", "v")).contains("invalid header name"));
        assert!(msg(h("", "v")).contains("invalid header name"));
        for reserved in ["Content-Type", "user-agent", "Dry-Run", "Host", "Content-Encoding"] {
            assert!(msg(h(reserved, "v")).contains("the SDK sets it itself"), "{reserved}");
        }
        assert!(h("X-Tenant", "t1").build().is_ok());
        let empty = HttpOptions { ca_file: Some(PathBuf::new()), ..Default::default() };
        assert_eq!(msg(empty), "ca_file must not be empty");
        let empty = HttpOptions { proxy: Some(" ".into()), ..Default::default() };
        assert_eq!(msg(empty), "proxy must not be empty");
        let missing = HttpOptions { ca_file: Some("/nonexistent/ca.pem".into()), ..Default::default() };
        assert!(missing.transport().is_err());
        let secret = HttpOptions {
            proxy: Some("http://u:pw-secret@127.0.0.1:1".into()),
            headers: vec![("X-Token".into(), "tok-secret".into())],
            ..Default::default()
        };
        let shown = format!("{secret:?}");
        assert!(!shown.contains("pw-secret") && !shown.contains("tok-secret"), "{shown}");
    }

    #[test]
    fn defaults_are_the_reference_ones() {
        let c = AsyncBatchOptions::default().build().unwrap();
        assert_eq!(
            (c.flush_max_time, c.flush_size, c.max_batch_size, c.max_size),
            (Duration::from_secs(3), 20, 100, 1000)
        );
        assert_eq!(BatchOptions::default().build().unwrap().max_size, 50);
        assert_eq!(buffer_size(None), Ok(8192));
        assert_eq!(logging(None, None), Ok((0, "midnight")));
    }

    #[test]
    fn defaults_by_reference_name() {
        let d = defaults();
        assert_eq!(d.as_object().unwrap().len(), 10);
        assert_eq!((&d["backupCount"], &d["when"], &d["bufferSize"]), (&0.into(), &"midnight".into(), &8192.into()));
        assert_eq!((&d["batch_max_size"], &d["max_size"], &d["kafka_max_size"]), (&50.into(), &1000.into(), &100_000.into()));
        // 3, not 3.0: the reference's signature shows an int.
        assert!(d["flush_max_time"].is_u64() && d["flush_max_time"] == 3);
        assert_eq!((&d["flush_size"], &d["max_batch_size"], &d["write_data"]), (&20.into(), &100.into(), &true.into()));
    }

    #[test]
    fn exit_flush_timeout_rule() {
        assert_eq!(exit_flush_timeout(1.5), Ok(Duration::from_millis(1500)));
        assert_eq!(exit_flush_timeout(1e9), Ok(MAX_FLUSH_MAX_TIME));
        assert!(exit_flush_timeout(-1.0).unwrap_err().message().starts_with("exit_flush_timeout must not be negative"));
        assert!(exit_flush_timeout(f64::NAN).is_err());
    }
}
