//! KafkaConsumer with `spool_dir` against a real broker (issue 17): the broker stopped in the
//! middle of a burst and restarted loses nothing (records librdkafka gave up on go to the
//! spool and are re-produced), and what one process left in the spool is sent by the next
//! one that opens the directory. Each test counts the records it handed over against the
//! records read back from the topic with a consumer group: 0 lost; a duplicate only ever
//! repeats a record (same `_track_id`).
//!
//! The restart test stops and starts a broker of its own (tests/kafka/start.sh with its own
//! `SA_KAFKA_HOME`, data kept across the restart), never the shared one other tests use.
//! Skipped, with the reason printed, only where java or mvn is missing (never with
//! SA_REQUIRE_KAFKA=1).

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sa_kafka_tool::{broker_or_skip, create_topic, read_topic, unique_topic, REQUIRE_ENV};
use sensorsanalytics::consumer::options::{KafkaOptions, SpoolOptions};
use sensorsanalytics::{Consumer, Error, KafkaConfig, KafkaConsumer};

type GivenUp = Arc<Mutex<Vec<(String, Error)>>>;

fn config(settings: &[(&str, &str)], spool_dir: &Path, given_up: &GivenUp) -> KafkaConfig {
    let mut c = KafkaOptions {
        max_size: None,
        settings: settings.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        spool: SpoolOptions { spool_dir: Some(spool_dir.to_owned()), ..Default::default() },
    }
    .build()
    .unwrap();
    let g = given_up.clone();
    c.on_give_up = Some(Arc::new(move |records: &[String], e: &Error| {
        g.lock().unwrap().extend(records.iter().map(|r| (r.clone(), e.clone())));
    }));
    c
}

/// The record with sequence number `i`; its `_track_id` is `i`.
fn record(i: usize) -> String {
    format!(
        r#"{{"type":"track","time":1700000000000,"distinct_id":"u{}","properties":{{"seq":{i}}},"event":"Burst","_track_id":{i}}}"#,
        i % 97
    )
}

/// Reads the topic back and compares with records 0..n: (lost, duplicated). A duplicate
/// must be the very same record.
fn count_back(bootstrap: &str, topic: &str, n: usize) -> (usize, usize) {
    let read = read_topic(bootstrap, topic, n, Duration::from_secs(90)).unwrap();
    let mut seen: BTreeMap<usize, usize> = BTreeMap::new();
    for m in &read {
        let v: serde_json::Value = serde_json::from_str(&m.value).unwrap();
        let id = v["_track_id"].as_u64().unwrap() as usize;
        assert!(id < n, "a record nobody sent: {}", m.value);
        assert_eq!(m.value, record(id), "a duplicate repeats its record exactly");
        assert_eq!(m.key.as_deref(), Some(format!("u{}", id % 97).as_str()), "the key rule holds for replays");
        *seen.entry(id).or_default() += 1;
    }
    let lost = (0..n).filter(|i| !seen.contains_key(i)).count();
    (lost, read.len() - seen.len())
}

fn has(tool: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success())
}

/// A broker of this test's own, so that stopping it disturbs no other test.
struct OwnBroker {
    home: PathBuf,
    bootstrap: String,
    /// Held (`flock`) while this test owns the broker: another run waits for it.
    _lock: std::fs::File,
}

impl OwnBroker {
    fn script(home: &Path, name: &str, keep_data: bool) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/kafka").join(name);
        let out = Command::new("bash")
            .arg(path)
            .env("SA_KAFKA_HOME", home)
            .env("SA_KAFKA_KEEP_DATA", if keep_data { "1" } else { "0" })
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    fn start_or_skip(test: &str) -> Option<OwnBroker> {
        if let Some(tool) = ["java", "mvn"].into_iter().find(|t| !has(t)) {
            if std::env::var(REQUIRE_ENV).as_deref() == Ok("1") {
                panic!("{test}: {REQUIRE_ENV}=1 but {tool} is not installed");
            }
            eprintln!("skipped {test}: {tool} is not installed, so there is no local Kafka broker");
            return None;
        }
        let uid = std::fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(0);
        let shared = std::env::var("SA_KAFKA_HOME").unwrap_or_else(|_| format!("/tmp/sa-kafka-{uid}"));
        let home = PathBuf::from(format!("{shared}-spool-restart"));
        let lock = std::fs::File::create(format!("{shared}-spool-restart.lock")).unwrap();
        // SAFETY: a valid descriptor, owned by `lock` for as long as the broker is ours.
        assert_eq!(unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) }, 0);
        Self::script(&home, "stop.sh", false);
        let bootstrap = Self::script(&home, "start.sh", false);
        Some(OwnBroker { home, bootstrap, _lock: lock })
    }

    fn stop(&self) {
        Self::script(&self.home, "stop.sh", false);
    }

    fn restart(&self) {
        let again = Self::script(&self.home, "start.sh", true);
        assert_eq!(again, self.bootstrap, "the broker comes back at the same address");
    }
}

impl Drop for OwnBroker {
    fn drop(&mut self) {
        self.stop();
    }
}

