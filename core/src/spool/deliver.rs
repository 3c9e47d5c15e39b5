//! The spool's dispatcher: sends what the segments hold, oldest first (other processes'
//! leftovers, then ours in order), through the same sender threads and retry queue rules as
//! the in-memory pipeline. A segment is deleted once it is sealed, read to its end and every
//! batch read from it was delivered.
//!
//! Our own records are sent from memory when they can be (write-through): the writer hands
//! what it wrote over with its commit, and while `Settings::max_size` records at most
//! are held that way, a batch is cut from memory instead of read back from the file (which
//! cost a read, a CRC check and a copy per record on the cores the caller also needs). The
//! file is still written first and still decides what is delivered and deleted; a segment
//! whose records did not fit in memory is read from disk from where memory stops.
//!
//! Nothing here is given up for a retryable failure: the records are on disk, and a down
//! receiver only means waiting for a probe to succeed. Flush markers are answered `true`
//! once everything before them was delivered, or `false` at once while the receiver is
//! down (their records are safe in the spool: the caller need not wait).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fs;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{never, select, Receiver, Sender};

use super::files::{self, Segment};
use super::format;
use super::Event;
use crate::http::flight::{Budget, Flight, Settled};
use crate::http::pipeline::{call_give_up, Settings};
use crate::http::senders::{Batch, Outcome, Senders};
use crate::http::Counters;

/// How often the directory is looked at for segments that other processes left.
const SCAN_EVERY: Duration = Duration::from_secs(5);
/// Bytes read at a time from a segment.
const READ_CHUNK: usize = 1 << 20;
/// The first guess at a frame's size, before any has been read.
const FRAME_GUESS: usize = 512;

type Marker = (Option<(String, u64)>, Sender<bool>);

struct Seg {
    id: u64,
    seg: Segment,
    /// Bytes known to be whole frames (the writer's committed length, or the file's size).
    len: u64,
    read_pos: u64,
    sealed: bool,
    /// Written by this consumer (not adopted).
    own: bool,
    /// Records committed but not yet read (own segments only; adopted ones are unknown).
    unread: u64,
    /// Batches read and not yet delivered: start offset → records.
    unresolved: BTreeMap<u64, usize>,
    /// Write-through: committed records still in memory, from offset `mem_start`.
    mem: VecDeque<String>,
    mem_start: u64,
    /// Where the records in `mem` end: a commit that starts here can be appended.
    mem_end: u64,
    /// Every commit so far went to `mem`; once one did not fit whole (no room), the rest of
    /// this segment is read from the file.
    mem_live: bool,
}

impl Seg {
    /// Whether its next unread records are in memory (write-through), so that the next batch
    /// is cut from there rather than read from the file.
    fn next_in_memory(&self) -> bool {
        !self.mem.is_empty() && self.mem_start == self.read_pos
    }
}

/// A record's frame length in the file.
fn frame_len(record: &str) -> u64 {
    (format::FRAME_HEAD + record.len()) as u64
}

pub(crate) struct Deliverer {
    pub settings: Arc<Settings>,
    pub counters: Arc<Counters>,
    pub dir: PathBuf,
    pub events: Receiver<Event>,
    /// Requests under way, retries waiting, the receiver's health.
    flight: Flight,
    pub done: Receiver<Outcome>,
    pub abort: Receiver<()>,
    segs: BTreeMap<String, Seg>,
    ids: HashMap<u64, String>,
    next_id: u64,
    /// Flush markers: position (segment, offset) they wait for, and the reply.
    markers: Vec<Marker>,
    /// When unread records of ours first waited, for `flush_max_time`.
    unread_since: Option<Instant>,
    last_scan: Option<Instant>,
    closing: bool,
    aborted: bool,
    /// Average bytes per frame in the last batch read: a batch reads about what it needs,
    /// not a whole chunk per batch (which copied and zeroed 1 MiB per 100 records, most of
    /// replay's cost).
    frame_len: usize,
    /// Records held in the segments' `mem`, at most `settings.max_size`.
    mem_records: usize,
    /// Where batches are read from the files, kept between batches: a new one per batch was
    /// zeroed (and its pages faulted in) every time.
    read_buf: Vec<u8>,
}

