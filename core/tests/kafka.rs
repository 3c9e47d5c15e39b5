//! KafkaConsumer against a real Apache Kafka broker (tests/kafka/start.sh, KRaft, 127.0.0.1):
//! what is read back with a consumer group equals what LoggingConsumer writes for the same
//! records, each user's records in order; delivery counted; an unknown topic, an unreachable
//! broker, a full queue and bad arguments give clear errors, and nothing given up on is lost
//! silently. Skipped, with the reason printed, only where java or mvn is missing (never with
//! SA_REQUIRE_KAFKA=1, as in CI).

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sa_kafka_tool::{broker_or_skip, create_topic, read_topic, unique_topic};
use sensorsanalytics::consumer::options::KafkaOptions;
use sensorsanalytics::{
    Client, Config, Consumer, Error, ErrorKind, KafkaConfig, KafkaConsumer, LoggingConsumer, Properties, Result, Value,
};

/// Hands every record to both consumers: the same line goes to Kafka and to the file.
struct Tee(Arc<KafkaConsumer>, LoggingConsumer);

impl Consumer for Tee {
    fn send(&self, record: &str) -> Result<()> {
        self.1.send(record)?;
        self.0.send(record)
    }
    fn flush(&self) -> Result<()> {
        self.1.flush()?;
        self.0.flush()
    }
    fn close(&self) -> Result<()> {
        self.1.close()?;
        self.0.close()
    }
}

/// Records given up on, with their errors.
type GivenUp = Arc<Mutex<Vec<(String, Error)>>>;

