//! Shared by the `http_*` tests: a receiver on 127.0.0.1, records that carry a sequence
//! number (so loss and duplication can be counted), a fast retry policy, and a transport
//! that captures forms instead of sending them.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use sa_receiver::{Config, Faults, Receiver};
use sensorsanalytics::{HttpResponse, RetryPolicy, Transport, TransportError, WireForm};
use serde_json::Value;

pub fn receiver() -> Receiver {
    Receiver::start(Config::default()).expect("start the loopback receiver")
}

pub fn receiver_with(faults: Faults) -> Receiver {
    Receiver::start(Config {
        faults,
        ..Config::default()
    })
    .expect("start the loopback receiver")
}

/// A record line as the client writes them, numbered by `seq`.
pub fn record(seq: u64) -> String {
    format!(
        r#"{{"type":"track","event":"ViewProduct","time":1700000000000,"distinct_id":"u{seq}","properties":{{"seq":{seq},"name":"鼠标 +/= & %"}},"lib":{{"$lib":"Rust"}}}}"#
    )
}

/// The `seq` of each received record, in arrival order.
pub fn seqs(records: &[Value]) -> Vec<u64> {
    records
        .iter()
        .map(|r| r["properties"]["seq"].as_u64().expect("seq"))
        .collect()
}

/// Asserts that `0..n` each arrived exactly once.
pub fn assert_exactly_once(records: &[Value], n: u64) {
    let mut count: BTreeMap<u64, usize> = BTreeMap::new();
    for s in seqs(records) {
        *count.entry(s).or_default() += 1;
    }
    let dups: Vec<_> = count
        .iter()
        .filter(|(_, c)| **c > 1)
        .map(|(s, _)| *s)
        .collect();
    let missing: Vec<_> = (0..n).filter(|s| !count.contains_key(s)).collect();
    assert!(
        dups.is_empty(),
        "duplicated: {} e.g. {:?}",
        dups.len(),
        &dups[..dups.len().min(10)]
    );
    assert!(
        missing.is_empty(),
        "missing: {} e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    assert_eq!(records.len() as u64, n);
}

/// Retries quickly, so tests do not wait out the production backoff.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        max_elapsed: Duration::from_secs(20),
        ..RetryPolicy::default()
    }
}

/// One captured call to a transport.
#[derive(Debug, Clone)]
pub struct Captured {
    pub url: String,
    pub form: WireForm,
    pub headers: Vec<(String, String)>,
    pub timeout: Option<Duration>,
    pub thread: Option<String>,
}

/// A transport that records what it is given and answers from a script (then 200).
#[derive(Default)]
pub struct Capture {
    pub calls: Mutex<Vec<Captured>>,
    pub script: Mutex<Vec<Result<HttpResponse, TransportError>>>,
    pub inline: bool,
}

impl Capture {
    pub fn answering(script: Vec<Result<HttpResponse, TransportError>>) -> Self {
        Capture {
            script: Mutex::new(script),
            ..Capture::default()
        }
    }
    pub fn calls(&self) -> Vec<Captured> {
        self.calls.lock().unwrap().clone()
    }
}

impl Transport for Capture {
    fn post(
        &self,
        url: &str,
        form: &WireForm,
        headers: &[(&str, &str)],
        timeout: Option<Duration>,
    ) -> Result<HttpResponse, TransportError> {
        self.calls.lock().unwrap().push(Captured {
            url: url.to_owned(),
            form: form.clone(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            timeout,
            thread: std::thread::current().name().map(str::to_owned),
        });
        let mut script = self.script.lock().unwrap();
        if script.is_empty() {
            Ok(HttpResponse::new(200))
        } else {
            script.remove(0)
        }
    }

    fn needs_own_thread(&self) -> bool {
        !self.inline
    }
}

/// The JSON text inside a form: Base64 → gunzip.
pub fn form_json(form: &WireForm) -> String {
    use base64::Engine as _;
    use std::io::Read;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&form.payload_base64)
        .unwrap();
    let mut s = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut s)
        .unwrap();
    s
}

/// Asserts that each of `0..n` arrived at least once (a request whose answer was lost is
/// sent again, so duplicates of the same record are allowed); returns the duplicates.
pub fn assert_none_lost(records: &[Value], n: u64) -> usize {
    let mut seen = vec![0usize; n as usize];
    for s in seqs(records) {
        seen[s as usize] += 1;
    }
    let missing: Vec<_> = (0..n).filter(|s| seen[*s as usize] == 0).collect();
    assert!(
        missing.is_empty(),
        "lost: {} of {n}, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    records.len() - n as usize
}
