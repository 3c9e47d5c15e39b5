//! Sensors Analytics (神策分析) server-side SDK: the core every language binding shares.
//!
//! The public API follows the official Python SDK (`SensorsAnalyticsSDK` 1.11.0): a
//! [`Client`] builds records (docs/SPEC.md §2), validates them (§3) and hands each, as one JSON
//! line, to a [`Consumer`].
//!
//! ```no_run
//! use std::sync::Arc;
//! use sensorsanalytics::{call_site, Client, Config, LoggingConsumer, Properties, Value};
//!
//! let consumer = Arc::new(LoggingConsumer::new("./sa.log", 0, "midnight").unwrap());
//! let sa = Client::new(consumer, Config::default());
//! let mut props = Properties::new();
//! props.insert("price", Value::Float(12.5));
//! sa.track(Some(&call_site!()), "user-1", "ViewProduct", Some(&props), true).unwrap();
//! sa.close().unwrap();
//! ```

pub mod args;
pub mod background;
pub mod client;
pub mod consumer;
pub mod error;
pub mod fork;
#[cfg(feature = "http")]
pub mod http;
pub mod json;
mod rand;
pub mod record;
#[cfg(feature = "http")]
pub mod spool;
pub mod validate;
pub mod value;

pub use args::{Arg, IdentityArg, Text};
pub use chrono;
pub use client::{Client, Config, ProfileOp, SDK_VERSION};
pub use consumer::{
    ConcurrentLoggingConsumer, ConsoleConsumer, Consumer, DeferredConsumer, DeferredOptions, LoggingConsumer, Recorded,
    RecordingConsumer, When,
};
pub use error::{Error, ErrorKind, Result};
#[cfg(feature = "http")]
pub use consumer::{
    AsyncBatchConfig, AsyncBatchConsumer, BatchConsumer, DebugConsumer, DefaultConsumer, FlushReport,
    GiveUpCallback,
};
#[cfg(feature = "kafka")]
pub use consumer::{KafkaConfig, KafkaConsumer};
#[cfg(feature = "http")]
pub use http::{
    encode_data, encode_data_list, FormField, HttpResponse, ReqwestTransport, RetryPolicy, Stats, Transport,
    TransportConfig,
    TransportError, TransportErrorKind, WireForm, USER_AGENT,
};
pub use record::{CallSite, RecordType};
#[cfg(feature = "http")]
pub use spool::SpoolConfig;
pub use value::{DateTime, Identity, Invalid, Properties, Value, Zone};
