//! AsyncBatchConsumer's background machinery: a bounded channel feeding one dispatcher thread
//! ("sensorsanalytics-async-batch"), which cuts batches and hands them to up to
//! `max_in_flight` sender threads, each of which gzips its batch and posts it with retries.
//!
//! Flush and close travel through the same FIFO channel as the records, as markers, so
//! "everything queued before the flush" is exact: each record gets an index as it leaves
//! the channel, and a flush marker is answered once every record with a smaller index has
//! been sent or given up on (batches finish out of order when several are in flight).
//!
//! Shutdown is bounded: an abort signal (dropping a sender nobody sends on, which wakes
//! every waiter at once) cuts retry waits short and makes the dispatcher give up what is
//! still queued, counting it as failed.

use std::collections::{BTreeMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, never, select, unbounded, Receiver, RecvTimeoutError, Sender};

use super::encode::encode_data_list;
use super::retry::{post_with_retry, Request, RetryPolicy};
use super::stats::Counters;
use super::transport::Transport;
use super::USER_AGENT;
use crate::error::{Error, Result};

/// Told of every batch given up on, with its records and the reason.
pub type GiveUpCallback = Arc<dyn Fn(&[String], &Error) + Send + Sync>;

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
}

pub(crate) enum Item {
    Record(String),
    /// Answered (by a message, or by being dropped on abort) once all earlier records are done.
    Flush(Sender<()>),
    Close,
}

struct Batch {
    start: u64,
    records: Vec<String>,
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
        transport: Arc<dyn Transport>,
        generation: u64,
    ) -> Result<Engine> {
        let (tx, rx) = bounded(settings.max_size.max(1));
        let (work_tx, work_rx) = unbounded::<Batch>();
        let (done_tx, done_rx) = unbounded::<u64>();
        let (abort_tx, abort_rx) = bounded::<()>(0);
        let (alive_tx, finished) = bounded::<()>(0);
        let counters = Arc::new(Counters::default());
        let spawn_error = |e: std::io::Error| {
            Error::Network(format!("cannot start the async sender threads: {e}"))
        };

        let mut handles = Vec::new();
        for i in 0..settings.max_in_flight.max(1) {
            let sender = BatchSender {
                settings: settings.clone(),
                transport: transport.clone(),
                counters: counters.clone(),
                abort: abort_rx.clone(),
            };
            let (work_rx, done_tx, alive) = (work_rx.clone(), done_tx.clone(), alive_tx.clone());
            let h = std::thread::Builder::new()
                .name(format!("sensorsanalytics-async-send-{i}"))
                .spawn(move || {
                    let _alive = alive;
                    sender.run(work_rx, done_tx);
                })
                .map_err(spawn_error)?;
            handles.push(h);
        }
        let dispatcher = Dispatcher {
            settings,
            counters: counters.clone(),
            rx: rx.clone(),
            work: Some(work_tx),
            done: done_rx,
            abort: abort_rx,
            buffer: Vec::new(),
            oldest: None,
            next_index: 0,
            in_flight: BTreeMap::new(),
            markers: VecDeque::new(),
            closing: false,
        };
        let h = std::thread::Builder::new()
            .name("sensorsanalytics-async-batch".into())
            .spawn(move || {
                let _alive = alive_tx;
                dispatcher.run();
            })
            .map_err(spawn_error)?;
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
    /// `None` once aborted: the senders then end after their current batch.
    work: Option<Sender<Batch>>,
    /// Start indices of finished batches.
    done: Receiver<u64>,
    abort: Receiver<()>,
    /// Records taken from the channel, not yet handed out; at most `max_batch_size`.
    buffer: Vec<String>,
    /// When the oldest buffered record arrived, for `flush_max_time`.
    oldest: Option<Instant>,
    /// The index the next record taken from the channel gets.
    next_index: u64,
    /// Batches under way: start index → record count.
    in_flight: BTreeMap<u64, usize>,
    /// Flush markers: (records before it, reply), in channel order.
    markers: VecDeque<(u64, Sender<()>)>,
    closing: bool,
}

