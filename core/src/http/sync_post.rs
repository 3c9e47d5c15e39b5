//! How the synchronous consumers (Default, Batch, Debug) call their transport: on a sender
//! thread of their own that the caller waits on, when the transport needs it.
//!
//! Why: reqwest's blocking client panics inside an async runtime, and a Rust caller may well
//! be inside tokio. Handing the request to our thread costs a few microseconds against a
//! network round trip. A transport that must run on the caller's thread (one that calls back
//! into Python under the GIL) says so with `needs_own_thread() == false` and is called inline.
//!
//! Fork: the sender thread does not exist in a child. The child starts its own on first use
//! and leaves the parent's channel alone (touching it could wait on a lock that a parent
//! thread held at the moment of the fork).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::{ArcSwapOption, Guard};
use crossbeam_channel::{bounded, unbounded, Sender};

use super::encode::WireForm;
use super::transport::{HttpResponse, Transport, TransportError, TransportErrorKind};
use crate::error::{Error, Result};
use crate::fork;

type Job = Box<dyn FnOnce() + Send>;

struct Worker {
    generation: u64,
    jobs: Sender<Job>,
}

/// A transport wrapper that moves each call onto a dedicated thread when required.
pub(crate) struct SyncPoster {
    transport: Arc<dyn Transport>,
    /// `None` when the transport runs inline.
    worker: Option<ArcSwapOption<Worker>>,
}

impl SyncPoster {
    pub fn new(transport: Arc<dyn Transport>) -> Self {
        let worker = transport.needs_own_thread().then(ArcSwapOption::empty);
        SyncPoster { transport, worker }
    }

    /// This process's sender thread, started on first use.
    fn worker(slot: &ArcSwapOption<Worker>) -> Result<Arc<Worker>> {
        let generation = fork::generation();
        let current = slot.load_full();
        if let Some(w) = &current {
            if w.generation == generation {
                return Ok(w.clone());
            }
        }
        let (jobs, rx) = unbounded::<Job>();
        std::thread::Builder::new()
            .name("sensorsanalytics-http".into())
            // Ends when the consumer, the only holder of `jobs`, goes away.
            .spawn(move || rx.into_iter().for_each(|job| job()))
            .map_err(|e| Error::Network(format!("cannot start the HTTP sender thread: {e}")))?;
        let new = Arc::new(Worker { generation, jobs });
        let prev = Guard::into_inner(slot.compare_and_swap(&current, Some(new.clone())));
        forget_if_stale(prev, generation);
        forget_if_stale(current, generation);
        // Losing a race to another thread just means one spare thread, which ends with `new`.
        Ok(new)
    }
}

fn forget_if_stale(w: Option<Arc<Worker>>, generation: u64) {
    if let Some(w) = w {
        if w.generation != generation {
            std::mem::forget(w);
        }
    }
}

impl Drop for SyncPoster {
    fn drop(&mut self) {
        if let Some(slot) = &self.worker {
            forget_if_stale(slot.swap(None), fork::generation());
        }
    }
}

impl Transport for SyncPoster {
    fn post(
        &self,
        url: &str,
        form: &WireForm,
        headers: &[(&str, &str)],
        timeout: Option<Duration>,
    ) -> std::result::Result<HttpResponse, TransportError> {
        let Some(slot) = &self.worker else {
            return self.transport.post(url, form, headers, timeout);
        };
        let worker = Self::worker(slot)
            .map_err(|e| TransportError::new(TransportErrorKind::Fatal, e.message()))?;
        let transport = self.transport.clone();
        let url = url.to_owned();
        let form = form.clone();
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let (reply, answer) = bounded(1);
        let job: Job = Box::new(move || {
            let h: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let r = catch_unwind(AssertUnwindSafe(|| {
                transport.post(&url, &form, &h, timeout)
            }))
            .unwrap_or_else(|_| {
                Err(TransportError::new(
                    TransportErrorKind::Fatal,
                    "the HTTP transport panicked",
                ))
            });
            let _ = reply.send(r);
        });
        let lost =
            || TransportError::new(TransportErrorKind::Fatal, "the HTTP sender thread is gone");
        worker.jobs.send(job).map_err(|_| lost())?;
        answer.recv().map_err(|_| lost())?
    }

    fn needs_own_thread(&self) -> bool {
        false
    }

    fn gzip(&self) -> bool {
        self.transport.gzip()
    }
}
