//! The HTTP consumers' factories (DefaultConsumer, BatchConsumer, AsyncBatchConsumer,
//! DebugConsumer) on the native consumer class: lib/consumers.js wraps them in the public
//! classes.

use std::sync::Arc;
use std::time::Duration;

use napi::{Env, Result};
use napi_derive::napi;
use sensorsanalytics::consumer::options::HttpOptions;
use sensorsanalytics::{
    AsyncBatchConfig, AsyncBatchConsumer, BatchConsumer, DebugConsumer, DefaultConsumer, ReqwestTransport,
};

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
        network: Option<NetworkArgs>,
    ) -> Result<Self> {
        let timeout = request_timeout_ms.map(u64::from);
        made(
            &env,
            transport_of(network)
                .and_then(|t| DefaultConsumer::with_transport(&url_prefix, timeout, t))
                .and_then(|c| Background::new("default", c)),
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
        network: Option<NetworkArgs>,
    ) -> Result<Self> {
        let timeout = request_timeout_ms.map(u64::from);
        let c = transport_of(network).and_then(|t| {
            match spool_config(spool)? {
                None => BatchConsumer::with_transport(&url_prefix, max_size as usize, timeout, t),
                Some(s) => BatchConsumer::with_spool(&url_prefix, max_size as usize, timeout, s, t),
            }
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
    /// `on_error(records, error)` is called on the JS thread with every batch given up on.
    #[napi(factory, catch_unwind)]
    #[allow(clippy::too_many_arguments)]
    pub fn async_batch(
        env: Env,
        url_prefix: String,
        flush_max_time_secs: f64,
        flush_size: u32,
        max_batch_size: u32,
        max_size: u32,
        request_timeout_ms: Option<u32>,
        spool: Option<SpoolArgs>,
        network: Option<NetworkArgs>,
        #[napi(ts_arg_type = "((records: string[], error: Error) => void) | undefined | null")] on_error: Option<crate::give_up::OnError<'_>>,
    ) -> Result<Self> {
        let (spool, transport) = match spool_config(spool).and_then(|s| Ok((s, transport_of(network)?))) {
            Ok(v) => v,
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
            // A batch given up on outside flush()/close() has no caller to throw to: stderr,
            // the user's onError, and stats().failed (give_up.rs).
            on_give_up: Some(crate::give_up::callback(on_error)?),
            ..AsyncBatchConfig::default()
        };
        match AsyncBatchConsumer::with_transport(&url_prefix, config, transport) {
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
        network: Option<NetworkArgs>,
    ) -> Result<Self> {
        let timeout = request_timeout_ms.map(u64::from);
        made(
            &env,
            transport_of(network)
                .and_then(|t| DebugConsumer::with_transport(&url_prefix, write_data, timeout, t))
                .and_then(|c| Background::new("debug", c)),
        )
    }
}

/// One custom header (`headers` in JS, an object or pairs, becomes a list of these).
#[napi(object)]
pub struct HeaderArg {
    pub name: String,
    pub value: String,
}

/// The network options of every HTTP consumer (`caFile`, `proxy`, `headers`, `gzip`), as
/// given; core applies the defaults and checks every value.
#[napi(object)]
pub struct NetworkArgs {
    pub ca_file: Option<String>,
    pub proxy: Option<String>,
    pub headers: Option<Vec<HeaderArg>>,
    pub gzip: Option<bool>,
}

fn transport_of(args: Option<NetworkArgs>) -> sensorsanalytics::Result<Arc<ReqwestTransport>> {
    let options = match args {
        None => HttpOptions::default(),
        Some(a) => HttpOptions {
            ca_file: a.ca_file.map(Into::into),
            proxy: a.proxy,
            headers: a.headers.unwrap_or_default().into_iter().map(|h| (h.name, h.value)).collect(),
            gzip: a.gzip,
        },
    };
    Ok(Arc::new(options.transport()?))
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
