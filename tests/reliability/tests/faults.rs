//! Faults through the loopback receiver, for BatchConsumer and AsyncBatchConsumer from Rust:
//! 50% 503s; 429 with Retry-After; the receiver down for 30 s then back; connection resets
//! mid-request; responses slower than the request timeout. Each scenario tracks numbered
//! records through a real `Client`, then checks that every record arrived, and that any
//! record that did not was reported (an error returned to the caller, the give-up callback
//! or the counters): nothing may go missing silently.
//!
//! The scenarios are independent (own receiver, own consumer), so run.sh runs them all at
//! once (--test-threads): the whole file takes about as long as the 30 s outage.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use sa_receiver::{Config as RConfig, Faults, Receiver};
use sa_reliability::{seq, tally, track_id_duplicates, Figures};
use sensorsanalytics::{
    call_site, AsyncBatchConfig, AsyncBatchConsumer, BatchConsumer, Client, Config, Consumer,
    Properties, RetryPolicy, Value,
};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    Fail503,
    Throttle429,
    Down30,
    Resets,
    Slow,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Batch,
    /// AsyncBatchConsumer sized for the load: a queue that holds a 30 s outage and a retry
    /// budget (60 s) that outlasts it, so every record must arrive.
    Async,
    /// AsyncBatchConsumer with every default (queue 1000, 30 s retry budget): under a 30 s
    /// outage records are refused or given up on, and each of those must be reported.
    AsyncDefaults,
}

/// What a scenario does: how many records, spread over how long, the receiver's faults,
/// and what changes while it runs.
struct Plan {
    n: u64,
    spread: Duration,
    faults: Faults,
    timeout_ms: Option<u64>,
    /// Duplicates are expected only where a request timed out after the server stored it.
    dups_allowed: bool,
}

fn plan(fault: Fault) -> Plan {
    let base = Plan {
        n: 2000,
        spread: Duration::from_secs(2),
        faults: Faults::default(),
        timeout_ms: Some(5000),
        dups_allowed: false,
    };
    match fault {
        Fault::Fail503 => Plan {
            faults: Faults { fail_rate: 0.5, seed: 1, ..Faults::default() },
            ..base
        },
        Fault::Throttle429 => Plan {
            faults: Faults {
                fail_rate: 0.3,
                fail_status: 429,
                retry_after: Some(1),
                seed: 2,
                ..Faults::default()
            },
            ..base
        },
        // Tracking goes on through the outage (2 s .. 32 s) and a little after it.
        Fault::Down30 => Plan { n: 3000, spread: Duration::from_secs(36), ..base },
        // Resets before the body is read, and requests read whole but never answered.
        Fault::Resets => Plan {
            faults: Faults { reset_rate: 0.3, drop_rate: 0.1, seed: 3, ..Faults::default() },
            ..base
        },
        // 800 ms answers against a 300 ms timeout for the first 4 s, then healthy.
        Fault::Slow => Plan {
            spread: Duration::from_secs(6),
            faults: Faults { delay: Some(Duration::from_millis(800)), ..Faults::default() },
            timeout_ms: Some(300),
            dups_allowed: true,
            ..base
        },
    }
}

/// Changes the receiver while the records flow (the outage, the end of the slow phase).
fn control(fault: Fault, r: Arc<Receiver>) -> thread::JoinHandle<()> {
    thread::spawn(move || match fault {
        Fault::Down30 => {
            thread::sleep(Duration::from_secs(2));
            r.go_down(Duration::from_secs(30));
            assert!(r.wait_up(Duration::from_secs(60)), "receiver did not come back");
        }
        Fault::Slow => {
            thread::sleep(Duration::from_secs(4));
            r.update_faults(|f| f.delay = None);
        }
        _ => {}
    })
}

fn props(seq: u64) -> Properties<'static> {
    let mut p = Properties::new();
    p.insert("seq", Value::Int(seq as i64));
    p.insert("pad", Value::str("reliability ".repeat(8)));
    p
}

