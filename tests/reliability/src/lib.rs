//! What the reliability scenarios share: counting what arrived against what was sent, and
//! writing each scenario's figures as one JSON line to `$RELIABILITY_RESULTS`, where run.sh
//! (and the Python and Node scenarios, which write the same line) collect them into one table.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::time::Instant;

use serde_json::{json, Value};

/// How the records of a scenario came through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Records the receiver stored, duplicates included.
    pub received: u64,
    /// Distinct records among them.
    pub unique: u64,
    /// Sent but never stored.
    pub lost: BTreeSet<u64>,
    /// Extra copies (received - unique).
    pub duplicated: u64,
    /// Stored but never sent (a corrupted or foreign record).
    pub unexpected: u64,
}

/// Counts `records` (received, in any order) against the keys `0..sent`; `key` picks a
/// record's number (our own `seq` property: `_track_id` is random, so it can't say what is
/// missing, only what is doubled).
pub fn tally(records: &[Value], sent: u64, key: impl Fn(&Value) -> Option<u64>) -> Tally {
    let mut seen: BTreeMap<u64, u64> = BTreeMap::new();
    let mut unexpected = 0;
    for r in records {
        match key(r) {
            Some(k) if k < sent => *seen.entry(k).or_default() += 1,
            _ => unexpected += 1,
        }
    }
    Tally {
        received: records.len() as u64,
        unique: seen.len() as u64,
        lost: (0..sent).filter(|k| !seen.contains_key(k)).collect(),
        duplicated: seen.values().map(|c| c - 1).sum(),
        unexpected,
    }
}

/// The `seq` property of a record.
pub fn seq(record: &Value) -> Option<u64> {
    record["properties"]["seq"].as_u64()
}

/// Same `_track_id` twice: what a server deduplicating by `_track_id` would drop.
pub fn track_id_duplicates(records: &[Value]) -> u64 {
    let mut seen = BTreeSet::new();
    records
        .iter()
        .filter(|r| !seen.insert((r["_track_id"].as_u64(), seq(r))))
        .count() as u64
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Figures {
    pub scenario: String,
    pub sent: u64,
    pub received: u64,
    pub lost: u64,
    pub duplicated: u64,
    /// Records the SDK said it could not deliver (error, counter or callback).
    pub reported: u64,
    pub passed: bool,
    /// A known bug: reported as such, counted as failed.
    pub xfail: Option<String>,
    pub note: String,
    pub secs: f64,
    /// A check that moves no records (its row shows "-" for the counts).
    pub no_records: bool,
}

impl Figures {
    pub fn new(scenario: impl Into<String>, started: Instant) -> Self {
        Figures {
            scenario: scenario.into(),
            sent: 0,
            received: 0,
            lost: 0,
            duplicated: 0,
            reported: 0,
            passed: false,
            xfail: None,
            note: String::new(),
            secs: started.elapsed().as_secs_f64(),
            no_records: false,
        }
    }

    pub fn from_tally(scenario: impl Into<String>, started: Instant, sent: u64, t: &Tally) -> Self {
        Figures {
            sent,
            received: t.received,
            lost: t.lost.len() as u64,
            duplicated: t.duplicated,
            ..Figures::new(scenario, started)
        }
    }

    /// Appends this row to `$RELIABILITY_RESULTS` (if set) and prints it.
    pub fn emit(&self) {
        let status = match (&self.xfail, self.passed) {
            (_, true) => "pass",
            (Some(_), false) => "xfail",
            (None, false) => "fail",
        };
        let mut note = self.note.clone();
        if let Some(x) = &self.xfail {
            if !self.passed {
                note = format!("KNOWN BUG: {x}; {note}");
            }
        }
        let n = |v: u64| if self.no_records { Value::Null } else { json!(v) };
        let line = json!({
            "lang": "rust",
            "scenario": self.scenario,
            "sent": n(self.sent),
            "received": n(self.received),
            "lost": n(self.lost),
            "duplicated": n(self.duplicated),
            "reported": n(self.reported),
            "status": status,
            "secs": (self.secs * 10.0).round() / 10.0,
            "note": note,
            "runner": std::env::var("RELIABILITY_RUNNER").unwrap_or_default(),
        })
        .to_string();
        eprintln!("RESULT {line}");
        if let Ok(path) = std::env::var("RELIABILITY_RESULTS") {
            // One write of a short line with O_APPEND: lines from parallel scenarios never mix.
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .expect("open $RELIABILITY_RESULTS");
            f.write_all(format!("{line}\n").as_bytes())
                .expect("write $RELIABILITY_RESULTS");
        }
    }
}

/// Peak and current resident set of this process, in KiB, from /proc/self/status.
pub fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// A port nothing listens on: bound, then closed again (connections are refused).
pub fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().unwrap().port()
}

/// A free port for a server we start as a child (it binds it a moment later).
pub fn free_port() -> u16 {
    dead_port()
}
