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

use napi::bindgen_prelude::Function;
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi::{Env, Result};
use napi_derive::napi;
use sensorsanalytics::consumer::options::{self, AsyncBatchOptions, BatchOptions, HttpOptions, SpoolOptions};
use sensorsanalytics::{
    AsyncBatchConfig, AsyncBatchConsumer, BatchConsumer, Consumer, DebugConsumer, DefaultConsumer,
    DeferredConsumer, DeferredOptions, ReqwestTransport,
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
    /// the consumer's own thread. Every number is as the user gave it (undefined: core's
    /// default): core's options rules apply.
    #[napi(factory, catch_unwind)]
    pub fn default_consumer(
        env: Env,
        url_prefix: String,
        request_timeout_ms: Option<f64>,
        #[napi(ts_arg_type = "(error: Error) => void")] on_failure: Option<OnFailure<'_>>,
        network: Option<NetworkArgs>,
    ) -> Result<Self> {
        let c = options::request_timeout_ms(request_timeout_ms).and_then(|ms| {
            DefaultConsumer::with_transport(&url_prefix, ms, transport_of(network)?)
        });
        deferred(&env, "default", c, on_failure)
    }

    /// `BatchConsumer(url_prefix, max_size=50, request_timeout=None)`: sends every `max_size`
    /// records, on the consumer's own thread.
    #[napi(factory, catch_unwind)]
    pub fn batch(
        env: Env,
        url_prefix: String,
        max_size: Option<f64>,
        request_timeout_ms: Option<f64>,
        spool: Option<SpoolArgs>,
        #[napi(ts_arg_type = "(error: Error) => void")] on_failure: Option<OnFailure<'_>>,
        network: Option<NetworkArgs>,
    ) -> Result<Self> {
        let given = BatchOptions { max_size, request_timeout: request_timeout_ms, spool: spool_options(spool) };
        let c = given.build().and_then(|o| {
            let t = transport_of(network)?;
            match o.spool {
                None => BatchConsumer::with_transport(&url_prefix, o.max_size, o.request_timeout_ms, t),
                Some(s) => BatchConsumer::with_spool(&url_prefix, o.max_size, o.request_timeout_ms, s, t),
            }
        });
        deferred(&env, "batch", c, on_failure)
    }

    /// `AsyncBatchConsumer(url_prefix, flush_max_time=3, flush_size=20, max_batch_size=100,
    /// max_size=1000, request_timeout=None)`: the core's own sender thread; `send` never waits.
    /// `on_error(records, error)` is called on the JS thread with every batch given up on.
    #[napi(factory, catch_unwind)]
    #[allow(clippy::too_many_arguments)]
    pub fn async_batch(
        env: Env,
        url_prefix: String,
        flush_max_time_secs: Option<f64>,
        flush_size: Option<f64>,
        max_batch_size: Option<f64>,
        max_size: Option<f64>,
        request_timeout_ms: Option<f64>,
        spool: Option<SpoolArgs>,
        network: Option<NetworkArgs>,
        #[napi(ts_arg_type = "((records: string[], error: Error) => void) | undefined | null")] on_error: Option<crate::give_up::OnError<'_>>,
    ) -> Result<Self> {
        let given = AsyncBatchOptions {
            flush_max_time: flush_max_time_secs,
            flush_size,
            max_batch_size,
            max_size,
            request_timeout: request_timeout_ms,
            spool: spool_options(spool),
        };
        // A batch given up on outside flush()/close() has no caller to throw to: stderr,
        // the user's onError, and stats().failed (give_up.rs).
        let on_give_up = crate::give_up::callback("AsyncBatchConsumer", on_error)?;
        let made = given.build().and_then(|config| {
            let t = transport_of(network)?;
            AsyncBatchConsumer::with_transport(
                &url_prefix,
                AsyncBatchConfig { on_give_up: Some(on_give_up), ..config },
                t,
            )
        });
        match made {
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
        write_data: Option<bool>,
        request_timeout_ms: Option<f64>,
        #[napi(ts_arg_type = "(error: Error) => void")] on_failure: Option<OnFailure<'_>>,
        network: Option<NetworkArgs>,
    ) -> Result<Self> {
        let write_data = write_data.unwrap_or(options::DEFAULT_WRITE_DATA);
        let c = options::request_timeout_ms(request_timeout_ms).and_then(|ms| {
            DebugConsumer::with_transport(&url_prefix, write_data, ms, transport_of(network)?)
        });
        deferred(&env, "debug", c, on_failure)
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

/// The spool options of BatchConsumer, AsyncBatchConsumer and KafkaConsumer (`spoolDir`, ...), as given;
/// core applies its defaults and rules.
#[napi(object)]
pub struct SpoolArgs {
    pub spool_dir: Option<String>,
    pub spool_max_bytes: Option<f64>,
    pub spool_fsync: Option<bool>,
}

pub(crate) fn spool_options(args: Option<SpoolArgs>) -> SpoolOptions {
    args.map_or_else(SpoolOptions::default, |a| SpoolOptions {
        spool_dir: a.spool_dir.map(Into::into),
        spool_max_bytes: a.spool_max_bytes,
        spool_fsync: a.spool_fsync,
    })
}
