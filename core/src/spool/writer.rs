//! The spool's writer thread: takes what `send` queued, frames it and appends it to this
//! process's current segment, everything that arrived together in one group (a group commit,
//! written `WRITE_CHUNK` at a time and announced to the dispatcher once: records are on disk
//! within milliseconds of `send`, and never cost the caller a system call). Segments are
//! sealed and a new one started every `SEGMENT_BYTES` or once a second, so that what a crash
//! can make us send twice is bounded.
//!
//! When the disk refuses a write (full, `RLIMIT_FSIZE`, I/O error) the records stay in
//! memory and the write is tried again on a new segment; meanwhile the queue fills and
//! `send` refuses new records with the network error. Records that still cannot be written
//! when the consumer closes are given up on and reported.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use super::files::{Namer, Segment};
use super::format;
use super::Event;
use crate::error::Error;
use crate::http::linger;
use crate::http::pipeline::{call_give_up, Item, Settings};
use crate::http::Counters;

/// A segment is sealed at this size...
const SEGMENT_BYTES: u64 = 4 << 20;
/// ...or once it is this old, if it holds anything.
const SEGMENT_AGE: Duration = Duration::from_secs(1);
/// At most this much is framed before it is written.
const GROUP_BYTES: usize = 1 << 20;
/// Frames are written this much at a time, so that a per-file size limit costs a new
/// segment, not a group that can never be written.
const WRITE_CHUNK: usize = 64 << 10;
/// After a failed write, the next try waits this long.
const WRITE_RETRY: Duration = Duration::from_millis(200);
/// Woken for fewer records than this, the writer waits a moment for the rest of the group
/// (`http/linger.rs`) rather than writing, and telling the dispatcher, for every few.
const GROUP_RECORDS: usize = 256;

struct Active {
    seg: Segment,
    len: u64,
    records: u64,
    since: Instant,
}

pub(crate) struct Writer {
    pub settings: Arc<Settings>,
    pub counters: Arc<Counters>,
    pub namer: Namer,
    pub fsync: bool,
    pub rx: Receiver<Item>,
    pub events: Sender<Event>,
    /// Where the last sealed segment ended: a flush marker that finds no segment open waits
    /// for what was written before it (not for nothing).
    pub last_end: Option<(String, u64)>,
}

impl Writer {
    pub fn run(mut self) {
        let mut active: Option<Active> = None;
        let mut records: Vec<String> = Vec::new();
        let mut buf: Vec<u8> = Vec::with_capacity(GROUP_BYTES);
        let mut closing = false;
        loop {
            // Wait for work, waking to seal an old segment or to retry a failed write.
            let wait = if !records.is_empty() {
                WRITE_RETRY
            } else {
                match &active {
                    Some(a) if a.records > 0 => SEGMENT_AGE.saturating_sub(a.since.elapsed()),
                    _ => Duration::from_secs(3600),
                }
            };
            let mut markers = Vec::new();
            if records.is_empty() {
                match self.rx.recv_timeout(wait) {
                    Ok(item) => self.take(item, &mut records, &mut markers, &mut closing),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => closing = true,
                }
                let mut bytes = 0;
                self.drain(&mut bytes, &mut records, &mut markers, &mut closing);
                // Not when someone waits for the write (a flush, the close).
                if !records.is_empty()
                    && markers.is_empty()
                    && !closing
                    && linger::wait_for_group(&self.rx, records.len(), GROUP_RECORDS)
                {
                    self.drain(&mut bytes, &mut records, &mut markers, &mut closing);
                }
            } else {
                std::thread::sleep(wait);
            }
            if !records.is_empty() && self.commit(&mut active, &mut records, &mut buf).is_err() {
                // Kept in `records`; retried after WRITE_RETRY.
                if closing {
                    self.give_up(&mut records);
                }
            }
            // Markers follow the records queued before them, now on disk (or given up).
            for reply in markers {
                let at = active.as_ref().map(|a| (a.seg.name.clone(), a.len)).or_else(|| self.last_end.clone());
                let _ = self.events.send(Event::Marker(at, reply));
            }
            let old = active
                .as_ref()
                .is_some_and(|a| a.len >= SEGMENT_BYTES || (a.records > 0 && a.since.elapsed() >= SEGMENT_AGE));
            if old || closing {
                self.seal(&mut active);
            }
            if closing && records.is_empty() {
                let _ = self.events.send(Event::Close);
                return;
            }
        }
    }

