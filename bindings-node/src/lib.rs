//! The native half of the `sensorsanalytics` npm package (napi-rs).
//!
//! Thin by design: every rule, default and byte of output lives in the core crate. This crate
//! converts JS values (value.rs, json_props.rs, identity.rs), throws the package's error
//! classes (error.rs), exposes the client (client.rs, through raw.rs) and the consumers
//! (consumer.rs, http_consumer.rs) and runs flush/close off the JS thread (task.rs). The JS half
//! (index.js, lib/) adds what only the JS runtime can do cheaply: call-site capture, JS consumers, and draining at exit.
//!
//! No panic crosses into Node: every exported function and callback catches unwinding, and
//! background work catches its own (task.rs; core's sender threads).

mod client;
mod consumer;
mod error;
mod give_up;
mod http_consumer;
mod identity;
mod js;
mod json_props;
mod kafka_consumer;
mod raw;
mod recording;
mod site;
mod task;
mod value;

pub use consumer::NativeConsumer;
pub use error::register_classes;
pub use recording::NativeRecording;

/// At load: adds the client's methods, which are plain Node-API callbacks (raw.rs).
#[napi_derive::napi(module_exports)]
pub fn init(exports: napi::bindgen_prelude::Object, env: napi::Env) -> napi::Result<()> {
    let exports = napi::JsValue::raw(&exports);
    std::panic::catch_unwind(|| raw::register(env.raw(), exports))
        .unwrap_or_else(|p| Err(error::panicked(p)))
}

/// The version written as `$lib_version`.
#[napi_derive::napi]
pub const SDK_VERSION: &str = sensorsanalytics::SDK_VERSION;