/// The seq of a record line as the SDK wrote it (for the give-up callback).
fn seq_of_line(line: &str) -> Option<u64> {
    serde_json::from_str::<serde_json::Value>(line).ok().as_ref().and_then(seq)
}

enum Sdk {
    Batch(Arc<BatchConsumer>),
    Async(Arc<AsyncBatchConsumer>),
}

fn scenario(fault: Fault, kind: Kind) {
    let started = Instant::now();
    let name = format!("faults/{fault:?}/{kind:?}").to_lowercase();
    let p = plan(fault);
    let r = Arc::new(
        Receiver::start(RConfig { faults: p.faults.clone(), ..RConfig::default() })
            .expect("start receiver"),
    );
    let given_up: Arc<Mutex<BTreeSet<u64>>> = Arc::default();
    let sdk = match kind {
        Kind::Batch => Sdk::Batch(Arc::new(BatchConsumer::new(&r.url(), 50, p.timeout_ms).unwrap())),
        Kind::Async | Kind::AsyncDefaults => {
            let g = given_up.clone();
            let mut cfg = AsyncBatchConfig {
                request_timeout_ms: p.timeout_ms,
                close_timeout: Duration::from_secs(60),
                on_give_up: Some(Arc::new(move |lines: &[String], _e: &sensorsanalytics::Error| {
                    g.lock().unwrap().extend(lines.iter().filter_map(|l| seq_of_line(l)));
                })),
                ..AsyncBatchConfig::default()
            };
            if kind == Kind::Async {
                cfg.max_size = 10_000;
                cfg.retry = RetryPolicy { max_elapsed: Duration::from_secs(60), ..RetryPolicy::default() };
            }
            Sdk::Async(Arc::new(AsyncBatchConsumer::new(&r.url(), cfg).unwrap()))
        }
    };
    let consumer: Arc<dyn Consumer> = match &sdk {
        Sdk::Batch(b) => b.clone(),
        Sdk::Async(a) => a.clone(),
    };
    let client = Client::new(consumer, Config::default());
    let ctl = control(fault, r.clone());

    // Track, paced over `spread`; an error is the SDK reporting a problem to the caller.
    let mut track_errors = 0u64;
    let mut refused = BTreeSet::new();
    for i in 0..p.n {
        let due = p.spread.mul_f64(i as f64 / p.n as f64);
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            thread::sleep(wait);
        }
        if let Err(e) = client.track(Some(&call_site!()), &format!("u{i}"), "Reliability", Some(&props(i)), false) {
            track_errors += 1;
            // AsyncBatchConsumer refuses a record when its queue is full: that record is the
            // caller's (reported, never queued). BatchConsumer keeps it buffered.
            if matches!(sdk, Sdk::Async(_)) {
                refused.insert(i);
            }
            let _ = e;
        }
    }
    ctl.join().unwrap();

    // Deliver the rest: a BatchConsumer user retries flush until it succeeds (the failed
    // batch stays buffered); close waits for AsyncBatchConsumer's queue (bounded).
    let mut end_errors = 0u64;
    let stats = match &sdk {
        Sdk::Batch(b) => {
            let deadline = Instant::now() + Duration::from_secs(90);
            while b.flush().is_err() && Instant::now() < deadline {
                end_errors += 1;
            }
            if client.close().is_err() {
                end_errors += 1;
            }
            b.stats()
        }
        Sdk::Async(a) => {
            if client.close().is_err() {
                end_errors += 1;
            }
            a.stats()
        }
    };

    let records = r.records();
    let t = tally(&records, p.n, seq);
    let given_up = given_up.lock().unwrap().clone();
    let reported: BTreeSet<u64> = given_up.union(&refused).copied().collect();
    let silent: Vec<u64> = t.lost.iter().filter(|s| !reported.contains(s)).copied().collect();
    let mut f = Figures::from_tally(&name, started, p.n, &t);
    f.secs = started.elapsed().as_secs_f64();
    // Records the SDK told the caller it had not delivered: for BatchConsumer, those of the
    // sends that failed (each an error; the records stayed buffered and went later), for
    // AsyncBatchConsumer those given up on or refused (never sent).
    f.reported = match &sdk {
        Sdk::Batch(_) => stats.failed,
        Sdk::Async(_) => stats.failed + stats.dropped,
    };
    let dup_by_track_id = track_id_duplicates(&records);
    let mut problems = Vec::new();
    if !silent.is_empty() {
        problems.push(format!("{} lost silently, e.g. {:?}", silent.len(), &silent[..silent.len().min(5)]));
    }
    if t.unexpected > 0 {
        problems.push(format!("{} unexpected records", t.unexpected));
    }
    if t.duplicated > 0 && !p.dups_allowed {
        problems.push(format!("{} duplicated", t.duplicated));
    }
    if dup_by_track_id != t.duplicated {
        problems.push(format!("{} duplicates but {} by _track_id", t.duplicated, dup_by_track_id));
    }
    if let Sdk::Async(_) = sdk {
        // The counters must agree with what the caller and the callback were told.
        if stats.dropped != refused.len() as u64 || stats.failed != given_up.len() as u64 {
            problems.push(format!(
                "counters dropped={} failed={} but refused={} given_up={}",
                stats.dropped, stats.failed, refused.len(), given_up.len()
            ));
        }
        if stats.sent + stats.failed + stats.dropped != p.n {
            problems.push(format!("sent+failed+dropped = {} != {}", stats.sent + stats.failed + stats.dropped, p.n));
        }
    }
    if fault == Fault::Throttle429 && kind == Kind::Batch {
        // One request at a time: after a 429 with Retry-After: 1 the next must wait >= 1 s.
        let reqs = r.requests();
        let early = reqs
            .windows(2)
            .filter(|w| w[0].status == Some(429) && w[1].at < w[0].at + Duration::from_millis(950))
            .count();
        if early > 0 {
            problems.push(format!("{early} retries came sooner than Retry-After"));
        }
    }
    if kind != Kind::AsyncDefaults && !t.lost.is_empty() {
        problems.push(format!("{} records did not arrive ({} still buffered)", t.lost.len(), stats.queue_depth));
    }
    f.passed = problems.is_empty();
    f.note = format!(
        "retried={} errors-to-caller={} given-up={} refused={} dup-by-_track_id={} {}",
        stats.retried,
        track_errors + end_errors,
        given_up.len(),
        refused.len(),
        dup_by_track_id,
        problems.join("; ")
    )
    .trim()
    .to_owned();
    f.emit();
    assert!(f.passed, "{name}: {}", f.note);
}

#[test]
fn fail_503_batch() {
    scenario(Fault::Fail503, Kind::Batch)
}
#[test]
fn fail_503_async() {
    scenario(Fault::Fail503, Kind::Async)
}
#[test]
fn throttle_429_batch() {
    scenario(Fault::Throttle429, Kind::Batch)
}
#[test]
fn throttle_429_async() {
    scenario(Fault::Throttle429, Kind::Async)
}
#[test]
fn down_30s_batch() {
    scenario(Fault::Down30, Kind::Batch)
}
#[test]
fn down_30s_async() {
    scenario(Fault::Down30, Kind::Async)
}
#[test]
fn down_30s_async_defaults() {
    scenario(Fault::Down30, Kind::AsyncDefaults)
}
#[test]
fn resets_batch() {
    scenario(Fault::Resets, Kind::Batch)
}
#[test]
fn resets_async() {
    scenario(Fault::Resets, Kind::Async)
}
#[test]
fn slow_batch() {
    scenario(Fault::Slow, Kind::Batch)
}
#[test]
fn slow_async() {
    scenario(Fault::Slow, Kind::Async)
}
