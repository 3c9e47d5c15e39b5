//! `RecordingConsumer`: the core's recording consumer (records kept in memory, for a user's own
//! unit tests) behind a handle that the Python class (python/sensorsanalytics/testing.py)
//! reads the records through.

use std::sync::Arc;

use pyo3::prelude::*;
use sensorsanalytics::RecordingConsumer;

use crate::consumer::NativeConsumer;

#[pyclass(frozen, module = "sensorsanalytics._native")]
pub struct NativeRecording {
    inner: Arc<RecordingConsumer>,
}

#[pymethods]
impl NativeRecording {
    #[new]
    fn new() -> Self {
        NativeRecording { inner: Arc::new(RecordingConsumer::new()) }
    }

    /// The consumer handle a client sends to (the same records).
    fn consumer(&self) -> NativeConsumer {
        NativeConsumer::new(self.inner.clone(), false, false)
    }

    /// The records so far as JSON lines, oldest first.
    fn lines(&self) -> Vec<String> {
        self.inner.lines()
    }

    fn clear(&self) {
        self.inner.clear();
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Whether close() was called.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.is_closed()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeRecording>()
}
