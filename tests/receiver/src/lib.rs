//! `sa-receiver`: a loopback HTTP/1.1 server that speaks the Sensors Analytics wire protocol
//! (docs/SPEC.md §4) and misbehaves on demand, so every binding's HTTP consumers can be tested against
//! the same, controllable server. See README.md for the binary and the `/_…` endpoints.
//!
//! ```no_run
//! use std::time::Duration;
//! use sa_receiver::{Config, Faults, Receiver};
//!
//! let r = Receiver::start(Config::default()).unwrap();
//! r.set_faults(Faults { statuses: vec![503, 503], retry_after: Some(1), ..Faults::default() });
//! // ... point an SDK at r.url() and send ...
//! assert!(r.wait_for(10, Duration::from_secs(5)));
//! let records = r.records();
//! ```

mod control;
pub mod decode;
pub mod faults;
pub mod form;
pub mod http;
pub mod pki;
mod server;
pub mod store;
pub mod tls;

pub use faults::{Faults, DROP, RESET};
pub use server::{Config, Receiver};
pub use store::{Outcome, RequestInfo};
pub use tls::TlsFront;
