//! track() throughput into the file consumers, from Rust: a 6-property event, one thread.
//! Prints events/s; the target (issue 2) is >= 1.5 M events/s on the 2-core CI machine.
//! The clock runs until `flush()` returns, so every record is in the file. The file
//! consumers write on a thread of their own: the CPU column (the whole process, user + system)
//! shows what a record costs in all, beside the wall time the calling thread sees.
//!
//! Run: cargo bench -p sensorsanalytics-core --bench track_throughput [-- N]

mod common;

use std::sync::Arc;
use std::time::Instant;

use sensorsanalytics::{
    call_site, Client, ConcurrentLoggingConsumer, Config, Consumer, LoggingConsumer, Properties, Value,
};

/// Drops every record: isolates the client's own cost.
struct Discard;

impl Consumer for Discard {
    fn send(&self, record: &str) -> sensorsanalytics::Result<()> {
        std::hint::black_box(record);
        Ok(())
    }
}

fn six_properties(i: i64) -> Properties<'static> {
    let mut p = Properties::with_capacity(6);
    p.push_unique("product_id", Value::str("SKU-12345"));
    p.push_unique("product_name", Value::str("Wireless Mouse"));
    p.push_unique("price", Value::Float(12.5));
    p.push_unique("quantity", Value::Int(i % 7));
    p.push_unique("is_member", Value::Bool(true));
    p.push_unique("tags", Value::List(vec!["sale".into(), "electronics".into()]));
    p
}

fn run(name: &str, consumer: Arc<dyn Consumer>, n: i64) {
    let sa = Client::new(consumer, Config::default());
    let site = call_site!();
    // Warm up the allocator, the page cache and the branch predictors.
    for i in 0..10_000 {
        sa.track(Some(&site), "user-42", "ViewProduct", Some(&six_properties(i)), true).unwrap();
    }
    let cpu_start = cpu_seconds();
    let start = Instant::now();
    for i in 0..n {
        sa.track(Some(&site), "user-42", "ViewProduct", Some(&six_properties(i)), true).unwrap();
    }
    sa.flush().unwrap();
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_start;
    println!(
        "{name:<28} {n:>9} events  {:>8.3} s  {:>10.0} events/s  {:>6.0} ns/event  {:>6.0} ns CPU/event",
        secs,
        n as f64 / secs,
        secs * 1e9 / n as f64,
        cpu * 1e9 / n as f64
    );
}

/// User + system CPU time of the whole process (every thread), in seconds.
fn cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is always valid.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn main() {
    let n: i64 = common::run_size(2_000_000, 2_000);
    let dir = tempfile::tempdir().unwrap();
    // The cost of building and validating records alone, without any I/O.
    run("(no consumer: build only)", Arc::new(Discard), n);
    run(
        "LoggingConsumer",
        Arc::new(LoggingConsumer::new(dir.path().join("events.log"), 0, "midnight").unwrap()),
        n,
    );
    run(
        "ConcurrentLoggingConsumer",
        Arc::new(ConcurrentLoggingConsumer::new(dir.path().join("concurrent.log"), 8192).unwrap()),
        n,
    );
    let bytes: u64 = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!("wrote {:.1} MB", bytes as f64 / 1e6);
}
