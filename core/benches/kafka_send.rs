//! KafkaConsumer: what `send` costs the caller's thread, without a broker (librdkafka keeps
//! the records queued while it tries to connect to a closed port), so that only our path and
//! librdkafka's `produce` are timed, not a broker's JVM sharing the cores. Records are built
//! before the clock starts: this is the consumer's share of a `track()`, which
//! `bindings-python/bench/kafka_bench.py` measures whole, beside AsyncBatchConsumer's.
//!
//! Printed: ns per `send`, the median of ROUNDS rounds (each on a new consumer, its queue big
//! enough for the round), with the rounds' range.
//!
//! Run: cargo bench -p sensorsanalytics-core --features kafka --bench kafka_send [-- N]
//! (N records a round, 20 000 by default: rounds of 200 000 spend most of their time in page
//! faults of librdkafka's copies, which move single rounds by 2x)

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use sensorsanalytics::consumer::options::KafkaOptions;
use sensorsanalytics::{Consumer, KafkaConsumer};

const ROUNDS: usize = 7;

/// A port nothing listens on.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A record as our writer makes it: `type`, `time`, `distinct_id` first (where the message
/// key is read from), then six properties.
fn record(i: usize) -> String {
    format!(
        r#"{{"type":"track","time":1733300000000,"distinct_id":"user-{}","event":"ViewProduct","_track_id":{},"lib":{{"$lib":"python","$lib_version":"1.11.0","$lib_method":"code"}},"properties":{{"product_id":"SKU-1001","product_name":"Wireless Mouse","price":89.9,"quantity":2,"is_member":true,"channel":"web","$lib":"python","$lib_version":"1.11.0"}}}}"#,
        i % 1000,
        i
    )
}

fn round(bootstrap: &str, records: &[String]) -> f64 {
    let mut config = KafkaOptions::default().build().unwrap();
    config.max_size = records.len() + 1;
    config.close_timeout = Duration::from_millis(10);
    config.on_give_up = Some(std::sync::Arc::new(|_: &[String], _: &sensorsanalytics::Error| {}));
    let kafka = KafkaConsumer::new(bootstrap, "events", config).unwrap();
    let start = Instant::now();
    for r in records {
        kafka.send(r).unwrap();
    }
    let ns = start.elapsed().as_nanos() as f64 / records.len() as f64;
    // Nothing can be delivered: close gives up on the queue (reported to the callback).
    let _ = kafka.close();
    ns
}

fn main() {
    let n: usize = common::run_size(20_000, 1_000);
    let bootstrap = format!("127.0.0.1:{}", closed_port());
    let records: Vec<String> = (0..n).map(record).collect();
    let mut ns: Vec<f64> = (0..ROUNDS).map(|_| round(&bootstrap, &records)).collect();
    ns.sort_by(|a, b| a.total_cmp(b));
    println!(
        "KafkaConsumer::send, no broker, {n} records a round, {ROUNDS} rounds: median {:.0} ns a send (rounds {:.0}-{:.0} ns)",
        ns[ROUNDS / 2],
        ns[0],
        ns[ROUNDS - 1]
    );
}
