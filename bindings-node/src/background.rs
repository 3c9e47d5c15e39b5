//! Running a synchronous consumer off the JS thread.
//!
//! DefaultConsumer, BatchConsumer and DebugConsumer send on the caller's thread by contract
//! (the reference's `send` does the HTTP request). In Node that would stall the event loop for
//! a network round trip, so here their `send` only queues the record; one named thread per
//! consumer makes the core calls in order. Failures are kept and reported by the next
//! `flush()`/`close()` (a rejected Promise); a full queue is a Network error at once, like
//! AsyncBatchConsumer's. The thread holds no libuv handle, so it never keeps Node alive.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use sensorsanalytics::{Consumer, Error, Result};

/// Records waiting for the sender thread at most; beyond that `send` fails.
pub const QUEUE_CAPACITY: usize = 10_000;
/// How long `flush`/`close` wait for the queue to drain: what bounds the exit drain.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

enum Msg {
    Record(String),
    /// Flush (or close, then stop) and acknowledge.
    Flush {
        close: bool,
        done: SyncSender<()>,
    },
}

pub struct Background {
    queue: Mutex<Option<SyncSender<Msg>>>,
    /// The first failure since the last flush/close reported, and how many followed it.
    failure: Arc<Mutex<Option<(Error, u64)>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

fn record_failure(slot: &Mutex<Option<(Error, u64)>>, e: Error) {
    let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
    match slot.as_mut() {
        Some((_, more)) => *more += 1,
        None => *slot = Some((e, 0)),
    }
}

/// A core call on the sender thread; a panic is kept as a failure, not lost with the thread.
fn guarded(f: impl FnOnce() -> Result<()>) -> Result<()> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Error::Network(
            "internal error: the sender panicked".to_owned(),
        ))
    })
}

fn run(inner: Box<dyn Consumer>, rx: Receiver<Msg>, failure: Arc<Mutex<Option<(Error, u64)>>>) {
    for msg in rx {
        match msg {
            Msg::Record(r) => {
                if let Err(e) = guarded(|| inner.send(&r)) {
                    record_failure(&failure, e);
                }
            }
            Msg::Flush { close, done } => {
                let r = guarded(|| if close { inner.close() } else { inner.flush() });
                if let Err(e) = r {
                    record_failure(&failure, e);
                }
                let _ = done.send(());
                if close {
                    return;
                }
            }
        }
    }
}

impl Background {
    /// Starts the sender thread, named after the consumer (`sa-node-<name>`).
    pub fn new(name: &str, inner: impl Consumer + 'static) -> Result<Self> {
        let (tx, rx) = mpsc::sync_channel(QUEUE_CAPACITY);
        let failure = Arc::new(Mutex::new(None));
        let shared = failure.clone();
        let inner: Box<dyn Consumer> = Box::new(inner);
        let worker = thread::Builder::new()
            .name(format!("sa-node-{name}"))
            .spawn(move || run(inner, rx, shared))
            .map_err(|e| Error::Network(format!("cannot start the sender thread: {e}")))?;
        Ok(Background {
            queue: Mutex::new(Some(tx)),
            failure,
            worker: Mutex::new(Some(worker)),
        })
    }

    fn sender(&self) -> Option<SyncSender<Msg>> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Asks the thread to flush (or close) and waits for it, at most `DRAIN_TIMEOUT`.
    fn finish(&self, close: bool) -> Result<()> {
        let Some(tx) = self.sender() else {
            return Ok(());
        };
        let (done_tx, done_rx) = mpsc::sync_channel(1);
        // Blocks while the queue is full: this runs on a worker thread (task.rs) or at exit.
        if tx
            .send(Msg::Flush {
                close,
                done: done_tx,
            })
            .is_ok()
        {
            match done_rx.recv_timeout(DRAIN_TIMEOUT) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => {}
                Err(RecvTimeoutError::Timeout) => record_failure(
                    &self.failure,
                    Error::Network(format!(
                        "records were still being sent after {} s; giving up waiting",
                        DRAIN_TIMEOUT.as_secs()
                    )),
                ),
            }
        }
        if close {
            self.queue.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(w) = self.worker.lock().unwrap_or_else(|p| p.into_inner()).take() {
                // Only join a thread that has finished: a stuck request must not hang close.
                if w.is_finished() {
                    let _ = w.join();
                }
            }
        }
        match self
            .failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            None => Ok(()),
            Some((e, 0)) => Err(e),
            Some((e, more)) => Err(with_message(e, |m| {
                format!("{m} (and {more} more failures)")
            })),
        }
    }
}

fn with_message(e: Error, f: impl FnOnce(&str) -> String) -> Error {
    match e {
        Error::IllegalData(m) => Error::IllegalData(f(&m)),
        Error::Network(m) => Error::Network(f(&m)),
        Error::FileLock(m) => Error::FileLock(f(&m)),
        Error::Debug(m) => Error::Debug(f(&m)),
    }
}

impl Consumer for Background {
    fn send(&self, record: &str) -> Result<()> {
        let Some(tx) = self.sender() else {
            return Err(Error::Network("the consumer is closed".to_owned()));
        };
        match tx.try_send(Msg::Record(record.to_owned())) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(Error::Network(format!(
                "the send queue is full ({QUEUE_CAPACITY} records waiting)"
            ))),
            Err(TrySendError::Disconnected(_)) => {
                Err(Error::Network("the consumer is closed".to_owned()))
            }
        }
    }

    fn flush(&self) -> Result<()> {
        self.finish(false)
    }

    fn close(&self) -> Result<()> {
        self.finish(true)
    }
}
