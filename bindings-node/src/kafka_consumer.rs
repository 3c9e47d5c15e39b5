//! `kafkaConsumer(bootstrapServers, topic, maxSize?, settings?, spool?, onError?)`: the core's KafkaConsumer
//! behind a [`NativeConsumer`] handle (lib/kafka_consumer.js wraps it in the public class).
//! Converts arguments only; every default and rule is core's.

use std::collections::HashMap;
use std::sync::Arc;

use napi::{Env, Result};
use napi_derive::napi;
use sensorsanalytics::consumer::options::KafkaOptions;
use sensorsanalytics::KafkaConsumer;

use crate::consumer::NativeConsumer;
use crate::http_consumer::{spool_options, SpoolArgs};
use crate::error::{self, Failure};

/// `KafkaConsumer(bootstrap_servers, topic, max_size=100000, settings={}, spool_dir=...)`;
/// `settings` are librdkafka's, as strings; `spool` the spool options (`spoolDir`, ...) as
/// given, as for the batch consumers. A record given up on outside flush()/close() has no caller to
/// throw to: as AsyncBatchConsumer's, it is said on stderr, handed to `on_error(records, error)`
/// on the JS thread when given, and counted in stats().failed.
#[napi(catch_unwind)]
pub fn kafka_consumer(
    env: Env,
    bootstrap_servers: String,
    topic: String,
    max_size: Option<f64>,
    settings: Option<HashMap<String, String>>,
    spool: Option<SpoolArgs>,
    #[napi(ts_arg_type = "((records: string[], error: Error) => void) | undefined | null")] on_error: Option<crate::give_up::OnError<'_>>,
) -> Result<NativeConsumer> {
    let on_give_up = crate::give_up::callback("KafkaConsumer", on_error)?;
    let settings = settings.unwrap_or_default().into_iter().collect();
    let made = KafkaOptions { max_size, settings, spool: spool_options(spool) }
        .build()
        .and_then(|mut config| {
            config.on_give_up = Some(on_give_up);
            KafkaConsumer::new(&bootstrap_servers, &topic, config)
        });
    match made {
        Ok(c) => Ok(NativeConsumer::http(Arc::new(c))),
        Err(e) => Err(error::throw(env.raw(), Failure::Core(e))),
    }
}
