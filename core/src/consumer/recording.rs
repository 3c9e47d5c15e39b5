//! `RecordingConsumer()`: keeps every record in memory, parsed, for a user's own unit tests
//! ("did my code track `Purchase` with `price` 12.5?") without files, stdout or a server.
//! Not for production: nothing is ever sent, and memory grows with every record until
//! [`RecordingConsumer::clear`] or [`RecordingConsumer::take`].
//!
//! Every binding exposes this one type; each converts the records into its language's values.

use std::sync::Mutex;

use serde_json::Value as Json;

use super::Consumer;
use crate::error::{Error, Result};

/// One record as the consumer got it: the JSON line and its parsed form.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub line: String,
    pub json: Json,
}

#[derive(Debug, Default)]
pub struct RecordingConsumer {
    records: Mutex<Vec<Recorded>>,
    closed: Mutex<bool>,
}

impl RecordingConsumer {
    pub fn new() -> Self {
        Self::default()
    }

    fn records_lock(&self) -> std::sync::MutexGuard<'_, Vec<Recorded>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The records so far, oldest first.
    pub fn records(&self) -> Vec<Recorded> {
        self.records_lock().clone()
    }

    /// The JSON lines so far, oldest first.
    pub fn lines(&self) -> Vec<String> {
        self.records_lock().iter().map(|r| r.line.clone()).collect()
    }

    /// The parsed records so far, oldest first.
    pub fn values(&self) -> Vec<Json> {
        self.records_lock().iter().map(|r| r.json.clone()).collect()
    }

    /// How many records are kept.
    pub fn len(&self) -> usize {
        self.records_lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.records_lock().is_empty()
    }

    /// The record at `index` (oldest is 0).
    pub fn get(&self, index: usize) -> Option<Recorded> {
        self.records_lock().get(index).cloned()
    }

    /// The JSON line of the record at `index` (oldest is 0), or an error naming how many
    /// records there are.
    pub fn line(&self, index: usize) -> Result<String> {
        let records = self.records_lock();
        records.get(index).map(|r| r.line.clone()).ok_or_else(|| {
            Error::IllegalData(format!("RecordingConsumer: no record at index {index} ({} kept)", records.len()))
        })
    }

    /// Forgets every record.
    pub fn clear(&self) {
        self.records_lock().clear();
    }

    /// The records so far, forgotten here.
    pub fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.records_lock())
    }

    /// Whether `close()` was called (by the client's `close()`, typically).
    pub fn is_closed(&self) -> bool {
        *self.closed.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Consumer for RecordingConsumer {
    /// Parses and keeps the record. A line that is not one JSON object is refused (it would
    /// be a bug of whoever called `send` directly: the client only sends valid records).
    fn send(&self, record: &str) -> Result<()> {
        let json: Json = serde_json::from_str(record)
            .map_err(|e| Error::IllegalData(format!("RecordingConsumer: not a JSON record: {e}")))?;
        if !json.is_object() {
            return Err(Error::IllegalData("RecordingConsumer: not a JSON record: not an object".to_owned()));
        }
        self.records_lock().push(Recorded { line: record.to_owned(), json });
        Ok(())
    }

    /// Keeps the records: a test reads them after closing the client.
    fn close(&self) -> Result<()> {
        *self.closed.lock().unwrap_or_else(|p| p.into_inner()) = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{Client, Config, Properties, Value};

    #[test]
    fn keeps_each_record_parsed_in_order() {
        let rec = Arc::new(RecordingConsumer::new());
        let sa = Client::new(rec.clone(), Config::default());
        let mut props = Properties::new();
        props.insert("price", Value::Float(12.5));
        sa.track(None, "u1", "Buy", Some(&props), false).unwrap();
        sa.profile_set(None, "u1", &props, false).unwrap();
        sa.close().unwrap();
        assert!(rec.is_closed());
        assert_eq!(rec.len(), 2);
        let first = rec.get(0).unwrap();
        assert_eq!(first.json["event"], "Buy");
        assert_eq!(first.json["properties"]["price"], 12.5);
        assert_eq!(serde_json::from_str::<Json>(&first.line).unwrap(), first.json);
        assert_eq!(rec.values()[1]["type"], "profile_set");
        assert_eq!(rec.lines().len(), 2);
        assert_eq!(rec.line(1).unwrap(), rec.lines()[1]);
        assert!(rec.line(2).unwrap_err().message().contains("no record at index 2 (2 kept)"));
        assert_eq!(rec.take().len(), 2);
        assert!(rec.is_empty());
    }

    #[test]
    fn refuses_what_is_not_a_json_object() {
        let rec = RecordingConsumer::new();
        assert!(rec.send("not json").is_err());
        assert!(rec.send("[1]").is_err());
        rec.send(r#"{"a":1}"#).unwrap();
        rec.clear();
        assert_eq!(rec.len(), 0);
    }
}
