//! `KafkaConsumer(bootstrap_servers, topic, max_size=100000, settings={})` as one more
//! constructor of [`NativeConsumer`]: producing, keys, retries and delivery reports all stay
//! in the core.

use std::collections::HashMap;
use std::sync::Arc;

use sensorsanalytics::consumer::{give_up_on_stderr, options::KafkaOptions};
use sensorsanalytics::KafkaConsumer;

use crate::consumer::NativeConsumer;
use crate::error::Result;
use crate::http_consumer::{http, spool};
use crate::network::{give_up_callback, GiveUpListener};

#[uniffi::export]
impl NativeConsumer {
    /// `KafkaConsumer(bootstrap_servers, topic, max_size, settings, spool_dir, ...)`:
    /// `settings` are librdkafka's, as strings; a `None` takes the core's default. With
    /// `spool_dir`, what librdkafka cannot deliver waits on disk and is produced again. A record given up
    /// on outside flush()/close() has no caller to throw to: it is told to `on_give_up` (the
    /// idiomatic layer logs it and calls the user's `onError`), or said on stderr without one,
    /// and counted in stats().failed.
    #[uniffi::constructor]
    pub fn kafka(
        bootstrap_servers: String,
        topic: String,
        max_size: Option<i64>,
        settings: HashMap<String, String>,
        spool_dir: Option<String>,
        spool_max_bytes: Option<f64>,
        spool_fsync: Option<bool>,
        on_give_up: Option<Arc<dyn GiveUpListener>>,
    ) -> Result<Arc<Self>> {
        let mut config = KafkaOptions {
            max_size: max_size.map(|n| n as f64),
            settings: settings.into_iter().collect(),
            spool: spool(spool_dir, spool_max_bytes, spool_fsync),
        }
        .build()?;
        config.on_give_up = Some(give_up_callback(on_give_up).unwrap_or_else(|| give_up_on_stderr("KafkaConsumer")));
        Ok(http(KafkaConsumer::new(&bootstrap_servers, &topic, config)?))
    }
}
