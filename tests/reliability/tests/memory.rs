//! Memory under a dead receiver: 1 000 000 track() calls through AsyncBatchConsumer whose
//! server port is closed. The queue is bounded (`max_size`), so the process's peak RSS must
//! stay within what the queue and the batches in flight can hold, plus a small constant:
//! memory must not grow with the number of calls. Every call that could not be queued is
//! reported (an error to the caller, the `dropped` counter), and what was queued but never
//! delivered is reported by close.
//!
//! Each size runs in a child process of its own (this test binary re-run with
//! SA_MEMORY_CHILD set), so that VmHWM measures that run alone.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sa_reliability::{dead_port, rss_kib, Figures};
use sensorsanalytics::{
    call_site, AsyncBatchConfig, AsyncBatchConsumer, Client, Config, Consumer, Properties, Value,
};

const CALLS: u64 = 1_000_000;
/// Allowance for what is not the queue: allocator arenas of the sender threads, the
/// reqwest client, gzip and Base64 buffers of the batches in flight.
const CONSTANT_KIB: u64 = 8 * 1024;

/// In the child: track CALLS records into a dead port, print the measurements as JSON.
fn child(max_size: usize) {
    let url = format!("http://127.0.0.1:{}/sa?project=default", dead_port());
    let cfg = AsyncBatchConfig {
        max_size,
        close_timeout: Duration::from_secs(1),
        ..AsyncBatchConfig::default()
    };
    let (max_in_flight, max_batch) = (cfg.max_in_flight, cfg.max_batch_size);
    let consumer = Arc::new(AsyncBatchConsumer::new(&url, cfg).unwrap());
    let client = Client::new(consumer.clone() as Arc<dyn Consumer>, Config::default());
    let mut p = Properties::new();
    p.insert("pad", Value::str("m".repeat(120)));
    // One record first, to learn its size and to start everything lazily started.
    client.track(Some(&call_site!()), "u", "Memory", Some(&p), false).unwrap();
    let (_, base_rss) = rss_kib();
    let record_len = {
        let mut line = String::new();
        let mut pp = p.clone();
        pp.insert("seq", Value::Int(CALLS as i64));
        // The line as the consumer gets it: measured through a capture of one record.
        let cap = Arc::new(Capture::default());
        Client::new(cap.clone() as Arc<dyn Consumer>, Config::default())
            .track(Some(&call_site!()), "u999999", "Memory", Some(&pp), false)
            .unwrap();
        line.push_str(&cap.0.lock().unwrap()[0]);
        line.len()
    };
    let started = Instant::now();
    let mut errors = 0u64;
    for i in 1..CALLS {
        p.insert("seq", Value::Int(i as i64));
        if client.track(Some(&call_site!()), &format!("u{i}"), "Memory", Some(&p), false).is_err() {
            errors += 1;
        }
    }
    let track_secs = started.elapsed().as_secs_f64();
    let (peak, rss) = rss_kib();
    let before_close = consumer.stats();
    let close_failed = client.close().is_err();
    let s = consumer.stats();
    println!(
        "{}",
        serde_json::json!({
            "max_size": max_size, "max_in_flight": max_in_flight, "max_batch": max_batch,
            "record_len": record_len, "base_rss_kib": base_rss, "peak_kib": peak, "rss_kib": rss,
            "errors": errors, "dropped": s.dropped, "failed": s.failed, "sent": s.sent,
            "queued_at_end": before_close.queue_depth + before_close.in_flight,
            "close_failed": close_failed, "track_secs": track_secs,
        })
    );
}

#[derive(Default)]
struct Capture(std::sync::Mutex<Vec<String>>);
impl Consumer for Capture {
    fn send(&self, record: &str) -> sensorsanalytics::Result<()> {
        self.0.lock().unwrap().push(record.to_owned());
        Ok(())
    }
    fn flush(&self) -> sensorsanalytics::Result<()> {
        Ok(())
    }
    fn close(&self) -> sensorsanalytics::Result<()> {
        Ok(())
    }
}

fn run(max_size: usize) {
    let started = Instant::now();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env("SA_MEMORY_CHILD", max_size.to_string())
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let m: serde_json::Value = stdout
        .lines()
        .find_map(|l| l.find('{').and_then(|i| serde_json::from_str(&l[i..]).ok()))
        .unwrap_or_else(|| panic!("child said: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    let g = |k: &str| m[k].as_u64().unwrap_or(0);
    // What the queue and the batches in flight can hold: each record is a String (its bytes
    // plus the allocator's rounding) in a channel slot.
    // (max_in_flight requests under way, and one more batch being gathered.)
    let slots = g("max_size") + (g("max_in_flight") + 1) * g("max_batch");
    let bound_kib = slots * (g("record_len") + 48) / 1024;
    let growth = g("peak_kib").saturating_sub(g("base_rss_kib"));
    // Everything that did not arrive (all of it) was reported: refused calls + the first
    // record; what close could not deliver (the queue) counts as failed, and close says so.
    let reported = g("dropped") + g("failed");
    let mut f = Figures::new(format!("memory/dead-receiver/max_size={max_size}"), started);
    f.sent = CALLS;
    f.received = 0;
    f.lost = CALLS;
    f.reported = reported.min(CALLS);
    f.passed = growth <= bound_kib + CONSTANT_KIB && g("errors") == g("dropped") && reported == CALLS && m["close_failed"].as_bool() == Some(true);
    f.note = format!(
        "peak RSS {} KiB, at start {} KiB, growth {} KiB; queue bound {} slots x {} B = {} KiB (+{} KiB allowed); {} calls in {:.1} s; refused={} failed={}",
        g("peak_kib"), g("base_rss_kib"), growth, slots, g("record_len") + 48, bound_kib, CONSTANT_KIB, CALLS,
        m["track_secs"].as_f64().unwrap_or(0.0), g("dropped"), g("failed")
    );
    f.emit();
    assert!(f.passed, "{}", f.note);
}

/// The child's entry: does nothing unless SA_MEMORY_CHILD is set.
#[test]
fn child_entry() {
    if let Ok(v) = std::env::var("SA_MEMORY_CHILD") {
        child(v.parse().unwrap());
    }
}

#[test]
fn memory_default_queue() {
    run(1000);
}

#[test]
fn memory_large_queue() {
    run(100_000);
}
