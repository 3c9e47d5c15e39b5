//! The C binding of the Sensors Analytics SDK: `libsensorsanalytics.so` / `.a` and the
//! header `include/sensorsanalytics.h` that cbindgen writes from these files' doc comments.
//!
//! Thin by design: each function converts C arguments (`args.rs`), calls the core, and turns
//! the result into an error code (`error.rs`).
//!
//! The C-facing names (`sa_client`, `sa_track_at`, ...) are the header's, not Rust's style.
#![allow(non_camel_case_types)]
// The pointer rules of every function are stated once, in the header's preamble
// (cbindgen.toml), rather than in a "# Safety" section repeated on each function. Likewise an
// `unsafe` block without a SAFETY comment of its own relies on those rules and nothing else.
#![allow(clippy::missing_safety_doc)]

// The header follows the order of these modules; each stands alone so that rustfmt keeps it.
// Error codes and the last error:
pub mod error;

// sa_properties and its typed setters:
pub mod value;

// sa_identity:
pub mod identity;

// sa_consumer: console, files, C callbacks; then the HTTP consumers:
pub mod consumer;

// How the HTTP consumers connect (CAs, proxy, headers, gzip):
pub mod network;

pub mod http_consumer;

// KafkaConsumer:
pub mod kafka_consumer;

// sa_recording: records kept in memory, for your own tests:
pub mod recording;

// sa_client: the SDK's methods:
pub mod client;

mod args;
#[cfg(feature = "test-hooks")]
mod test_hooks;
