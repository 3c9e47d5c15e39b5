//! What the KafkaConsumer tests of every language share: the local broker (started through
//! tests/kafka/start.sh), topics made for one test, and reading a topic back the way a
//! pipeline's reader does, with a consumer group.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::Message;

/// Set in CI: a broker that cannot be started fails the test instead of skipping it.
pub const REQUIRE_ENV: &str = "SA_REQUIRE_KAFKA";

/// One message as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<String>,
    pub value: String,
}

fn start_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../start.sh")
}

fn has(tool: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success())
}

/// The broker's bootstrap address, starting it if needed; `Err` says why there is none.
pub fn broker() -> Result<String, String> {
    for tool in ["java", "mvn"] {
        if !has(tool) {
            return Err(format!("{tool} is not installed, so there is no local Kafka broker"));
        }
    }
    let out = Command::new("bash").arg(start_script()).output().map_err(|e| format!("start.sh: {e}"))?;
    if !out.status.success() {
        return Err(format!("start.sh failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// For a test: the broker, or `None` after printing why the test is skipped (a panic instead
/// when `SA_REQUIRE_KAFKA=1`).
pub fn broker_or_skip(test: &str) -> Option<String> {
    match broker() {
        Ok(b) => Some(b),
        Err(why) if std::env::var(REQUIRE_ENV).as_deref() == Ok("1") => {
            panic!("{test}: {REQUIRE_ENV}=1 but {why}")
        }
        Err(why) => {
            eprintln!("skipped {test}: {why}");
            None
        }
    }
}

/// A topic name no earlier run used.
pub fn unique_topic(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// Creates `topic` with `partitions` partitions (replication 1) and waits until it is there.
pub fn create_topic(bootstrap: &str, topic: &str, partitions: i32) -> Result<(), String> {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .map_err(|e| e.to_string())?;
    let new = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(20)));
    let results = futures_executor::block_on(admin.create_topics([&new], &opts)).map_err(|e| e.to_string())?;
    for r in results {
        r.map_err(|(t, e)| format!("creating {t}: {e}"))?;
    }
    Ok(())
}

/// Reads `topic` from the beginning with a new consumer group until `count` messages came or
/// `timeout` passed, then reads one more second to see any message too many.
pub fn read_topic(bootstrap: &str, topic: &str, count: usize, timeout: Duration) -> Result<Vec<Read>, String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", unique_topic("sa-reader"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .map_err(|e| e.to_string())?;
    consumer.subscribe(&[topic]).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let deadline = Instant::now() + timeout;
    let mut extra_until: Option<Instant> = None;
    loop {
        let now = Instant::now();
        if now >= deadline || extra_until.is_some_and(|t| now >= t) {
            break;
        }
        match consumer.poll(Duration::from_millis(100)) {
            None => {}
            Some(Err(e)) => return Err(e.to_string()),
            Some(Ok(m)) => {
                out.push(Read {
                    partition: m.partition(),
                    offset: m.offset(),
                    key: m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
                    value: String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned(),
                });
                if out.len() >= count && extra_until.is_none() {
                    extra_until = Some(Instant::now() + Duration::from_secs(1));
                }
            }
        }
    }
    Ok(out)
}
