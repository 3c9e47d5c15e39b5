//! AsyncBatchConsumer's background machinery: a bounded channel feeding one dispatcher thread
//! ("sensorsanalytics-async-batch"), which cuts batches and hands them to up to
//! `max_in_flight` sender threads (`senders.rs`), each of which makes one attempt and hands
//! the batch back.
//!
//! A batch that failed waits in the dispatcher's retry queue for its not-before time while
//! the senders post other batches, so a flaky receiver slows delivery by its failure rate,
//! not by the retry waits. When the receiver is down (`health.rs`), one request at a time
//! probes it and the rest wait, in memory, bounded by `max_size`: records meeting a full
//! pipeline are refused at `send`, with the network error, as the reference does.
//!
//! Flush and close travel through the same FIFO channel as the records, as markers, so
//! "everything queued before the flush" is exact: each record gets an index as it leaves
//! the channel, and a flush marker is answered once every record with a smaller index has
//! been sent or given up on (batches finish out of order).
//!
//! Shutdown is bounded: an abort signal (dropping a sender nobody sends on, which wakes
//! every waiter at once) makes the dispatcher give up what is still queued, counting it as
//! failed; requests already under way finish and are counted.

use std::collections::{BTreeMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{
    bounded, never, select, Receiver, RecvTimeoutError, SendTimeoutError, Sender,
    TrySendError,
};

use super::flight::{Budget, Flight, Settled};
use super::linger;
use super::retry::RetryPolicy;
use super::senders::{self, Batch, Outcome, Post};
use super::stats::Counters;
use crate::error::{Error, Result};

/// With a spool, how long `Engine::push` waits for room in the queue that feeds the writer
/// thread before refusing a record (the disk is stuck or failing).
pub(crate) const SPOOL_QUEUE_WAIT: Duration = Duration::from_secs(1);

/// Why `Engine::push` refused a record; each consumer words it for its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The spool holds `max_bytes`.
    SpoolFull,
    /// The queue stayed full (without a spool: at once; with one: for `SPOOL_QUEUE_WAIT`).
    QueueFull,
    /// The background threads have ended.
    Stopped,
}

/// Told of every batch given up on, with its records and the reason.
pub type GiveUpCallback = Arc<dyn Fn(&[String], &Error) + Send + Sync>;

/// The give-up callback of a consumer whose user gave none (a binding's KafkaConsumer): it
/// says on stderr what `consumer` gave up on ([`crate::validate::msg_gave_up`]).
pub fn give_up_on_stderr(consumer: &'static str) -> GiveUpCallback {
    Arc::new(move |records, e| eprintln!("{}", crate::validate::msg_gave_up(consumer, records.len(), e.message())))
}

/// What the background threads need to know, fixed at start.
pub(crate) struct Settings {
    pub url: String,
    pub timeout: Option<Duration>,
    pub flush_max_time: Duration,
    pub flush_size: usize,
    pub max_batch_size: usize,
    pub max_size: usize,
    pub max_in_flight: usize,
    pub retry: RetryPolicy,
    pub on_give_up: Option<GiveUpCallback>,
    /// With a spool, records go to disk first and are sent from there (`spool/`).
    pub spool: Option<crate::spool::SpoolConfig>,
}

pub(crate) enum Item {
    Record(String),
    /// Answered (by a message, or by being dropped on abort) once all earlier records are done.
    Flush(Sender<bool>),
    Close,
}

/// One process's pipeline. A fork child never uses (nor drops) its parent's.
pub(crate) struct Engine {
    pub generation: u64,
    pub tx: Sender<Item>,
    /// Kept so that records pushed after the dispatcher ended can still be counted.
    rx: Receiver<Item>,
    pub counters: Arc<Counters>,
    /// Dropping the sender aborts: see the module comment.
    abort: Mutex<Option<Sender<()>>>,
    /// Disconnects once every background thread has ended (each holds a sender).
    finished: Receiver<()>,
    handles: Mutex<Vec<JoinHandle<()>>>,
}

