//! The uniffi layer of the Sensors Analytics SDK: one cdylib from which `uniffi-bindgen`
//! generates both the Kotlin (JNA) and the Swift sources.
//!
//! It only converts: values arrive as [`PropertyValue`]s already sorted by the foreign
//! language's idiomatic layer (which names unsupported types), go into the core's
//! `Properties`, and the core's errors come back as [`SaError`]. Every rule, default and byte
//! of output lives in `sensorsanalytics-core`. The idiomatic layers (kotlin/, swift/) pass
//! their own `$lib` name ("Kotlin", "Swift") to [`CoreClient`]'s constructor.
//!
//! Panics: every exported function runs inside uniffi's `rust_call`, which catches unwinding
//! and turns it into the foreign language's internal-error exception, so none crosses the FFI.

mod client;
mod consumer;
mod error;
mod http_consumer;
mod jvm;
mod network;
mod kafka;
mod recording;
mod value;

pub use client::{CallSite, CoreClient};
pub use consumer::{consumer_defaults, normalised_consumer_option, ConsumerDefaults, ForeignConsumer, NativeConsumer};
pub use sensorsanalytics::ProfileOp;
pub use error::SaError;
pub use http_consumer::{HttpStats, LinePrinter};
pub use recording::NativeRecording;
pub use value::{identity_keys, Identity, IdentityKeys, Property, PropertyValue};

uniffi::setup_scaffolding!();

/// The SDK version written as `$lib_version`, for the foreign layers to show.
#[uniffi::export]
pub fn sdk_version() -> String {
    sensorsanalytics::SDK_VERSION.to_owned()
}
