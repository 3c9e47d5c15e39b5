//! A deferred-send queue in front of a synchronous consumer.
//!
//! DefaultConsumer, BatchConsumer and DebugConsumer send on the caller's thread by contract
//! (the reference's `send` makes the HTTP request). A host whose calling thread must not wait
//! for the network (Node's event loop) wraps them in a [`DeferredConsumer`]: `send` only queues
//! the record, and one named thread per consumer makes the inner calls, in order.
//!
//! Nothing is lost silently:
//! - a full queue ([`options::DEFAULT_DEFERRED_QUEUE_SIZE`]) or a closed consumer is the
//!   caller's Network error at once and counts as `dropped`, like AsyncBatchConsumer's;
//! - a failed send is told to `on_failure` on the sender thread *when it happens* (the host
//!   brings it to its own thread: Node emits it as a process warning), is counted by the inner
//!   consumer's `stats()` (`failed`, `last_error`), and is the error of the next `flush`/`close`
//!   (the first failure since the last one reported, with how many followed);
//! - `flush`/`close` wait at most [`options::DEFAULT_DEFERRED_DRAIN_TIMEOUT`] for the queue to
//!   drain (what bounds a host's exit), then fail naming the bound.
//!
//! The thread holds no host handle, so it never keeps a process alive. Fork: a child gets a
//! queue and thread of its own on its first call; what the parent had queued stays the
//! parent's to send (its handles are leaked in the child, never joined or dropped there).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender, TrySendError};

use super::{options, Consumer};
use crate::error::{Error, Result};
use crate::fork;

/// Told of each failure of the inner consumer as it happens, on the sender thread.
pub type FailureCallback = Arc<dyn Fn(&Error) + Send + Sync>;

/// A [`DeferredConsumer`]'s options, as given (`None`: core's default).
#[derive(Clone, Default)]
pub struct DeferredOptions {
    /// Records waiting for the sender thread at most.
    pub queue_size: Option<f64>,
    /// Seconds `flush`/`close` wait for the queue to drain.
    pub drain_timeout: Option<f64>,
    pub on_failure: Option<FailureCallback>,
}

enum Msg {
    Record(String),
    /// Flush (or close, then stop) and acknowledge.
    Flush { close: bool, done: Sender<()> },
}

/// What the wrapper and its sender thread share.
struct Shared {
    inner: Arc<dyn Consumer>,
    /// The first failure not yet reported to a flush/close, and how many followed it.
    failure: Mutex<Option<(Error, u64)>>,
    /// Records queued and not yet handed to the inner consumer.
    depth: AtomicUsize,
    on_failure: Option<FailureCallback>,
}

/// The queue and its thread, in the process that started them.
struct Line {
    tx: Option<Sender<Msg>>,
    worker: Option<JoinHandle<()>>,
    generation: u64,
}

pub struct DeferredConsumer {
    shared: Arc<Shared>,
    line: Mutex<Line>,
    name: String,
    queue_size: usize,
    drain_timeout: Duration,
    /// Records refused by `send` (queue full, closed).
    dropped: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    fn failed(&self, e: Error) {
        if let Some(cb) = &self.on_failure {
            // The host's callback must not take the sender thread down with it.
            let _ = catch_unwind(AssertUnwindSafe(|| cb(&e)));
        }
        let mut slot = lock(&self.failure);
        match slot.as_mut() {
            Some((_, more)) => *more += 1,
            None => *slot = Some((e, 0)),
        }
    }

    /// The failures since the last report, as one error.
    fn take_failure(&self) -> Result<()> {
        match lock(&self.failure).take() {
            None => Ok(()),
            Some((e, 0)) => Err(e),
            Some((e, more)) => Err(e.map_message(|m| format!("{m} (and {more} more failures)"))),
        }
    }
}

/// An inner call on the sender thread; a panic is kept as a failure, not lost with the thread.
fn guarded(f: impl FnOnce() -> Result<()>) -> Result<()> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(Error::Network("internal error: the sender panicked".to_owned())))
}

fn run(shared: Arc<Shared>, rx: Receiver<Msg>) {
    for msg in rx {
        match msg {
            Msg::Record(r) => {
                let result = guarded(|| shared.inner.send(&r));
                shared.depth.fetch_sub(1, Ordering::Relaxed);
                if let Err(e) = result {
                    shared.failed(e);
                }
            }
            Msg::Flush { close, done } => {
                let inner = &shared.inner;
                if let Err(e) = guarded(|| if close { inner.close() } else { inner.flush() }) {
                    shared.failed(e);
                }
                let _ = done.send(());
                if close {
                    return;
                }
            }
        }
    }
}