impl Engine {
    pub fn start(
        settings: Arc<Settings>,
        post: Arc<dyn Post>,
        generation: u64,
    ) -> Result<Engine> {
        let (tx, rx) = bounded(settings.max_size.max(1));
        let (abort_tx, abort_rx) = bounded::<()>(0);
        let (alive_tx, finished) = bounded::<()>(0);
        let counters = Arc::new(Counters::default());
        if let Some(spool) = &settings.spool {
            let handles = crate::spool::start(
                spool,
                settings.clone(),
                post,
                counters.clone(),
                rx.clone(),
                abort_rx,
                alive_tx,
            )?;
            return Ok(Engine {
                generation,
                tx,
                rx,
                counters,
                abort: Mutex::new(Some(abort_tx)),
                finished,
                handles: Mutex::new(handles),
            });
        }
        let (work, done, mut handles) = senders::start(
            settings.max_in_flight,
            "sensorsanalytics-async-send",
            post,
            alive_tx.clone(),
        )?;
        let dispatcher = Dispatcher {
            settings,
            counters: counters.clone(),
            rx: rx.clone(),
            flight: Flight::new(work, counters.clone()),
            done,
            abort: abort_rx,
            buffer: Vec::new(),
            oldest: None,
            next_index: 0,
            unresolved: BTreeMap::new(),
            waiting_records: 0,
            markers: VecDeque::new(),
            closing: false,
            aborted: false,
        };
        let h = crate::background::spawn("sensorsanalytics-async-batch".into(), move || {
            let _alive = alive_tx;
            dispatcher.run();
        })
        .map_err(|e| Error::Network(format!("cannot start the async sender threads: {e}")))?;
        handles.push(h);
        Ok(Engine {
            generation,
            tx,
            rx,
            counters,
            abort: Mutex::new(Some(abort_tx)),
            finished,
            handles: Mutex::new(handles),
        })
    }

    /// Queues one record for the background threads and counts it as accepted. With a
    /// spool, the queue only feeds the writer thread: a full spool refuses at once, and a
    /// burst faster than the disk waits for it (bounded) rather than being refused. The
    /// one place both AsyncBatchConsumer and KafkaConsumer's spool hand a record over.
    pub fn push(&self, record: String, spool: Option<&crate::spool::SpoolConfig>) -> std::result::Result<(), Refused> {
        if spool.is_some_and(|s| self.counters.spool_bytes.load(Ordering::Relaxed) >= s.max_bytes) {
            return Err(Refused::SpoolFull);
        }
        let result = match self.tx.try_send(Item::Record(record)) {
            Err(TrySendError::Full(item)) if spool.is_some() => {
                self.tx.send_timeout(item, SPOOL_QUEUE_WAIT).map_err(|e| match e {
                    SendTimeoutError::Timeout(_) => Refused::QueueFull,
                    SendTimeoutError::Disconnected(_) => Refused::Stopped,
                })
            }
            Err(TrySendError::Full(_)) => Err(Refused::QueueFull),
            Err(TrySendError::Disconnected(_)) => Err(Refused::Stopped),
            Ok(()) => Ok(()),
        };
        if result.is_ok() {
            Counters::add(&self.counters.accepted, 1);
        }
        result
    }

    /// Records waiting in the channel (the dispatcher's buffer is in the counters).
    pub fn queued(&self) -> usize {
        self.tx.len()
    }

