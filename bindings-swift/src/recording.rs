//! `NativeRecording`: the core's recording consumer (records kept in memory, for a user's own
//! unit tests). The idiomatic layers wrap it (Kotlin's `RecordingConsumer`).

use std::sync::Arc;

use sensorsanalytics::RecordingConsumer;

use crate::consumer::NativeConsumer;

#[derive(uniffi::Object)]
pub struct NativeRecording {
    inner: Arc<RecordingConsumer>,
}

#[uniffi::export]
impl NativeRecording {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(NativeRecording { inner: Arc::new(RecordingConsumer::new()) })
    }

    /// The consumer a client sends to (the same records).
    pub fn consumer(&self) -> Arc<NativeConsumer> {
        NativeConsumer::wrap(self.inner.clone())
    }

    /// The records so far as JSON lines, oldest first.
    pub fn lines(&self) -> Vec<String> {
        self.inner.lines()
    }

    /// How many records are kept.
    pub fn count(&self) -> u64 {
        self.inner.len() as u64
    }

    /// Forgets the records so far.
    pub fn clear(&self) {
        self.inner.clear();
    }

    /// Whether close() was called.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
}
