//! The HTTP consumers' factories (DefaultConsumer, BatchConsumer, AsyncBatchConsumer,
//! DebugConsumer) on the native consumer class: lib/consumers.js wraps them in the public
//! classes.
//!
//! The reference's Default/Batch/Debug consumers send on the caller's thread, which in Node
//! would stall the event loop for a network round trip: here they sit behind core's
//! `DeferredConsumer` (a queue and a sender thread), and each failure is handed to the JS
//! function `onFailure` when it happens, through a thread-safe function that never keeps the
//! process alive (ARCHITECTURE.md, "Threads").

use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::Function;
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi::{Env, Result};
use napi_derive::napi;
use sensorsanalytics::{
    AsyncBatchConfig, AsyncBatchConsumer, BatchConsumer, Consumer, DebugConsumer, DefaultConsumer,
    DeferredConsumer, DeferredOptions,
};

use crate::consumer::NativeConsumer;
use crate::error::{self, ErrorValue, Failure};

/// `onFailure(error)`: called on the JS thread with an instance of the package's class.
type OnFailure<'a> = Function<'a, ErrorValue, ()>;

/// `inner` behind a deferred-send queue whose failures go to `on_failure` as they happen.
fn deferred(
    env: &Env,
    name: &str,
    inner: sensorsanalytics::Result<impl Consumer + 'static>,
    on_failure: Option<OnFailure<'_>>,
) -> Result<NativeConsumer> {
    let callback = match on_failure {
        None => None,
        Some(f) => {
            // Weak: a pending failure report does not keep the event loop alive.
            let tsfn = Arc::new(f.build_threadsafe_function::<ErrorValue>().callee_handled::<false>().weak::<true>().build()?);
            let cb: sensorsanalytics::consumer::FailureCallback = Arc::new(move |e: &sensorsanalytics::Error| {
                tsfn.call(ErrorValue(e.clone()), ThreadsafeFunctionCallMode::NonBlocking);
            });
            Some(cb)
        }
    };
    let made = inner.and_then(|c| DeferredConsumer::new(name, c, DeferredOptions { on_failure: callback, ..Default::default() }));
    match made {
        Ok(c) => Ok(NativeConsumer::http(Arc::new(c))),
        Err(e) => Err(error::throw(env.raw(), Failure::Core(e))),
    }
}

#[napi]
impl NativeConsumer {
    /// `DefaultConsumer(url_prefix, request_timeout=None)`: one request per record, made on
    /// the consumer's own thread.
    #[napi(factory, catch_unwind)]
    pub fn default_consumer(
        env: Env,
        url_prefix: String,
        request_timeout_ms: Option<u32>,
        #[napi(ts_arg_type = "(error: Error) => void")] on_failure: Option<OnFailure<'_>>,
    ) -> Result<Self> {
        let timeout = request_timeout_ms.map(u64::from);
        deferred(&env, "default", DefaultConsumer::new(&url_prefix, timeout), on_failure)
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
        #[napi(ts_arg_type = "(error: Error) => void")] on_failure: Option<OnFailure<'_>>,
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
        deferred(&env, "batch", c, on_failure)
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
            Ok(c) => Ok(NativeConsumer::http(Arc::new(c))),
            Err(e) => Err(error::throw(env.raw(), Failure::Core(e))),
        }
    }

    /// `DebugConsumer(url_prefix, write_data=True, request_timeout=None)`: each record to the
    /// debug API, on the consumer's own thread; a rejection is a Debug failure.
    #[napi(factory, catch_unwind)]
    pub fn debug(
        env: Env,
        url_prefix: String,
        write_data: bool,
        request_timeout_ms: Option<u32>,
        #[napi(ts_arg_type = "(error: Error) => void")] on_failure: Option<OnFailure<'_>>,
    ) -> Result<Self> {
        let timeout = request_timeout_ms.map(u64::from);
        deferred(&env, "debug", DebugConsumer::new(&url_prefix, write_data, timeout), on_failure)
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