    /// Gives up: retry waits end, what is queued is counted as failed.
    pub fn abort(&self) {
        self.abort.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    /// Waits until every background thread has ended; false at the deadline.
    pub fn wait_finished(&self, deadline: Instant) -> bool {
        matches!(
            self.finished.recv_deadline(deadline),
            Err(RecvTimeoutError::Disconnected)
        )
    }

    /// Joins the threads that have ended; one stuck in a request is left to end on its own.
    pub fn join_finished(&self) {
        let mut handles = self.handles.lock().unwrap_or_else(|p| p.into_inner());
        for h in std::mem::take(&mut *handles) {
            if h.is_finished() {
                let _ = h.join();
            } else {
                handles.push(h);
            }
        }
    }

    /// After the dispatcher ended: counts records that a racing `send` pushed too late.
    pub fn drain_stray(&self) -> usize {
        let n = self
            .rx
            .try_iter()
            .filter(|i| matches!(i, Item::Record(_)))
            .count();
        if n > 0 {
            self.counters.fail(
                n,
                &Error::Network("the consumer closed before these records were sent".into()),
            );
        }
        n
    }
}

struct Dispatcher {
    settings: Arc<Settings>,
    counters: Arc<Counters>,
    rx: Receiver<Item>,
    /// Requests under way, retries waiting, the receiver's health.
    flight: Flight,
    /// Batches back from the senders, with how their attempt went.
    done: Receiver<Outcome>,
    abort: Receiver<()>,
    /// Records taken from the channel, not yet cut into a batch; at most `max_batch_size`.
    buffer: Vec<String>,
    /// When the oldest buffered record arrived, for `flush_max_time`.
    oldest: Option<Instant>,
    /// The index the next record taken from the channel gets.
    next_index: u64,
    /// Batches cut and not yet resolved (in a request or waiting to retry): first index →
    /// record count.
    unresolved: BTreeMap<u64, usize>,
    /// Records in `unresolved`, bounded by `max_size` so that memory stays bounded while
    /// the receiver is down.
    waiting_records: usize,
    /// Flush markers: (records before it, reply), in channel order.
    markers: VecDeque<(u64, Sender<bool>)>,
    closing: bool,
    aborted: bool,
}

impl Dispatcher {
    fn run(mut self) {
        let no_records = never::<Item>();
        let max_batch = self.settings.max_batch_size.max(1);
        loop {
            if !self.aborted {
                self.start_requests();
            }
            self.answer_markers();
            let idle = self.buffer.is_empty() && self.unresolved.is_empty() && self.rx.is_empty();
            if (self.closing && idle) || (self.aborted && self.flight.in_flight == 0) {
                return;
            }
            // Take records only while there is room: a full pipeline leaves them in the
            // bounded channel, so that `send` reports a full queue instead of memory growing
            // without bound.
            let room = !self.aborted
                && self.buffer.len() < max_batch
                && self.waiting_records < self.settings.max_size.max(1);
            let records = if room { &self.rx } else { &no_records };
            let wait = self.timer();
            let abort = if self.aborted {
                never()
            } else {
                self.abort.clone()
            };
            select! {
                recv(records) -> item => match item {
                    Ok(item) => {
                        self.take(item);
                        self.take_waiting(max_batch);
                        // Records trickling in: wait a moment for a whole batch rather than be
                        // woken for every few (`linger.rs`): at most 2 ms later, in fewer,
                        // fuller requests. Not for an empty buffer (a flush or the close
                        // alone), nor when it should go out now (`ready`: flush_size reached,
                        // a flush waits, closing, old).
                        let trickle = !self.buffer.is_empty() && !self.ready();
                        if trickle && linger::wait_for_group(&self.rx, self.buffer.len(), max_batch) {
                            self.take_waiting(max_batch);
                        }
                    }
                    // Every sender is gone: nothing more can come.
                    Err(_) => self.closing = true,
                },
                recv(self.done) -> outcome => match outcome {
                    Ok(o) => self.resolve(o),
                    // Every sender thread is gone (only a panic outside a request could do
                    // that): nothing in flight will come back.
                    Err(_) => {
                        self.done = never();
                        self.flight.in_flight = 0;
                    }
                },
                recv(abort) -> _ => self.give_up_queued(),
                default(wait) => {},
            }
        }
    }

    /// Takes what waits in the channel, until the buffer holds `max_batch`.
    fn take_waiting(&mut self, max_batch: usize) {
        while self.buffer.len() < max_batch {
            match self.rx.try_recv() {
                Ok(item) => self.take(item),
                Err(_) => break,
            }
        }
    }

    fn buffer_start(&self) -> u64 {
        self.next_index - self.buffer.len() as u64
    }

    /// Whether the buffer should go out now.
    fn ready(&self) -> bool {
        if self.buffer.is_empty() {
            return false;
        }
        self.buffer.len() >= self.settings.flush_size.max(1)
            || self.buffer.len() >= self.settings.max_batch_size.max(1)
            || self.closing
            // A flush waits for records in the buffer.
            || self.markers.back().is_some_and(|(index, _)| *index > self.buffer_start())
            || self.oldest.is_some_and(|t| t.elapsed() >= self.settings.flush_max_time)
    }

    /// Hands batches to free senders: retries that are due first, then the buffer.
    fn start_requests(&mut self) {
        Flight::start(
            self,
            |d| &mut d.flight,
            self.settings.max_in_flight,
            |d| d.ready().then(|| d.cut_batch()),
        );
    }