#[test]
fn a_broker_stopped_mid_burst_and_restarted_loses_nothing_with_a_spool() {
    let Some(broker) = OwnBroker::start_or_skip("a_broker_stopped_mid_burst") else {
        return;
    };
    let bootstrap = broker.bootstrap.clone();
    let topic = unique_topic("sa-spool-restart");
    create_topic(&bootstrap, &topic, 3).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let given_up = GivenUp::default();
    // librdkafka gives a record up after 3 s (5 minutes by default), so the outage sends
    // records to the spool within the test's time.
    let settings = [("message.timeout.ms", "3000"), ("reconnect.backoff.max.ms", "500")];
    let kafka = KafkaConsumer::new(&bootstrap, &topic, config(&settings, dir.path(), &given_up)).unwrap();

    const N: usize = 20_000;
    let t0 = Instant::now();
    for i in 0..N / 2 {
        kafka.send(&record(i)).unwrap();
    }
    // In the middle of the burst: some records are in, the rest on their way.
    let until = Instant::now() + Duration::from_secs(20);
    while kafka.stats().sent == 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
    let before = kafka.stats();
    broker.stop();
    for i in N / 2..N {
        kafka.send(&record(i)).unwrap();
    }
    // Past message.timeout.ms: what librdkafka held is given up on, into the spool.
    std::thread::sleep(Duration::from_secs(5));
    let during = kafka.stats();
    assert!(during.spooled > 0, "the outage sent records to the spool: {during:?}");
    broker.restart();

    // Flush until the spool has re-produced everything (the spool probes the broker on a
    // backoff of up to 8 s).
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let r = kafka.flush_report(Duration::from_secs(10));
        if r.is_complete() && !r.spooled {
            break;
        }
        assert!(Instant::now() < deadline, "not delivered within 90 s: {r:?} {:?}", kafka.stats());
        std::thread::sleep(Duration::from_millis(500));
    }
    kafka.close().unwrap();
    let s = kafka.stats();
    assert!(given_up.lock().unwrap().is_empty(), "nothing given up on: {:?}", given_up.lock().unwrap().first());
    assert_eq!((s.failed, s.dropped), (0, 0), "{s:?}");

    let (lost, duplicated) = count_back(&bootstrap, &topic, N);
    eprintln!(
        "broker restart with a spool: handed over {N}, delivered before the stop {}, spooled {}, replayed attempts {}, lost {lost}, duplicated {duplicated}, {:.1} s",
        before.sent,
        s.spooled,
        s.retried,
        t0.elapsed().as_secs_f64()
    );
    assert_eq!(lost, 0, "{s:?}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "a delivered spool is deleted: {left:?}");
}

#[test]
fn the_next_process_sends_what_an_unreachable_broker_left_in_the_spool() {
    let Some(bootstrap) = broker_or_skip("the_next_process_sends_what_an_unreachable_broker_left") else {
        return;
    };
    let topic = unique_topic("sa-spool-next");
    create_topic(&bootstrap, &topic, 3).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let given_up = GivenUp::default();
    const N: usize = 500;

    // The first "process": its broker is unreachable; close's bound runs out, and what
    // librdkafka held goes to the spool instead of being given up on.
    let nowhere = format!("127.0.0.1:{}", TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port());
    let mut c = config(&[("message.timeout.ms", "60000")], dir.path(), &given_up);
    c.close_timeout = Duration::from_millis(500);
    let first = KafkaConsumer::new(&nowhere, &topic, c).unwrap();
    for i in 0..N {
        first.send(&record(i)).unwrap();
    }
    first.close().unwrap();
    let s = first.stats();
    assert_eq!((s.spooled, s.sent, s.failed), (N as u64, 0, 0), "{s:?}");
    drop(first);
    assert!(given_up.lock().unwrap().is_empty());

    // The next one, with the broker, sends them.
    let second = KafkaConsumer::new(&bootstrap, &topic, config(&[], dir.path(), &given_up)).unwrap();
    // It adopts the dead process's segments at start and replays them in the background.
    let deadline = Instant::now() + Duration::from_secs(30);
    while second.stats().replayed < N as u64 {
        assert!(Instant::now() < deadline, "not replayed within 30 s: {:?}", second.stats());
        std::thread::sleep(Duration::from_millis(100));
    }
    second.close().unwrap();
    let s = second.stats();
    assert_eq!((s.replayed, s.failed), (N as u64, 0), "{s:?}");
    let (lost, duplicated) = count_back(&bootstrap, &topic, N);
    assert_eq!((lost, duplicated), (0, 0));
    assert!(given_up.lock().unwrap().is_empty());
}

#[test]
fn a_full_queue_spools_the_record_instead_of_refusing_it() {
    // No broker needed: nothing listens there, so librdkafka's queue of 2 fills at once.
    let nowhere = format!("127.0.0.1:{}", TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port());
    let dir = tempfile::tempdir().unwrap();
    let given_up = GivenUp::default();
    let mut c = config(&[], dir.path(), &given_up);
    c.max_size = 2;
    c.close_timeout = Duration::from_millis(200);
    let kafka = KafkaConsumer::new(&nowhere, "events", c).unwrap();
    for i in 0..5 {
        kafka.send(&record(i)).unwrap();
    }
    let s = kafka.stats();
    assert_eq!(s.dropped, 0, "{s:?}");
    // close: the two in librdkafka's queue are purged into the spool too.
    kafka.close().unwrap();
    let s = kafka.stats();
    assert_eq!((s.spooled, s.failed, s.dropped), (5, 0, 0), "{s:?}");
    assert!(given_up.lock().unwrap().is_empty());
    let bytes: u64 = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.metadata().unwrap().len()).sum();
    assert!(bytes > 0, "the records wait on disk");
}
