//! What the receiver remembers: received records (in memory and optionally as JSON lines in a
//! file), rejected records, one [`RequestInfo`] per data request, and the fault state.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::decode::parse_record;

use crate::faults::{FaultState, Faults};

/// How a data request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answered 2xx: its records count as received.
    Accepted,
    /// Answered with a non-2xx status (injected, or 400 for a malformed body).
    Rejected,
    /// Read fully, then the connection was closed without an answer.
    Dropped,
    /// Connection reset after the head, body unread.
    Reset,
    /// The client went away or sent garbage before the request was complete.
    Aborted,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Rejected => "rejected",
            Outcome::Dropped => "dropped",
            Outcome::Reset => "reset",
            Outcome::Aborted => "aborted",
        }
    }
}

/// One data request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// 1-based arrival order among data requests.
    pub seq: u64,
    /// Which TCP connection carried it: equal ids mean a reused keep-alive connection.
    pub conn_id: u64,
    pub method: String,
    pub path: String,
    pub query: String,
    /// All request headers, names as sent.
    pub headers: Vec<(String, String)>,
    pub dry_run: Option<String>,
    pub user_agent: Option<String>,
    pub content_type: Option<String>,
    pub body_bytes: usize,
    /// `"data"` or `"data_list"` when the body decoded.
    pub field: Option<&'static str>,
    pub gzip: Option<bool>,
    /// Records decoded from the body (whether or not they were accepted).
    pub records: usize,
    /// Status answered; `None` when dropped or reset.
    pub status: Option<u16>,
    pub retry_after: Option<u64>,
    pub delay: Option<Duration>,
    pub outcome: Outcome,
    /// Why the body did not decode, or why the request was aborted.
    pub error: Option<String>,
    /// Leniencies the decoder applied (e.g. an unescaped '+').
    pub warnings: Vec<String>,
    /// Time since the receiver started when the head arrived.
    pub at: Duration,
    /// Writing the answer failed (the client had gone, e.g. after its timeout).
    pub write_failed: bool,
}

impl RequestInfo {
    /// Path and query as sent, e.g. `/sa?project=default`.
    pub fn target(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn to_json(&self) -> Value {
        let headers: serde_json::Map<String, Value> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        json!({
            "seq": self.seq,
            "conn_id": self.conn_id,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "target": self.target(),
            "headers": headers,
            "dry_run": self.dry_run,
            "user_agent": self.user_agent,
            "content_type": self.content_type,
            "body_bytes": self.body_bytes,
            "field": self.field,
            "gzip": self.gzip,
            "records": self.records,
            "status": self.status,
            "retry_after": self.retry_after,
            "delay_ms": self.delay.map(|d| d.as_millis() as u64),
            "outcome": self.outcome.as_str(),
            "error": self.error,
            "warnings": self.warnings,
            "at_ms": self.at.as_millis() as u64,
            "write_failed": self.write_failed,
        })
    }
}

#[derive(Debug)]
pub struct Store {
    /// As their checked JSON text (see `decode::DecodedRaw`); `Receiver::records` parses.
    pub records: Vec<Box<RawValue>>,
    pub rejected: Vec<Box<RawValue>>,
    pub requests: Vec<RequestInfo>,
    pub faults: FaultState,
    /// TCP connections accepted so far (data and control alike).
    pub connections: u64,
    out: Option<File>,
}

impl Store {
    pub fn new(faults: Faults, out: Option<&Path>) -> std::io::Result<Store> {
        let out = out.map(File::create).transpose()?;
        Ok(Store {
            records: Vec::new(),
            rejected: Vec::new(),
            requests: Vec::new(),
            faults: FaultState::new(faults),
            connections: 0,
            out,
        })
    }

    /// Files a finished request. Accepted records go to memory and to the output file (one
    /// write and flush per request, so a reader tailing the file never sees half a batch);
    /// all others are kept apart as rejected.
    pub fn commit(&mut self, info: RequestInfo, records: Vec<Box<RawValue>>) {
        if info.outcome == Outcome::Accepted {
            if let Some(f) = self.out.as_mut() {
                let mut buf = String::new();
                for r in &records {
                    // Re-serialised, as the file always had it (compact, keys in order).
                    buf.push_str(&parse_record(r).to_string());
                    buf.push('\n');
                }
                if let Err(e) = f.write_all(buf.as_bytes()).and_then(|_| f.flush()) {
                    eprintln!("sa-receiver: writing the output file failed: {e}");
                }
            }
            self.records.extend(records);
        } else {
            self.rejected.extend(records);
        }
        self.requests.push(info);
    }

    pub fn mark_write_failed(&mut self, seq: u64) {
        if let Some(r) = self.requests.iter_mut().rev().find(|r| r.seq == seq) {
            r.write_failed = true;
        }
    }

    /// Forgets records and requests (not the faults, not the output file's contents).
    pub fn clear(&mut self) {
        self.records.clear();
        self.rejected.clear();
        self.requests.clear();
    }

    pub fn stats_json(&self) -> Value {
        let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
        let mut by_outcome: BTreeMap<&str, u64> = BTreeMap::new();
        for r in &self.requests {
            let key = r
                .status
                .map_or_else(|| r.outcome.as_str().to_string(), |s| s.to_string());
            *by_status.entry(key).or_default() += 1;
            *by_outcome.entry(r.outcome.as_str()).or_default() += 1;
        }
        json!({
            "requests": self.requests.len(),
            "records": self.records.len(),
            "rejected": self.rejected.len(),
            "connections": self.connections,
            "by_status": by_status,
            "by_outcome": by_outcome,
            "faults": self.faults.current().to_json(),
        })
    }
}