    fn cut_batch(&mut self) -> Batch {
        let start = self.buffer_start();
        let records = std::mem::take(&mut self.buffer);
        self.oldest = None;
        self.counters.buffered.store(0, Ordering::Relaxed);
        self.unresolved.insert(start, records.len());
        self.waiting_records += records.len();
        Batch::new(start, records)
    }

    /// How long to wait for something to happen: the buffer's age trigger, the next retry
    /// or probe, whichever comes first.
    fn timer(&self) -> Duration {
        let now = Instant::now();
        let mut due: Option<Instant> = None;
        let mut consider = |t: Instant| due = Some(due.map_or(t, |d| d.min(t)));
        let max = self.settings.max_in_flight.max(1);
        if let Some(probe) = self.flight.health.probe_due() {
            if self.flight.in_flight == 0
                && (self.flight.has_retries() || !self.buffer.is_empty())
            {
                consider(probe);
            }
        } else if self.flight.in_flight < max {
            if let Some(t) = self.oldest {
                consider(t + self.settings.flush_max_time);
            }
            if let Some(b) = self.flight.next_retry() {
                consider(b);
            }
        }
        due.map_or(Duration::from_secs(3600), |d| {
            d.saturating_duration_since(now)
        })
    }

    fn take(&mut self, item: Item) {
        match item {
            Item::Record(r) => {
                if self.buffer.is_empty() {
                    self.oldest = Some(Instant::now());
                }
                self.buffer.push(r);
                self.next_index += 1;
                self.counters
                    .buffered
                    .store(self.buffer.len(), Ordering::Relaxed);
            }
            Item::Flush(reply) => self.markers.push_back((self.next_index, reply)),
            Item::Close => self.closing = true,
        }
    }

    /// A batch came back from a sender.
    fn resolve(&mut self, o: Outcome) {
        match self.flight.settle(o, &self.settings.retry, Budget::Limited, self.aborted) {
            Settled::Delivered(batch) => self.forget(&batch),
            Settled::GaveUp(batch, e) | Settled::Aborted(batch, e) => self.give_up(batch, &e),
            Settled::Kept => {}
        }
    }

    fn forget(&mut self, batch: &Batch) {
        if self.unresolved.remove(&batch.id).is_some() {
            self.waiting_records -= batch.records.len();
        }
    }

    fn give_up(&mut self, batch: Batch, e: &Error) {
        self.counters.fail(batch.records.len(), e);
        call_give_up(&self.settings, &batch.records, e);
        self.forget(&batch);
    }

    /// Everything below this index has been sent or given up on.
    fn resolved_below(&self) -> u64 {
        self.unresolved
            .keys()
            .next()
            .copied()
            .unwrap_or_else(|| self.buffer_start())
    }

    fn answer_markers(&mut self) {
        let done = self.resolved_below();
        while self
            .markers
            .front()
            .is_some_and(|(index, _)| *index <= done)
        {
            if let Some((_, reply)) = self.markers.pop_front() {
                let _ = reply.try_send(true);
            }
        }
    }

    /// Abort: the buffer, the retry queue and the channel are given up on; waiting flushes
    /// are released unanswered (their reply senders dropped) and see that they did not
    /// complete. Requests under way finish and are counted.
    fn give_up_queued(&mut self) {
        self.aborted = true;
        self.flight.work = None;
        let mut records = std::mem::take(&mut self.buffer);
        for b in self.flight.take_retries() {
            self.forget(&b);
            records.extend(b.records);
        }
        records.extend(self.rx.try_iter().filter_map(|i| match i {
            Item::Record(r) => Some(r),
            _ => None,
        }));
        self.counters.buffered.store(0, Ordering::Relaxed);
        self.markers.clear();
        if !records.is_empty() {
            let e = Error::Network(format!(
                "the consumer closed before {} queued records could be sent (close timeout; last error: {})",
                records.len(),
                self.counters.last_error().unwrap_or_default()
            ));
            self.counters.fail(records.len(), &e);
            call_give_up(&self.settings, &records, &e);
        }
    }
}

pub(crate) fn call_give_up(settings: &Settings, records: &[String], e: &Error) {
    if let Some(cb) = &settings.on_give_up {
        // A panicking callback must not take the dispatcher down with it.
        let _ = catch_unwind(AssertUnwindSafe(|| cb(records, e)));
    }
}
