//! `sa-kafka-tool`: the bindings' tests reach the broker through this, so that no language
//! needs a Kafka client of its own to check what KafkaConsumer wrote.
//!
//! - `sa-kafka-tool broker`: prints the bootstrap address (starting the broker), or exits 3
//!   with the reason on stderr when there can be none (no java or mvn);
//! - `sa-kafka-tool create BOOTSTRAP TOPIC PARTITIONS`;
//! - `sa-kafka-tool read BOOTSTRAP TOPIC COUNT TIMEOUT_SECONDS`: one JSON object per message
//!   on stdout, `{"partition", "offset", "key", "value"}`, in each partition's order.

use std::process::ExitCode;
use std::time::Duration;

fn run(args: &[String]) -> Result<(), String> {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    match a.as_slice() {
        ["broker"] => {
            println!("{}", sa_kafka_tool::broker()?);
            Ok(())
        }
        ["create", bootstrap, topic, partitions] => {
            let n = partitions.parse().map_err(|_| format!("not a partition count: {partitions}"))?;
            sa_kafka_tool::create_topic(bootstrap, topic, n)
        }
        ["read", bootstrap, topic, count, timeout] => {
            let count = count.parse().map_err(|_| format!("not a count: {count}"))?;
            let secs: f64 = timeout.parse().map_err(|_| format!("not seconds: {timeout}"))?;
            for r in sa_kafka_tool::read_topic(bootstrap, topic, count, Duration::from_secs_f64(secs))? {
                let line = serde_json::json!({
                    "partition": r.partition, "offset": r.offset, "key": r.key, "value": r.value,
                });
                println!("{line}");
            }
            Ok(())
        }
        _ => Err("usage: sa-kafka-tool broker | create BOOTSTRAP TOPIC PARTITIONS | read BOOTSTRAP TOPIC COUNT TIMEOUT_SECONDS".into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sa-kafka-tool: {e}");
            // 3: no broker can be had here (the callers' tests skip on it, unless required).
            if args.first().map(String::as_str) == Some("broker") && e.contains("not installed") {
                ExitCode::from(3)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
