//! Where records go. A consumer gets each record as one JSON line (no trailing newline).
//! Anything implementing [`Consumer`] works in place of ours, as in the reference SDK, where
//! a consumer is any object with `send`, `flush` and `close`.

use crate::error::Result;

#[cfg(feature = "http")]
mod async_batch;
#[cfg(feature = "http")]
mod batch;
mod concurrent_logging;
mod console;
#[cfg(feature = "http")]
mod debug;
#[cfg(feature = "http")]
mod default;
mod deferred;
#[cfg(feature = "kafka")]
mod kafka;
mod logging;
pub mod options;
mod recording;
mod write_behind;

#[cfg(feature = "http")]
pub use async_batch::{give_up_on_stderr, AsyncBatchConfig, AsyncBatchConsumer, FlushReport, GiveUpCallback};
#[cfg(feature = "http")]
pub use batch::BatchConsumer;
pub use concurrent_logging::ConcurrentLoggingConsumer;
pub use console::ConsoleConsumer;
#[cfg(feature = "http")]
pub use debug::DebugConsumer;
#[cfg(feature = "http")]
pub use default::DefaultConsumer;
pub use deferred::{DeferredConsumer, DeferredOptions, FailureCallback};
#[cfg(feature = "kafka")]
pub use kafka::{message_key, KafkaConfig, KafkaConsumer};
pub use logging::{LoggingConsumer, When};
pub use recording::{Recorded, RecordingConsumer};

pub trait Consumer: Send + Sync {
    /// Takes one record. File and batch consumers buffer it; it must not block for long.
    fn send(&self, record: &str) -> Result<()>;

    /// Writes or sends what is buffered.
    fn flush(&self) -> Result<()> {
        Ok(())
    }

    /// Flushes and releases resources; later sends may fail.
    fn close(&self) -> Result<()> {
        self.flush()
    }

    /// The delivery counters of an HTTP consumer (one shape for all four); all zero for the
    /// others, which have nothing in flight that could be lost. The same name and type as
    /// each HTTP consumer's own `stats()`, so that `Arc<AsyncBatchConsumer>::stats()` means
    /// the same whichever of the two a caller's imports select.
    #[cfg(feature = "http")]
    fn stats(&self) -> crate::http::Stats {
        crate::http::Stats::default()
    }
}

impl<C: Consumer + ?Sized> Consumer for std::sync::Arc<C> {
    fn send(&self, record: &str) -> Result<()> {
        (**self).send(record)
    }
    fn flush(&self) -> Result<()> {
        (**self).flush()
    }
    fn close(&self) -> Result<()> {
        (**self).close()
    }
    #[cfg(feature = "http")]
    fn stats(&self) -> crate::http::Stats {
        (**self).stats()
    }
}
