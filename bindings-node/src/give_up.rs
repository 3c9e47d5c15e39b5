//! AsyncBatchConsumer's and KafkaConsumer's `onError(records, error)`: the core tells of every
//! batch it gives up on, on one of its threads; a threadsafe function carries it to the JS
//! thread, where the user's callback gets the records and the error a call would have thrown
//! (an instance of the package's class). The function is weak (unreferenced): it never keeps the process
//! alive, before or after close(); what is given up on while the process exits is still
//! written to stderr and counted in stats().failed.

use std::sync::Arc;

use napi::bindgen_prelude::{FnArgs, Function, ToNapiValue, Unknown};
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi::{sys, Result};
use sensorsanalytics::consumer::give_up_on_stderr;
use sensorsanalytics::{Error as CoreError, GiveUpCallback};

use crate::error;

/// The core's error as the JS error a call would have thrown.
struct JsError(CoreError);

impl ToNapiValue for JsError {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        error::value(env, &val.0)
    }
}

/// The callback for the core's `on_give_up` of `consumer` (its name in the stderr notice):
/// stderr always (Node has no logger of the SDK's; Python logs a warning), and `on_error` on
/// the JS thread when given.
/// The user's function as the factory receives it (its arguments and result are not
/// looked at here: what it gets is built on the JS thread by `build_callback`).
pub type OnError<'scope> = Function<'scope, Unknown<'static>, Unknown<'static>>;

pub fn callback(consumer: &'static str, on_error: Option<OnError<'_>>) -> Result<GiveUpCallback> {
    let tsfn = match on_error {
        None => None,
        Some(f) => Some(
            f.build_threadsafe_function::<(Vec<String>, CoreError)>()
                .weak::<true>()
                .build_callback(|ctx| Ok(FnArgs::from((ctx.value.0, JsError(ctx.value.1)))))?,
        ),
    };
    let stderr = give_up_on_stderr(consumer);
    Ok(Arc::new(move |records: &[String], e: &CoreError| {
        stderr(records, e);
        if let Some(f) = &tsfn {
            // Queued for the JS thread; refused only once the environment is going away.
            f.call((records.to_vec(), e.clone()), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }))
}
