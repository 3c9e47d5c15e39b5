//! The threads that post batches: each takes a [`Batch`], gzips it (once: the form is kept
//! for its retries), makes ONE attempt and hands the batch back with the outcome. Waiting
//! for a retry is never a sender's business: the dispatcher keeps such batches in its retry
//! queue with their not-before time, so a failing batch never holds a sender (issue 12).
//!
//! Gzip runs here rather than in the dispatcher so that several batches compress in
//! parallel. Used by both dispatchers: the in-memory one (`pipeline.rs`) and the spool's.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Receiver, Sender};

use super::encode::{encode_data_list_with, WireForm};
use super::retry::{attempt, Attempt, Request};
use super::transport::Transport;
use crate::error::{Error, Result};

/// Records sent in one request, with what their retries need.
#[derive(Debug)]
pub(crate) struct Batch {
    /// Who it belongs to: the in-memory pipeline's record index, or a spool segment's key.
    pub id: u64,
    /// Where in its spool segment it starts (0 for the in-memory pipeline).
    pub offset: u64,
    pub records: Vec<String>,
    /// The encoded form, kept after the first attempt so that a retry does not gzip again.
    pub form: Option<WireForm>,
    /// Attempts made while the receiver was thought up (probes do not count).
    pub attempts: u32,
    /// When this batch's retry budget started: its first attempt while the receiver was up.
    pub first_try: Option<Instant>,
    /// The earliest time its next attempt may start.
    pub not_before: Instant,
}

impl Batch {
    pub fn new(id: u64, records: Vec<String>) -> Self {
        Batch {
            id,
            offset: 0,
            records,
            form: None,
            attempts: 0,
            first_try: None,
            not_before: Instant::now(),
        }
    }
}

pub(crate) struct Outcome {
    pub batch: Batch,
    pub result: Attempt,
    /// Which sender made the attempt: it is free again.
    pub sender: usize,
}

/// The dispatcher's end of the sender threads: each has its own channel, and a batch goes to
/// the one that became free last. With one channel shared by all, every batch woke whichever
/// sender was parked (the spool keeps six for replay while two are enough for live records),
/// and each sender going idle spun and yielded against the others: measured at 250 000
/// `track()` calls/s with a spool, 40% more context switches per record, and a quarter more
/// background CPU, on the cores the callers need. The last one free is still warm, and the
/// rest stay parked until a replay needs them.
pub(crate) struct Senders {
    work: Vec<Sender<Batch>>,
    /// Free senders, the one that became free last at the end.
    idle: Vec<usize>,
}

impl Senders {
    /// Hands `batch` to a free sender (to the first one's queue if, against the dispatcher's
    /// bookkeeping, none is free: it waits there rather than being lost).
    pub fn send(&mut self, batch: Batch) {
        let i = self.idle.pop().unwrap_or(0);
        // Unbounded, and the senders outlive the dispatcher's use of it: cannot fail.
        let _ = self.work[i].send(batch);
    }

    /// Sender `i` handed its batch back.
    pub fn returned(&mut self, i: usize) {
        if !self.idle.contains(&i) {
            self.idle.push(i);
        }
    }
}

/// How a sender makes its one attempt at a batch. HTTP is [`HttpPost`]; another sink plugs
/// into the same dispatchers (retry queue, receiver health, spool, flush and close bounds) by
/// implementing this. Called on a sender thread; a panic is caught and made a final error.
pub(crate) trait Post: Send + Sync {
    fn attempt(&self, batch: &mut Batch) -> Attempt;
}

/// Posts a batch to a Sensors receiver: gzip + Base64 once (the form is kept in the batch for
/// its retries), then one request.
pub(crate) struct HttpPost {
    pub url: String,
    pub timeout: Option<Duration>,
    pub transport: Arc<dyn Transport>,
}

impl Post for HttpPost {
    fn attempt(&self, batch: &mut Batch) -> Attempt {
        let req = Request {
            url: &self.url,
            headers: super::sdk_headers(false),
            timeout: self.timeout,
        };
        let form = batch
            .form
            .take()
            .unwrap_or_else(|| encode_data_list_with(&batch.records, self.transport.gzip()));
        let result = attempt(&*self.transport, &req, &form);
        batch.form = Some(form);
        result
    }
}