    /// Takes what the channel holds, up to `GROUP_BYTES` of records in all (`bytes` so far).
    fn drain(
        &self,
        bytes: &mut usize,
        records: &mut Vec<String>,
        markers: &mut Vec<Sender<bool>>,
        closing: &mut bool,
    ) {
        while *bytes < GROUP_BYTES && !*closing {
            match self.rx.try_recv() {
                Ok(item) => {
                    if let Item::Record(r) = &item {
                        *bytes += r.len();
                    }
                    self.take(item, records, markers, closing);
                }
                Err(_) => break,
            }
        }
    }

    fn take(
        &self,
        item: Item,
        records: &mut Vec<String>,
        markers: &mut Vec<Sender<bool>>,
        closing: &mut bool,
    ) {
        match item {
            Item::Record(r) => records.push(r),
            Item::Flush(reply) => markers.push(reply),
            Item::Close => *closing = true,
        }
    }

    fn seal(&mut self, active: &mut Option<Active>) {
        if let Some(a) = active.take() {
            self.last_end = Some((a.seg.name.clone(), a.len));
            let _ = self.events.send(Event::Sealed(a.seg.name, a.len));
        }
    }

    fn open(&mut self) -> std::io::Result<Active> {
        let seg = self.namer.create()?;
        let reader = Segment::new(seg.name.clone(), seg.path.clone(), seg.file.try_clone()?);
        let len = format::HEADER_LEN as u64;
        Counters::add_u64(&self.counters.spool_bytes, len);
        let _ = self.events.send(Event::Segment(reader));
        Ok(Active {
            seg,
            len,
            records: 0,
            since: Instant::now(),
        })
    }

    /// Writes `records` to the current segment, `WRITE_CHUNK` at a time; a chunk the disk
    /// refuses is tried once more on a new segment (a per-file size limit, a full file
    /// system that freed space). What was written leaves `records` and is handed to the
    /// dispatcher in one commit per segment, not one per chunk (each is a wake-up of the
    /// dispatcher); on failure the rest stays in `records` for the next try.
    fn commit(
        &mut self,
        active: &mut Option<Active>,
        records: &mut Vec<String>,
        buf: &mut Vec<u8>,
    ) -> std::io::Result<()> {
        let mut written = Vec::new();
        let result = self.commit_chunks(active, records, buf, &mut written);
        self.announce(active, &mut written);
        result
    }

    fn commit_chunks(
        &mut self,
        active: &mut Option<Active>,
        records: &mut Vec<String>,
        buf: &mut Vec<u8>,
        written: &mut Vec<String>,
    ) -> std::io::Result<()> {
        while !records.is_empty() {
            buf.clear();
            let mut n = 0;
            while n < records.len() && (n == 0 || buf.len() < WRITE_CHUNK) {
                format::push_frame(buf, records[n].as_bytes());
                n += 1;
            }
            let first = self.write_chunk(active, buf);
            let second = match first {
                Ok(()) => Ok(()),
                Err(_) => {
                    // The next try starts a new segment: this one may be at a size limit.
                    self.announce(active, written);
                    self.seal(active);
                    self.write_chunk(active, buf)
                }
            };
            if let Err(e) = second {
                self.counters
                    .set_error(&format!("cannot write to the spool: {e}"));
                self.seal(active);
                return Err(e);
            }
            written.extend(records.drain(..n));
            Counters::add(&self.counters.spooled, n);
            active.as_mut().expect("written above").records += n as u64;
        }
        Ok(())
    }

    /// Tells the dispatcher that `written`, the last records written to the current segment,
    /// are on disk, and hands them over.
    fn announce(&self, active: &Option<Active>, written: &mut Vec<String>) {
        if let (Some(a), false) = (active, written.is_empty()) {
            let records = std::mem::take(written);
            let _ = self.events.send(Event::Committed(a.seg.name.clone(), a.len, records));
        }
    }

    /// Appends one chunk of frames to the current segment, opening one if needed; a partial
    /// write is cut off so the segment ends on a frame boundary.
    fn write_chunk(&mut self, active: &mut Option<Active>, buf: &[u8]) -> std::io::Result<()> {
        if active.is_none() {
            *active = Some(self.open()?);
        }
        let a = active.as_mut().expect("opened above");
        if let Err(e) = a.seg.file.write_all(buf) {
            let _ = a.seg.file.set_len(a.len);
            return Err(e);
        }
        if self.fsync {
            a.seg.file.sync_data()?;
        }
        a.len += buf.len() as u64;
        Counters::add_u64(&self.counters.spool_bytes, buf.len() as u64);
        Ok(())
    }

    fn give_up(&self, records: &mut Vec<String>) {
        let e = Error::Network(format!(
            "the consumer closed while {} records could not be written to the spool ({})",
            records.len(),
            self.counters.last_error().unwrap_or_default()
        ));
        self.counters.fail(records.len(), &e);
        call_give_up(&self.settings, records, &e);
        records.clear();
    }
}
