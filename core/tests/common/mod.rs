//! Test support shared by the core's integration tests: a consumer that captures records.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use sensorsanalytics::{Consumer, Result};

/// Keeps every record it is given, in order.
#[derive(Default)]
pub struct Capture {
    pub lines: Mutex<Vec<String>>,
}

impl Capture {
    pub fn new() -> Arc<Self> {
        Arc::new(Capture::default())
    }

    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.lines.lock().unwrap())
    }
}

impl Consumer for Capture {
    fn send(&self, record: &str) -> Result<()> {
        self.lines.lock().unwrap().push(record.to_owned());
        Ok(())
    }
}
