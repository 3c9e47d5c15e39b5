//! `ConsoleConsumer()`: one JSON line per record on stdout.

use std::io::Write;

use super::Consumer;
use crate::error::{Error, Result};

#[derive(Debug, Default)]
pub struct ConsoleConsumer;

impl ConsoleConsumer {
    pub fn new() -> Self {
        ConsoleConsumer
    }
}

impl Consumer for ConsoleConsumer {
    fn send(&self, record: &str) -> Result<()> {
        // One write of the whole line under stdout's lock keeps concurrent lines whole.
        let mut line = String::with_capacity(record.len() + 1);
        line.push_str(record);
        line.push('\n');
        std::io::stdout().lock().write_all(line.as_bytes()).map_err(|e| Error::Network(e.to_string()))
    }

    fn flush(&self) -> Result<()> {
        std::io::stdout().flush().map_err(|e| Error::Network(e.to_string()))
    }
}
