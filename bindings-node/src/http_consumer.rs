//! The HTTP consumers' factories (DefaultConsumer, BatchConsumer, AsyncBatchConsumer,
//! DebugConsumer) on the native consumer class: lib/consumers.js wraps them in the public
//! classes.

use std::sync::Arc;
use std::time::Duration;

use napi::{Env, Result};
use napi_derive::napi;
use sensorsanalytics::{AsyncBatchConfig, AsyncBatchConsumer, BatchConsumer, DebugConsumer, DefaultConsumer};

use crate::background::Background;
use crate::consumer::{made, NativeConsumer, StatsSource};
use crate::error::{self, Failure};

#[napi]
impl NativeConsumer {
    /// `DefaultConsumer(url_prefix, request_timeout=None)`: one request per record, made on
    /// the consumer's own thread (see background.rs).
    #[napi(factory, catch_unwind)]
    pub fn default_consumer(
        env: Env,
        url_prefix: String,
        request_timeout_ms: Option<u32>,
    ) -> Result<Self> {
        let timeout = request_timeout_ms.map(u64::from);
        made(
            &env,
            DefaultConsumer::new(&url_prefix, timeout).and_then(|c| Background::new("default", c)),
        )
    }

    /// `BatchConsumer(url_prefix, max_size=50, request_timeout=None)`: sends every `max_size`
    /// records, on the consumer's own thread.
    #[napi(factory, catch_unwind)]
    pub fn batch(
        env: Env,
        url_prefix: String,
        max_size: u32,
        request_timeout_ms: Option<u32>,
        spool: Option<SpoolArgs>,
    ) -> Result<Self> {
        let timeout = request_timeout_ms.map(u64::from);
        let c = spool_config(spool).and_then(|spool| match spool {
            None => BatchConsumer::new(&url_prefix, max_size as usize, timeout),
            Some(s) => BatchConsumer::with_spool(
                &url_prefix,
                max_size as usize,
                timeout,
                s,
                Arc::new(sensorsanalytics::ReqwestTransport::new()),
            ),
        });
        // The counters are the core consumer's (with a spool: the spool's too).
        let made = c.and_then(|c| {
            let c = Arc::new(c);
            let counters = c.clone();
            let stats: StatsSource = Arc::new(move || counters.stats());
            Background::new("batch", c).map(|bg| (bg, stats))
        });
        match made {
            Ok((bg, stats)) => Ok(NativeConsumer { inner: Arc::new(bg), stats: Some(stats) }),
            Err(e) => Err(error::throw(env.raw(), Failure::Core(e))),
        }
    }

    /// `AsyncBatchConsumer(url_prefix, flush_max_time=3, flush_size=20, max_batch_size=100,
    /// max_size=1000, request_timeout=None)`: the core's own sender thread; `send` never waits.
    #[napi(factory, catch_unwind)]
    pub fn async_batch(
        env: Env,
        url_prefix: String,
        flush_max_time_secs: f64,
        flush_size: u32,
        max_batch_size: u32,
        max_size: u32,
        request_timeout_ms: Option<u32>,
        spool: Option<SpoolArgs>,
    ) -> Result<Self> {
        let spool = match spool_config(spool) {
            Ok(s) => s,
            Err(e) => return Err(error::throw(env.raw(), Failure::Core(e))),
        };
        let config = AsyncBatchConfig {
            spool,
            flush_max_time: Duration::try_from_secs_f64(flush_max_time_secs)
                .unwrap_or(Duration::from_secs(3)),
            flush_size: flush_size as usize,
            max_batch_size: max_batch_size as usize,
            max_size: max_size as usize,
            request_timeout_ms: request_timeout_ms.map(u64::from),
            // A batch given up on outside flush()/close() has no caller to throw to: say so
            // on stderr (Node has no logger of the SDK's; Python logs a warning), and count
            // it in stats().failed.
            on_give_up: Some(Arc::new(|records: &[String], e: &sensorsanalytics::Error| {
                eprintln!(
                    "sensorsanalytics: AsyncBatchConsumer gave up on {} records: {}",
                    records.len(),
                    e.message()
                );
            })),
            ..AsyncBatchConfig::default()
        };
        match AsyncBatchConsumer::new(&url_prefix, config) {
            Ok(c) => {
                let c = Arc::new(c);
                let counters = c.clone();
                Ok(NativeConsumer { inner: c, stats: Some(Arc::new(move || counters.stats())) })
            }
            Err(e) => Err(error::throw(env.raw(), Failure::Core(e))),
        }
    }

    /// `DebugConsumer(url_prefix, write_data=True, request_timeout=None)`: each record to the
    /// debug API, on the consumer's own thread; a rejection fails the next flush.
    #[napi(factory, catch_unwind)]
    pub fn debug(
        env: Env,
        url_prefix: String,
        write_data: bool,
        request_timeout_ms: Option<u32>,
    ) -> Result<Self> {
        let timeout = request_timeout_ms.map(u64::from);
        made(
            &env,
            DebugConsumer::new(&url_prefix, write_data, timeout)
                .and_then(|c| Background::new("debug", c)),
        )
    }
}

/// The spool options of BatchConsumer and AsyncBatchConsumer (`spoolDir`, ...), as given;
/// core applies its defaults and rules.
#[napi(object)]
pub struct SpoolArgs {
    pub spool_dir: Option<String>,
    pub spool_max_bytes: Option<f64>,
    pub spool_fsync: Option<bool>,
}

fn spool_config(args: Option<SpoolArgs>) -> sensorsanalytics::Result<Option<sensorsanalytics::SpoolConfig>> {
    let Some(a) = args else { return Ok(None) };
    sensorsanalytics::consumer::options::SpoolOptions {
        spool_dir: a.spool_dir.map(Into::into),
        spool_max_bytes: a.spool_max_bytes,
        spool_fsync: a.spool_fsync,
    }
    .build()
}