fn closed() -> Error {
    Error::Network("the consumer is closed".to_owned())
}

impl DeferredConsumer {
    /// Starts the sender thread (`sensorsanalytics-deferred-<name>`) in front of `inner`.
    pub fn new(name: &str, inner: impl Consumer + 'static, opts: DeferredOptions) -> Result<Self> {
        let queue_size = options::count(
            "queue_size",
            opts.queue_size,
            options::DEFAULT_DEFERRED_QUEUE_SIZE,
            1,
            options::MAX_RECORDS,
        )?;
        let drain_timeout = options::seconds(
            "drain_timeout",
            opts.drain_timeout,
            options::DEFAULT_DEFERRED_DRAIN_TIMEOUT,
            options::MAX_FLUSH_MAX_TIME,
        )?;
        let shared = Arc::new(Shared {
            inner: Arc::new(inner),
            failure: Mutex::new(None),
            depth: AtomicUsize::new(0),
            on_failure: opts.on_failure,
        });
        let c = DeferredConsumer {
            shared,
            line: Mutex::new(Line { tx: None, worker: None, generation: fork::generation() }),
            name: name.to_owned(),
            queue_size,
            drain_timeout,
            dropped: AtomicU64::new(0),
        };
        let mut line = lock(&c.line);
        c.start(&mut line)?;
        drop(line);
        Ok(c)
    }

    fn start(&self, line: &mut Line) -> Result<()> {
        let (tx, rx) = bounded(self.queue_size);
        let shared = self.shared.clone();
        let worker = thread::Builder::new()
            .name(format!("sensorsanalytics-deferred-{}", self.name))
            .spawn(move || run(shared, rx))
            .map_err(|e| Error::Network(format!("cannot start the sender thread: {e}")))?;
        line.tx = Some(tx);
        line.worker = Some(worker);
        Ok(())
    }

    /// The queue of this process: in a fork child, a new one (the parent's is leaked here).
    fn sender(&self) -> Result<Option<Sender<Msg>>> {
        let mut line = lock(&self.line);
        let now = fork::generation();
        if line.generation != now {
            line.generation = now;
            let open = line.tx.is_some();
            std::mem::forget(line.tx.take());
            std::mem::forget(line.worker.take());
            self.shared.depth.store(0, Ordering::Relaxed);
            // A consumer closed before the fork stays closed in the child.
            if open {
                self.start(&mut line)?;
            }
        }
        Ok(line.tx.clone())
    }

    /// Asks the thread to flush (or close) and waits for it, at most the drain timeout.
    fn finish(&self, close: bool) -> Result<()> {
        let Some(tx) = self.sender()? else {
            return self.shared.take_failure();
        };
        let (done_tx, done_rx) = bounded(1);
        // Waits while the queue is full, within the same bound: this runs off the host's
        // calling thread (Node: a libuv worker) or at exit.
        let asked = tx.send_timeout(Msg::Flush { close, done: done_tx }, self.drain_timeout).is_ok();
        drop(tx);
        let drained = asked && !matches!(done_rx.recv_timeout(self.drain_timeout), Err(RecvTimeoutError::Timeout));
        if !drained {
            self.shared.failed(Error::Network(format!(
                "records were still being sent after {} s; giving up waiting",
                self.drain_timeout.as_secs_f64()
            )));
        }
        if close {
            let mut line = lock(&self.line);
            line.tx = None;
            if let Some(w) = line.worker.take() {
                // Only join a thread that has finished: a stuck request must not hang close.
                if w.is_finished() {
                    let _ = w.join();
                }
            }
        }
        self.shared.take_failure()
    }

    /// The inner consumer's counters, with this queue's records and refusals added.
    #[cfg(feature = "http")]
    pub fn stats(&self) -> crate::http::Stats {
        let mut s = self.shared.inner.stats();
        s.queue_depth += self.shared.depth.load(Ordering::Relaxed);
        s.dropped += self.dropped.load(Ordering::Relaxed);
        s
    }
}