impl Deliverer {
    pub fn new(
        settings: Arc<Settings>,
        counters: Arc<Counters>,
        dir: PathBuf,
        events: Receiver<Event>,
        work: Senders,
        done: Receiver<Outcome>,
        abort: Receiver<()>,
    ) -> Self {
        Deliverer {
            settings,
            counters: counters.clone(),
            dir,
            events,
            flight: Flight::new(work, counters),
            done,
            abort,
            segs: BTreeMap::new(),
            ids: HashMap::new(),
            next_id: 0,
            markers: Vec::new(),
            unread_since: None,
            last_scan: None,
            closing: false,
            aborted: false,
            frame_len: FRAME_GUESS,
            mem_records: 0,
            read_buf: Vec::new(),
        }
    }

    pub fn run(mut self) {
        loop {
            if self.last_scan.map_or(true, |t| t.elapsed() >= SCAN_EVERY)
                && !self.flight.health.is_down()
            {
                self.scan();
            }
            if !self.aborted {
                self.start_requests();
            }
            self.answer_markers();
            let idle = self.segs.is_empty()
                && !self.flight.has_retries()
                && self.flight.in_flight == 0;
            // Closing while nobody is listening: what is left is safe on disk, and nobody
            // should wait for a receiver that is not there. (A receiver that answers, if
            // badly, gets close's whole bound.)
            let give_way =
                self.closing && self.flight.health.is_unreachable() && self.flight.in_flight == 0;
            if (self.closing && idle) || give_way || (self.aborted && self.flight.in_flight == 0) {
                return;
            }
            let wait = self.timer();
            let events = if self.closing {
                never()
            } else {
                self.events.clone()
            };
            let abort = if self.aborted {
                never()
            } else {
                self.abort.clone()
            };
            select! {
                recv(events) -> ev => match ev {
                    Ok(ev) => {
                        self.on_event(ev);
                        // Several commits may wait (groups the writer wrote while this
                        // thread was busy, a group split over two segments): take them all
                        // before cutting batches, or each one's tail goes out as a short
                        // batch of its own.
                        while let Ok(ev) = self.events.try_recv() {
                            self.on_event(ev);
                        }
                    }
                    Err(_) => self.closing = true,
                },
                recv(self.done) -> o => match o {
                    Ok(o) => self.resolve(o),
                    Err(_) => { self.done = never(); self.flight.in_flight = 0; }
                },
                recv(abort) -> _ => {
                    // Close's bound ran out: what is not delivered stays spooled.
                    self.aborted = true;
                    self.flight.work = None;
                    for (_, reply) in self.markers.drain(..) {
                        let _ = reply.try_send(false);
                    }
                },
                default(wait) => {},
            }
        }
    }

    fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Segment(seg) => self.add(seg, true, format::HEADER_LEN as u64),
            Event::Committed(name, len, records) => {
                let room = self.settings.max_size.max(1).saturating_sub(self.mem_records);
                if let Some(s) = self.segs.get_mut(&name) {
                    s.unread += records.len() as u64;
                    if s.mem_live && s.mem_end == s.len {
                        // As many as there is room for; the rest is read from the file.
                        let fit = records.len().min(room);
                        s.mem_live = fit == records.len();
                        s.mem_end += records[..fit].iter().map(|r| frame_len(r)).sum::<u64>();
                        self.mem_records += fit;
                        s.mem.extend(records.into_iter().take(fit));
                        debug_assert!(!s.mem_live || s.mem_end == len, "memory and file disagree");
                    } else {
                        s.mem_live = false;
                    }
                    s.len = len;
                    self.unread_since.get_or_insert_with(Instant::now);
                }
            }
            Event::Sealed(name, len) => {
                if let Some(s) = self.segs.get_mut(&name) {
                    s.sealed = true;
                    s.len = len;
                }
                self.maybe_delete(&name);
            }
            Event::Marker(at, reply) => self.markers.push((at, reply)),
            Event::Close => {
                self.closing = true;
                // Leftovers of earlier processes are sent at close too.
                self.scan();
            }
        }
    }

    fn add(&mut self, seg: Segment, own: bool, len: u64) {
        self.next_id += 1;
        let id = self.next_id;
        self.ids.insert(id, seg.name.clone());
        self.segs.insert(
            seg.name.clone(),
            Seg {
                id,
                seg,
                len,
                read_pos: format::HEADER_LEN as u64,
                sealed: !own,
                own,
                unread: 0,
                unresolved: BTreeMap::new(),
                mem: VecDeque::new(),
                mem_start: format::HEADER_LEN as u64,
                mem_end: format::HEADER_LEN as u64,
                mem_live: own,
            },
        );
    }

    /// Adopts what dead processes left in the directory.
    fn scan(&mut self) {
        self.last_scan = Some(Instant::now());
        let segs = &self.segs;
        let scan = files::adopt_orphans(&self.dir, &|n| segs.contains_key(n));
        for p in &scan.problems {
            self.counters.set_error(p);
        }
        Counters::add_u64(&self.counters.corrupt, scan.set_aside);
        for seg in scan.adopted {
            let len = seg.file.metadata().map_or(0, |m| m.len());
            Counters::add_u64(&self.counters.spool_bytes, len);
            self.add(seg, false, len);
        }
    }

    /// Hands batches to free senders: retries that are due first, then the spool. Records
    /// read back from a file go out with up to [`replay_in_flight`] requests under way;
    /// records still in memory as they are tracked, with the consumer's `max_in_flight`.
    fn start_requests(&mut self) {
        let max_in_flight = if self.next_from_memory() {
            self.settings.max_in_flight
        } else {
            replay_in_flight(&self.settings)
        };
        Flight::start(self, |d| &mut d.flight, max_in_flight, Self::read_batch);
    }

    /// Whether the next batch [`Self::read_batch`] cuts comes from memory (write-through), or
    /// there is none.
    fn next_from_memory(&self) -> bool {
        self.next_seg().map_or(true, |(_, s)| s.next_in_memory())
    }

    /// The oldest segment with unread frames: where the next batch comes from.
    fn next_seg(&self) -> Option<(&String, &Seg)> {
        self.segs.iter().find(|(_, s)| s.read_pos < s.len)
    }

    /// Whether our own unread records should go out now (adopted and sealed segments always
    /// should).
    fn own_ready(&self, s: &Seg) -> bool {
        s.sealed
            || self.closing
            || !self.markers.is_empty()
            || s.unread >= self.settings.flush_size.max(1) as u64
            || self
                .unread_since
                .is_some_and(|t| t.elapsed() >= self.settings.flush_max_time)
    }

    /// The next batch from the oldest segment with unread frames.
    fn read_batch(&mut self) -> Option<Batch> {
        let name = self.next_seg().map(|(n, _)| n.clone())?;
        if !self.own_ready(&self.segs[&name]) {
            return None;
        }
        let max = self.settings.max_batch_size.max(1);
        if let Some(batch) = self.batch_from_memory(&name, max) {
            return Some(batch);
        }
        // A quarter more than the batch should take, so that one read usually suffices.
        let guess = max.saturating_mul(self.frame_len).saturating_mul(5) / 4;
        let s = self.segs.get_mut(&name)?;
        let start = s.read_pos;
        let mut want = (s.len - start).min(guess.clamp(4096, READ_CHUNK) as u64) as usize;
        let read = loop {
            if self.read_buf.len() < want {
                self.read_buf.resize(want, 0);
            }
            let buf = &mut self.read_buf[..want];
            if let Err(e) = s.seg.file.read_exact_at(buf, start) {
                // The file shrank or vanished under us: treat the rest as lost to damage.
                self.counters.set_error(&format!(
                    "cannot read spool segment {}: {e}",
                    s.seg.path.display()
                ));
                Counters::add_u64(&self.counters.corrupt, 1);
                s.read_pos = s.len;
                s.sealed = true;
                let name = name.clone();
                self.maybe_delete(&name);
                return None;
            }
            let rest = (s.len - start) as usize;
            match format::next_batch(buf, max, want == rest) {
                Some(r) => break r,
                // One record longer than a chunk: read more.
                None => want = rest.min(want * 4),
            }
        };
        // A record longer than a chunk must not pin its memory for the consumer's life.
        if self.read_buf.len() > READ_CHUNK {
            self.read_buf = Vec::new();
        }
        let consumed = read.consumed as u64;
        let corrupt = read.corrupt;
        Counters::add_u64(&self.counters.corrupt, corrupt);
        s.read_pos = start + consumed;
        let n = read.records.len();
        if n > 0 {
            self.frame_len = (consumed as usize / n).max(1);
        }
        self.batch_read(&name, start, read.records)
    }

    /// The next batch of a segment whose next records are in memory (write-through).
    fn batch_from_memory(&mut self, name: &str, max: usize) -> Option<Batch> {
        let s = self.segs.get_mut(name)?;
        if !s.next_in_memory() {
            return None;
        }
        let start = s.read_pos;
        let n = max.min(s.mem.len());
        let records: Vec<String> = s.mem.drain(..n).collect();
        let bytes: u64 = records.iter().map(|r| frame_len(r)).sum();
        s.read_pos += bytes;
        s.mem_start += bytes;
        self.mem_records -= n;
        self.batch_read(name, start, records)
    }

    /// Bookkeeping for `records` read from `name` at `start` (from the file or memory), and
    /// the batch to send them in.
    fn batch_read(&mut self, name: &str, start: u64, records: Vec<String>) -> Option<Batch> {
        let n = records.len();
        let s = self.segs.get_mut(name)?;
        if s.own {
            s.unread = s.unread.saturating_sub(n as u64);
        }
        if !self.segs.values().any(|s| s.own && s.unread > 0) {
            self.unread_since = None;
        }
        if n == 0 {
            self.maybe_delete(name);
            return None;
        }
        let s = self.segs.get_mut(name)?;
        s.unresolved.insert(start, n);
        let mut b = Batch::new(s.id, records);
        b.offset = start;
        Some(b)
    }

    fn timer(&self) -> Duration {
        let now = Instant::now();
        let mut due = now + Duration::from_secs(1);
        if let Some(p) = self.flight.health.probe_due() {
            due = due.min(p);
        } else {
            if let Some(t) = self.unread_since {
                due = due.min(t + self.settings.flush_max_time);
            }
            if let Some(t) = self.flight.next_retry() {
                due = due.min(t);
            }
        }
        due.saturating_duration_since(now)
    }

    fn resolve(&mut self, o: Outcome) {
        match self.flight.settle(o, &self.settings.retry, Budget::Unlimited, self.aborted) {
            Settled::Delivered(batch) => {
                if self.name_of(&batch).is_some_and(|s| !self.segs[s].own) {
                    Counters::add(&self.counters.replayed, batch.records.len());
                }
                self.done_with(&batch);
            }
            Settled::GaveUp(batch, e) => {
                // The receiver refuses these records for good: keeping them would block
                // nothing but help nobody. Reported like any record given up on.
                self.counters.fail(batch.records.len(), &e);
                call_give_up(&self.settings, &batch.records, &e);
                self.done_with(&batch);
            }
            // Stays in its segment, for the next time.
            Settled::Aborted(..) | Settled::Kept => {}
        }
    }

    fn name_of(&self, b: &Batch) -> Option<&String> {
        self.ids.get(&b.id)
    }

    fn done_with(&mut self, b: &Batch) {
        let Some(name) = self.name_of(b).cloned() else {
            return;
        };
        if let Some(s) = self.segs.get_mut(&name) {
            s.unresolved.remove(&b.offset);
        }
        self.maybe_delete(&name);
    }

    /// Deletes a segment that is sealed, read and delivered; its lock goes with its file.
    fn maybe_delete(&mut self, name: &str) {
        let Some(s) = self.segs.get(name) else { return };
        if !(s.sealed && s.read_pos >= s.len && s.unresolved.is_empty()) {
            return;
        }
        let s = self.segs.remove(name).expect("looked up above");
        self.ids.remove(&s.id);
        // Records the file's damage made unreachable (read_pos jumped past them).
        self.mem_records -= s.mem.len();
        let size = s.seg.file.metadata().map_or(s.len, |m| m.len());
        let _ = fs::remove_file(&s.seg.path);
        self.counters
            .spool_bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some(b.saturating_sub(size))
            })
            .ok();
    }

    /// The oldest position not yet delivered.
    fn resolved_below(&self) -> Option<(&String, u64)> {
        self.segs.iter().find_map(|(name, s)| {
            let pos = s.unresolved.keys().next().copied().unwrap_or(s.read_pos);
            (pos < s.len || !s.unresolved.is_empty()).then_some((name, pos))
        })
    }

    fn answer_markers(&mut self) {
        if self.markers.is_empty() {
            return;
        }
        let down = self.flight.health.is_down();
        let below = self.resolved_below().map(|(n, p)| (n.clone(), p));
        self.markers.retain(|(at, reply)| {
            let delivered = match (&below, at) {
                (None, _) | (_, None) => true,
                (Some((bn, bp)), Some((mn, mp))) => bn > mn || (bn == mn && bp >= mp),
            };
            if delivered || down {
                let _ = reply.try_send(delivered);
                false
            } else {
                true
            }
        });
    }
}

/// Requests under way at once while records are read back from the spool's files: at least
/// the consumer's `max_in_flight` (see `options::SPOOL_REPLAY_IN_FLIGHT`).
pub(crate) fn replay_in_flight(settings: &Settings) -> usize {
    settings.max_in_flight.max(crate::consumer::options::SPOOL_REPLAY_IN_FLIGHT)
}
