//! `RecordingConsumer`: the core's recording consumer (records kept in memory, for a user's
//! own unit tests) behind a handle that lib/recording.js reads the records through.

use std::sync::Arc;

use napi_derive::napi;
use sensorsanalytics::RecordingConsumer;

use crate::consumer::NativeConsumer;

#[napi]
pub struct NativeRecording {
    inner: Arc<RecordingConsumer>,
}

#[napi]
impl NativeRecording {
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        NativeRecording { inner: Arc::new(RecordingConsumer::new()) }
    }

    /// The consumer a client sends to (the same records).
    #[napi(catch_unwind)]
    pub fn consumer(&self) -> NativeConsumer {
        NativeConsumer::from_core(self.inner.clone())
    }

    /// The records so far as JSON lines, oldest first.
    #[napi(catch_unwind)]
    pub fn lines(&self) -> Vec<String> {
        self.inner.lines()
    }

    /// Forgets the records so far.
    #[napi(catch_unwind)]
    pub fn clear(&self) {
        self.inner.clear();
    }

    /// How many records are kept.
    #[napi(getter, catch_unwind)]
    pub fn length(&self) -> u32 {
        self.inner.len() as u32
    }

    /// Whether close() was called.
    #[napi(getter, catch_unwind)]
    pub fn closed(&self) -> bool {
        self.inner.is_closed()
    }
}
