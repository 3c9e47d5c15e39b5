//! AsyncBatchConsumer: what `track()` costs the caller while the background threads gzip and
//! POST batches to the loopback receiver (sa-receiver, same process, same 2 cores).
//!
//! Measured, per configuration:
//! - caller side: events/s of `track()` calls (record building + queueing) and the per-call
//!   latency p50/p99/max (each call timed on its own, ~25 ns of timer overhead included);
//! - delivery: how long until `close()` returned with everything delivered, and the
//!   end-to-end rate (events delivered / time from the first track to close returning);
//! - refused records (queue full), which the caller saw as errors.
//!
//! Run: cargo bench -p sensorsanalytics-core --features http --bench async_throughput [-- N]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use sa_receiver::{Config as ReceiverConfig, Receiver};
use sensorsanalytics::{
    call_site, AsyncBatchConfig, AsyncBatchConsumer, Client, Config, Properties, Value,
};

fn six_properties(i: i64) -> Properties<'static> {
    let mut p = Properties::with_capacity(6);
    p.push_unique("product_id", Value::str("SKU-12345"));
    p.push_unique("product_name", Value::str("Wireless Mouse"));
    p.push_unique("price", Value::Float(12.5));
    p.push_unique("quantity", Value::Int(i % 7));
    p.push_unique("is_member", Value::Bool(true));
    p.push_unique(
        "tags",
        Value::List(vec!["sale".into(), "electronics".into()]),
    );
    p
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn run(name: &str, n: i64, config: AsyncBatchConfig, pace: Option<Duration>) {
    let receiver = Receiver::start(ReceiverConfig::default()).unwrap();
    let consumer = Arc::new(AsyncBatchConsumer::new(&receiver.url(), config).unwrap());
    let sa = Client::new(consumer.clone(), Config::default());
    let site = call_site!();
    let mut lat = Vec::with_capacity(n as usize);
    let mut refused = 0u64;
    let start = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        let r = sa.track(
            Some(&site),
            "user-42",
            "ViewProduct",
            Some(&six_properties(i)),
            true,
        );
        lat.push(t.elapsed().as_nanos().min(u32::MAX as u128) as u32);
        if r.is_err() {
            refused += 1;
        }
        if let Some(p) = pace {
            if i % 1000 == 999 {
                std::thread::sleep(p);
            }
        }
    }
    let calls = start.elapsed();
    let t_close = Instant::now();
    sa.close().unwrap();
    let close = t_close.elapsed();
    let total = start.elapsed();
    let stats = consumer.stats();
    lat.sort_unstable();
    let delivered = receiver.records().len() as u64;
    assert_eq!(delivered, stats.sent);
    println!("{name}");
    println!(
        "  track(): {n} calls in {:.3} s = {:.0} calls/s; per call p50 {} ns, p99 {} ns, max {:.1} ms",
        calls.as_secs_f64(),
        n as f64 / calls.as_secs_f64(),
        percentile(&lat, 0.50),
        percentile(&lat, 0.99),
        *lat.last().unwrap() as f64 / 1e6,
    );
    println!(
        "  delivered {delivered} in {} requests; close() took {:.3} s; end to end {:.0} events/s; refused (queue full) {refused}; retried {}",
        receiver.requests().len(),
        close.as_secs_f64(),
        delivered as f64 / total.as_secs_f64(),
        stats.retried,
    );
}

/// The batch path's own CPU cost, without network: gzip + Base64 + form of 100 records.
fn encode_only() {
    let sa_records: Vec<String> = (0..100)
        .map(|i| {
            format!(
                r###"{{"type":"track","event":"ViewProduct","time":1700000000000,"distinct_id":"user-42","properties":{{"$lib":"Rust","$lib_version":"0.1.0","product_id":"SKU-12345","product_name":"Wireless Mouse","price":12.5,"quantity":{},"is_member":true,"tags":["sale","electronics"],"$is_login_id":true}},"lib":{{"$lib":"Rust","$lib_version":"0.1.0","$lib_method":"code","$lib_detail":"##main##benches/async_throughput.rs##40"}},"_track_id":{}}}"###,
                i % 7,
                1_000_000 + i
            )
        })
        .collect();
    let rounds = 2000;
    let t = Instant::now();
    let mut bytes = 0;
    for _ in 0..rounds {
        bytes += sensorsanalytics::encode_data_list(&sa_records)
            .to_urlencoded()
            .len();
    }
    let secs = t.elapsed().as_secs_f64();
    let raw: usize = sa_records.iter().map(|r| r.len() + 1).sum();
    println!(
        "encode only (gzip level 6 + Base64 + form), 100-record batches of {raw} B -> {} B: {:.0} us/batch, {:.0} events/s per core",
        bytes / rounds,
        secs * 1e6 / rounds as f64,
        (rounds * 100) as f64 / secs
    );
}

fn main() {
    let n: i64 = common::run_size(200_000, 2_000);
    encode_only();
    // A queue that holds the whole run: the caller never waits and nothing is refused, so
    // track() is measured alone, and close() shows how fast the pipeline drains.
    run(
        "queue holds the run (max_size = N, otherwise defaults)",
        n,
        AsyncBatchConfig {
            max_size: n as usize,
            ..AsyncBatchConfig::default()
        },
        None,
    );
    // Defaults (max_size 1000) under a steady load below what the pipeline sustains:
    // bursts of 1000 events, then a 20 ms pause (under 50 000 events/s).
    run(
        "defaults (max_size 1000), bursts of 1000 events + 20 ms pause",
        n,
        AsyncBatchConfig::default(),
        Some(Duration::from_millis(20)),
    );
    run(
        "max_in_flight 4, max_batch_size 500, max_size = N",
        n,
        AsyncBatchConfig {
            max_size: n as usize,
            max_in_flight: 4,
            max_batch_size: 500,
            ..AsyncBatchConfig::default()
        },
        None,
    );
}