/// Starts `n` sender threads named `{name}-{i}`. They end when the [`Senders`] returned is
/// dropped; `alive` is held by each until it ends, and released only after its clone of
/// `post`: the last one may own resources (Kafka's replay producer) that must be gone when
/// `close()` sees the threads end, not destroyed after it returned (valgrind saw
/// librdkafka's queues still alive at exit).
pub(crate) fn start(
    n: usize,
    name: &str,
    post: Arc<dyn Post>,
    alive: Sender<()>,
) -> Result<(Senders, Receiver<Outcome>, Vec<JoinHandle<()>>)> {
    let (done_tx, done_rx) = unbounded::<Outcome>();
    let n = n.max(1);
    let mut senders = Senders {
        work: Vec::with_capacity(n),
        // Reversed, so that sender 0 is the first one used.
        idle: (0..n).rev().collect(),
    };
    let mut handles = Vec::new();
    for i in 0..n {
        let (work_tx, work) = unbounded::<Batch>();
        senders.work.push(work_tx);
        let (post, done, alive) = (post.clone(), done_tx.clone(), alive.clone());
        let h = crate::background::spawn(format!("{name}-{i}"), move || {
            let _alive = alive;
            run(&*post, i, work, done);
            drop(post);
        })
        .map_err(|e| Error::Network(format!("cannot start the sender threads: {e}")))?;
        handles.push(h);
    }
    Ok((senders, done_rx, handles))
}

fn run(post: &dyn Post, sender: usize, work: Receiver<Batch>, done: Sender<Outcome>) {
    for mut batch in work {
        let result = catch_unwind(AssertUnwindSafe(|| post.attempt(&mut batch)))
            .unwrap_or_else(|_| Attempt::Final(Error::Network("the sender panicked".into())));
        // The dispatcher outlives its senders' batches; if it is gone, so is the consumer.
        let _ = done.send(Outcome { batch, result, sender });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A Post whose release takes a while, as dropping a Kafka producer does.
    struct SlowToDrop(Arc<AtomicBool>);

    impl Post for SlowToDrop {
        fn attempt(&self, _: &mut Batch) -> Attempt {
            Attempt::Delivered
        }
    }

    impl Drop for SlowToDrop {
        fn drop(&mut self) {
            std::thread::sleep(Duration::from_millis(100));
            self.0.store(true, Ordering::SeqCst);
        }
    }

    struct Deliver;

    impl Post for Deliver {
        fn attempt(&self, _: &mut Batch) -> Attempt {
            Attempt::Delivered
        }
    }

    #[test]
    fn a_batch_goes_to_the_sender_free_last_and_the_others_stay_parked() {
        let (alive_tx, _alive_rx) = unbounded::<()>();
        let (mut senders, done, _handles) = start(6, "test-send", Arc::new(Deliver), alive_tx).unwrap();
        let mut used = std::collections::BTreeSet::new();
        for i in 0..50 {
            senders.send(Batch::new(i, vec![]));
            let o = done.recv_timeout(Duration::from_secs(10)).unwrap();
            used.insert(o.sender);
            senders.returned(o.sender);
        }
        // One at a time: the same sender every time, five never woken.
        assert_eq!(used.into_iter().collect::<Vec<_>>(), vec![0]);
        // Two at a time: two senders.
        let mut used = std::collections::BTreeSet::new();
        senders.send(Batch::new(0, vec![]));
        for i in 0..50 {
            senders.send(Batch::new(i, vec![]));
            let o = done.recv_timeout(Duration::from_secs(10)).unwrap();
            used.insert(o.sender);
            senders.returned(o.sender);
        }
        assert_eq!(used.len(), 2, "{used:?}");
    }

    #[test]
    fn a_sender_releases_its_post_before_it_counts_as_ended() {
        let released = Arc::new(AtomicBool::new(false));
        let (alive_tx, alive_rx) = unbounded::<()>();
        let (senders, _done, handles) =
            start(2, "test-send", Arc::new(SlowToDrop(released.clone())), alive_tx).unwrap();
        drop(senders);
        // What close() waits on: every `alive` sender dropped.
        assert!(alive_rx.recv_timeout(Duration::from_secs(10)).is_err());
        assert!(released.load(Ordering::SeqCst), "the threads ended with the Post still alive");
        for h in handles {
            h.join().unwrap();
        }
    }
}