fn config(settings: &[(&str, &str)], given_up: &GivenUp) -> KafkaConfig {
    let mut c = KafkaOptions {
        max_size: None,
        settings: settings.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Default::default()
    }
    .build()
    .unwrap();
    let g = given_up.clone();
    c.on_give_up = Some(Arc::new(move |records: &[String], e: &Error| {
        let mut g = g.lock().unwrap();
        g.extend(records.iter().map(|r| (r.clone(), e.clone())));
    }));
    c
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn records_read_back_equal_the_logging_consumers_in_each_users_order() {
    let Some(bootstrap) = broker_or_skip("records_read_back_equal_the_logging_consumers") else {
        return;
    };
    let topic = unique_topic("sa-events");
    create_topic(&bootstrap, &topic, 3).unwrap();
    let given_up = GivenUp::default();
    let kafka = Arc::new(KafkaConsumer::new(&bootstrap, &topic, config(&[], &given_up)).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("sa.log");
    let logging = LoggingConsumer::new(log_path.to_str().unwrap(), 0, "midnight").unwrap();
    let sa = Client::new(Arc::new(Tee(kafka.clone(), logging)), Config::default());

    const USERS: usize = 7;
    const PER_USER: i64 = 300;
    for seq in 0..PER_USER {
        for u in 0..USERS {
            let mut p = Properties::new();
            p.insert("seq", Value::Int(seq));
            p.insert("note", Value::str("中文 \"quoted\" \\ tab\t"));
            sa.track(None, &format!("user-{u}"), "ViewProduct", Some(&p), false).unwrap();
        }
    }
    let mut p = Properties::new();
    p.insert("price", Value::Float(9.5));
    sa.item_set(None, "book", "b-1", Some(&p)).unwrap();
    sa.profile_set(None, "user-0", &p, false).unwrap();
    sa.flush().unwrap();
    let expected_total = USERS * PER_USER as usize + 2;

    let stats = kafka.stats();
    assert_eq!((stats.sent, stats.failed, stats.dropped, stats.queue_depth), (expected_total as u64, 0, 0, 0));
    sa.close().unwrap();

    let written: Vec<String> = std::fs::read_to_string(&log_path).unwrap().lines().map(str::to_owned).collect();
    assert_eq!(written.len(), expected_total);
    let read = read_topic(&bootstrap, &topic, expected_total, Duration::from_secs(60)).unwrap();
    assert_eq!(read.len(), expected_total, "records handed over vs read back");

    // The same lines, each under its key, and per key in the order written.
    let mut by_key_written: HashMap<String, Vec<&str>> = HashMap::new();
    for line in &written {
        let key = sensorsanalytics::consumer::message_key(line).unwrap().into_owned();
        by_key_written.entry(key).or_default().push(line);
    }
    let mut by_key_read: HashMap<String, Vec<&str>> = HashMap::new();
    let mut partition_of: HashMap<String, i32> = HashMap::new();
    for r in &read {
        let key = r.key.clone().expect("every record has a key");
        let p = *partition_of.entry(key.clone()).or_insert(r.partition);
        assert_eq!(p, r.partition, "all of {key}'s records in one partition");
        by_key_read.entry(key).or_default().push(&r.value);
    }
    assert_eq!(by_key_read, by_key_written);
    assert!(by_key_read.contains_key("book:b-1"), "an item's key is item_type:item_id");
    assert!(partition_of.values().collect::<std::collections::HashSet<_>>().len() > 1, "keys spread over partitions");
    assert!(given_up.lock().unwrap().is_empty());
}

#[test]
fn unknown_topic_is_a_clear_error_and_the_record_is_reported() {
    let Some(bootstrap) = broker_or_skip("unknown_topic_is_a_clear_error") else {
        return;
    };
    let topic = unique_topic("sa-missing");
    let given_up = GivenUp::default();
    // librdkafka waits this long for a topic the broker does not know to appear (30 s by
    // default); shortened so that the test does not wait half a minute.
    let settings = [("topic.metadata.propagation.max.ms", "1000")];
    let kafka = KafkaConsumer::new(&bootstrap, &topic, config(&settings, &given_up)).unwrap();
    kafka.send(r#"{"distinct_id":"u","type":"track","event":"E"}"#).unwrap();
    let e = kafka.flush().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(e.message().contains(&format!("Kafka topic '{topic}' does not exist on {bootstrap}")), "{e}");
    let g = given_up.lock().unwrap();
    assert_eq!(g.len(), 1);
    assert!(g[0].0.contains("\"event\":\"E\""));
    assert_eq!(kafka.stats().failed, 1);
}

#[test]
fn unreachable_broker_times_out_clearly_and_close_reports_what_it_gives_up() {
    // No broker needed: nothing listens there.
    let bootstrap = format!("127.0.0.1:{}", closed_port());
    let given_up = GivenUp::default();
    let mut c = config(&[], &given_up);
    c.flush_timeout = Duration::from_millis(1500);
    c.close_timeout = Duration::from_millis(500);
    let kafka = KafkaConsumer::new(&bootstrap, "events", c).unwrap();
    for i in 0..3 {
        kafka.send(&format!(r#"{{"distinct_id":"u{i}","type":"track"}}"#)).unwrap();
    }
    let e = kafka.flush().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(
        e.message().contains(&format!("flush timed out with 3 records not yet delivered to Kafka at {bootstrap}")),
        "{e}"
    );
    assert!(e.message().contains("Connection refused") || e.message().contains("brokers are down"), "{e}");
    assert_eq!(kafka.stats().queue_depth, 3);
    let e = kafka.close().unwrap_err();
    assert!(e.message().contains("3 records could not be delivered to Kafka"), "{e}");
    assert_eq!(given_up.lock().unwrap().len(), 3, "every record given up on is reported");
    let s = kafka.stats();
    assert_eq!((s.sent, s.failed, s.queue_depth), (0, 3, 0));
    let e = kafka.send(r#"{"distinct_id":"late"}"#).unwrap_err();
    assert!(e.message().contains("closed"));
    assert_eq!(kafka.stats().dropped, 1);
}

#[test]
fn a_full_queue_refuses_the_record() {
    let bootstrap = format!("127.0.0.1:{}", closed_port());
    let given_up = GivenUp::default();
    let mut c = config(&[], &given_up);
    c.max_size = 2;
    c.close_timeout = Duration::from_millis(100);
    let kafka = KafkaConsumer::new(&bootstrap, "events", c).unwrap();
    kafka.send(r#"{"distinct_id":"a"}"#).unwrap();
    kafka.send(r#"{"distinct_id":"b"}"#).unwrap();
    let e = kafka.send(r#"{"distinct_id":"c"}"#).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(e.message().contains("queue is full (2 records)"), "{e}");
    assert_eq!(kafka.stats().dropped, 1);
    assert!(kafka.close().is_err());
    assert_eq!(given_up.lock().unwrap().len(), 2);
}

/// librdkafka refuses a message over `message.max.bytes` when it is produced: the caller's
/// error, at the call, with librdkafka's reason; the records before and after it are taken.
#[test]
fn a_record_over_the_message_size_limit_is_refused_at_the_call() {
    let bootstrap = format!("127.0.0.1:{}", closed_port());
    let given_up = GivenUp::default();
    let mut c = config(&[("message.max.bytes", "1000")], &given_up);
    c.close_timeout = Duration::from_millis(100);
    let kafka = KafkaConsumer::new(&bootstrap, "events", c).unwrap();
    kafka.send(r#"{"distinct_id":"a"}"#).unwrap();
    let big = format!(r#"{{"distinct_id":"b","properties":{{"x":"{}"}}}}"#, "x".repeat(2000));
    let e = kafka.send(&big).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(e.message().contains("Kafka refused the record") && e.message().contains("too large"), "{e}");
    kafka.send(r#"{"distinct_id":"c"}"#).unwrap();
    let s = kafka.stats();
    assert_eq!((s.dropped, s.queue_depth), (1, 2));
    assert!(kafka.close().is_err());
    assert_eq!(given_up.lock().unwrap().len(), 2, "the two records taken are given up on at close");
}

#[test]
fn bad_arguments_are_illegal_data() {
    let ok = KafkaConfig::default;
    let msg = |r: Result<KafkaConsumer>| {
        let e = r.err().expect("an error");
        assert_eq!(e.kind(), ErrorKind::IllegalData, "{e}");
        e.message().to_owned()
    };
    assert!(msg(KafkaConsumer::new(" ", "t", ok())).contains("bootstrap_servers"));
    assert!(msg(KafkaConsumer::new("127.0.0.1:9", "a b", ok())).contains("not a Kafka topic name"));
    assert!(msg(KafkaConsumer::new("127.0.0.1:9", "", ok())).contains("not a Kafka topic name"));
    let with = |k: &str, v: &str| KafkaConfig { settings: vec![(k.into(), v.into())], ..ok() };
    assert!(msg(KafkaConsumer::new("127.0.0.1:9", "t", with("bootstrap.servers", "x:1"))).contains("bootstrap_servers argument"));
    assert!(msg(KafkaConsumer::new("127.0.0.1:9", "t", with("no.such.setting", "1"))).contains("no.such.setting"));
    assert!(msg(KafkaConsumer::new("127.0.0.1:9", "t", with("acks", "maybe"))).contains("acks"));
    let e = KafkaOptions { max_size: Some(-1.0), ..Default::default() }.build().unwrap_err();
    assert!(e.message().contains("max_size"));
    assert_eq!(KafkaOptions::default().build().unwrap().max_size, 100_000);
}