impl Consumer for DeferredConsumer {
    fn send(&self, record: &str) -> Result<()> {
        let refused = |e: Error| {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            Err(e)
        };
        let Some(tx) = self.sender()? else { return refused(closed()) };
        // Counted before it is queued, so that the sender thread never takes it below zero.
        self.shared.depth.fetch_add(1, Ordering::Relaxed);
        match tx.try_send(Msg::Record(record.to_owned())) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.shared.depth.fetch_sub(1, Ordering::Relaxed);
                refused(match e {
                    TrySendError::Full(_) => Error::Network(format!(
                        "the send queue is full ({} records waiting)",
                        self.queue_size
                    )),
                    TrySendError::Disconnected(_) => closed(),
                })
            }
        }
    }

    fn flush(&self) -> Result<()> {
        self.finish(false)
    }

    fn close(&self) -> Result<()> {
        self.finish(true)
    }

    #[cfg(feature = "http")]
    fn stats(&self) -> crate::http::Stats {
        DeferredConsumer::stats(self)
    }
}

impl Drop for DeferredConsumer {
    /// Lets the thread finish what is queued and end, without waiting for it: dropping must
    /// not block (a host's garbage collector may drop on its own thread).
    fn drop(&mut self) {
        let mut line = lock(&self.line);
        if line.generation == fork::generation() {
            line.tx = None;
        } else {
            // A fork child's copy of the parent's queue: never touched here.
            std::mem::forget(line.tx.take());
            std::mem::forget(line.worker.take());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    /// Refuses every record while `failing`; keeps the ones it takes.
    #[derive(Default)]
    struct Flaky {
        failing: AtomicBool,
        taken: Mutex<Vec<String>>,
        gate: Mutex<()>,
    }

    impl Consumer for Flaky {
        fn send(&self, record: &str) -> Result<()> {
            let _held = lock(&self.gate);
            if self.failing.load(Ordering::SeqCst) {
                return Err(Error::Network(format!("refused {record}")));
            }
            lock(&self.taken).push(record.to_owned());
            Ok(())
        }
    }

    #[test]
    fn records_arrive_in_order_and_flush_reports_failures_once() {
        let inner = Arc::new(Flaky::default());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let opts = DeferredOptions {
            on_failure: Some(Arc::new(move |e: &Error| lock(&s).push(e.message().to_owned()))),
            ..Default::default()
        };
        let c = DeferredConsumer::new("test", inner.clone(), opts).unwrap();
        for i in 0..100 {
            c.send(&i.to_string()).unwrap();
        }
        c.flush().unwrap();
        assert_eq!(*lock(&inner.taken), (0..100).map(|i| i.to_string()).collect::<Vec<_>>());

        inner.failing.store(true, Ordering::SeqCst);
        c.send("a").unwrap();
        c.send("b").unwrap();
        let e = c.flush().unwrap_err();
        assert_eq!(e.message(), "refused a (and 1 more failures)");
        // Told as they happened, one call each.
        assert_eq!(*lock(&seen), ["refused a", "refused b"]);
        assert!(c.flush().is_ok(), "a failure is reported to one flush only");
        c.close().unwrap();
        assert_eq!(c.send("late").unwrap_err().message(), "the consumer is closed");
    }

    #[test]
    fn a_full_queue_refuses_at_once() {
        let inner = Arc::new(Flaky::default());
        let opts = DeferredOptions { queue_size: Some(2.0), ..Default::default() };
        let c = DeferredConsumer::new("full", inner.clone(), opts).unwrap();
        let held = lock(&inner.gate);
        // The thread takes one record and waits at the gate; two more fill the queue.
        let mut refused = 0;
        for i in 0..10 {
            if let Err(e) = c.send(&i.to_string()) {
                assert!(e.message().contains("queue is full (2 records waiting)"), "{e}");
                refused += 1;
            }
        }
        assert!((7..=8).contains(&refused), "{refused}");
        #[cfg(feature = "http")]
        assert_eq!(c.stats().dropped, refused);
        drop(held);
        c.close().unwrap();
        assert_eq!(lock(&inner.taken).len() as u64, 10 - refused);
    }

    #[test]
    fn options_follow_the_one_rule() {
        let bad = DeferredOptions { queue_size: Some(-1.0), ..Default::default() };
        assert!(DeferredConsumer::new("bad", Arc::new(Flaky::default()), bad).is_err());
        let c = DeferredConsumer::new("dflt", Arc::new(Flaky::default()), DeferredOptions::default()).unwrap();
        assert_eq!(
            (c.queue_size, c.drain_timeout),
            (options::DEFAULT_DEFERRED_QUEUE_SIZE, options::DEFAULT_DEFERRED_DRAIN_TIMEOUT)
        );
    }
}