impl Dispatcher {
    fn run(mut self) {
        let no_records = never::<Item>();
        let max_batch = self.settings.max_batch_size.max(1);
        loop {
            while self.in_flight.len() < self.settings.max_in_flight.max(1) && self.ready() {
                self.dispatch();
            }
            self.answer_markers();
            if self.closing
                && self.buffer.is_empty()
                && self.in_flight.is_empty()
                && self.rx.is_empty()
            {
                return;
            }
            // Take records only while there is room in the buffer: a full pipeline leaves them
            // in the bounded channel, so that `send` reports a full queue instead of memory
            // growing without bound.
            let records = if self.buffer.len() < max_batch {
                &self.rx
            } else {
                &no_records
            };
            let wait = self.timer();
            select! {
                recv(records) -> item => match item {
                    Ok(item) => {
                        self.take(item);
                        while self.buffer.len() < max_batch {
                            match self.rx.try_recv() {
                                Ok(item) => self.take(item),
                                Err(_) => break,
                            }
                        }
                    }
                    // Every sender is gone: nothing more can come.
                    Err(_) => self.closing = true,
                },
                recv(self.done) -> start => match start {
                    Ok(start) => {
                        self.in_flight.remove(&start);
                    }
                    // Every sender thread is gone (only a panic outside a request could do
                    // that): stop listening rather than spin on the closed channel.
                    Err(_) => self.done = never(),
                },
                recv(self.abort) -> _ => {
                    self.give_up_queued();
                    return;
                },
                default(wait) => {},
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

    /// How long to wait for something to happen: until the buffer's age trigger, if a
    /// sender is free to take it; otherwise until a message arrives.
    fn timer(&self) -> Duration {
        match self.oldest {
            Some(t) if self.in_flight.len() < self.settings.max_in_flight.max(1) => {
                (t + self.settings.flush_max_time).saturating_duration_since(Instant::now())
            }
            _ => Duration::from_secs(3600),
        }
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

    fn dispatch(&mut self) {
        let start = self.buffer_start();
        let records = std::mem::take(&mut self.buffer);
        self.oldest = None;
        self.counters.buffered.store(0, Ordering::Relaxed);
        self.counters
            .in_flight
            .fetch_add(records.len(), Ordering::Relaxed);
        self.in_flight.insert(start, records.len());
        if let Some(work) = &self.work {
            // Unbounded, and the senders outlive this thread's use of it: cannot fail.
            let _ = work.send(Batch { start, records });
        }
    }

    /// Everything below this index has been sent or given up on.
    fn resolved_below(&self) -> u64 {
        self.in_flight
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
                let _ = reply.try_send(());
            }
        }
    }

    /// Abort: the buffer and the channel are given up on; waiting flushes are released
    /// unanswered (their reply senders dropped) and see that they did not complete.
    fn give_up_queued(&mut self) {
        self.work = None;
        let mut records = std::mem::take(&mut self.buffer);
        records.extend(self.rx.try_iter().filter_map(|i| match i {
            Item::Record(r) => Some(r),
            _ => None,
        }));
        self.counters.buffered.store(0, Ordering::Relaxed);
        self.markers.clear();
        if !records.is_empty() {
            let e = Error::Network(format!(
                "the consumer closed before {} queued records could be sent (close timeout)",
                records.len()
            ));
            self.counters.fail(records.len(), &e);
            call_give_up(&self.settings, &records, &e);
        }
    }
}

/// One of the threads that send batches.
struct BatchSender {
    settings: Arc<Settings>,
    transport: Arc<dyn Transport>,
    counters: Arc<Counters>,
    abort: Receiver<()>,
}

impl BatchSender {
    fn run(self, work: Receiver<Batch>, done: Sender<u64>) {
        let headers = [("User-Agent", USER_AGENT)];
        let req = Request {
            url: &self.settings.url,
            headers: &headers,
            timeout: self.settings.timeout,
        };
        for batch in work {
            let n = batch.records.len();
            // Gzip here, not in the dispatcher, so that several batches compress in parallel.
            let form = encode_data_list(&batch.records);
            let result = catch_unwind(AssertUnwindSafe(|| {
                post_with_retry(
                    &*self.transport,
                    &req,
                    &form,
                    &self.settings.retry,
                    // Sleeps, unless the abort signal comes first.
                    &mut |d| matches!(self.abort.recv_timeout(d), Err(RecvTimeoutError::Timeout)),
                    &mut |why| {
                        Counters::add(&self.counters.retried, 1);
                        self.counters.set_error(why);
                    },
                )
            }))
            .unwrap_or_else(|_| Err(Error::Network("the HTTP transport panicked".into())));
            match result {
                Ok(()) => Counters::add(&self.counters.sent, n),
                Err(e) => {
                    self.counters.fail(n, &e);
                    call_give_up(&self.settings, &batch.records, &e);
                }
            }
            self.counters.in_flight.fetch_sub(n, Ordering::Relaxed);
            let _ = done.send(batch.start);
        }
    }
}

fn call_give_up(settings: &Settings, records: &[String], e: &Error) {
    if let Some(cb) = &settings.on_give_up {
        // A panicking callback must not take a sender thread down with it.
        let _ = catch_unwind(AssertUnwindSafe(|| cb(records, e)));
    }
}
