//! Writing the file consumers' full buffers on a thread of their own, so that `track()` does
//! not wait for `write(2)`: copying a record into the page cache costs about 100 ns here, a
//! sixth of the whole record, and it can run on another core while the caller builds the next
//! records.
//!
//! At most one buffer is in flight. A caller that fills the next buffer before the previous
//! one is written waits for it, so memory stays at two buffers and the file gets the buffers
//! in order. A buffer that fails to write comes back to its consumer, which keeps its records
//! for the next attempt and reports the error, as the synchronous write did.
//!
//! The thread starts with the first full buffer. If it cannot be started, buffers are written
//! on the caller's thread, as before. After a fork the child has no such thread: consumers
//! call [`WriteBehind::forsake`] and start afresh.

use std::fs::File;
use std::io::{self, Write as _};
use std::mem;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{bounded, Receiver, Sender};

/// Where a buffer goes: the file (shared with the consumer, so a rotated or re-dated file
/// still receives the buffers that belong to it), and whether to hold `flock` while writing.
#[derive(Clone)]
pub(crate) struct Target {
    pub file: Arc<File>,
    pub path: PathBuf,
    pub flock: bool,
}

/// A buffer that could not be written: the bytes not written (a write can stop part way, at a
/// size limit or a full disk; what went out is not sent twice), and why.
pub(crate) struct Failed {
    pub error: io::Error,
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

impl Failed {
    /// Puts the unwritten bytes back in front of `buffer` (the lines buffered since), so the
    /// next write sends them first, in order; what remains is where and why, for the error.
    pub fn put_back(self, buffer: &mut Vec<u8>) -> (PathBuf, io::Error) {
        let mut kept = self.bytes;
        kept.extend_from_slice(buffer);
        *buffer = kept;
        (self.path, self.error)
    }
}

struct Job {
    target: Target,
    bytes: Vec<u8>,
}

/// The result of one job: the emptied buffer to fill again, or the failure.
type Done = std::result::Result<Vec<u8>, Failed>;

struct Worker {
    jobs: Sender<Job>,
    done: Receiver<Done>,
    thread: JoinHandle<()>,
}

pub(crate) struct WriteBehind {
    worker: Option<Worker>,
    in_flight: bool,
    /// An emptied buffer, ready to be filled.
    spare: Vec<u8>,
    /// The worker could not be started: write on the caller's thread.
    inline: bool,
}

/// One buffer out, as one `write(2)` on an `O_APPEND` descriptor (a regular file takes it
/// whole unless it hits a limit or a full disk), under `flock` when the target asks for it.
/// On failure, `bytes` keeps only what was not written.
fn write_out(target: &Target, bytes: &mut Vec<u8>) -> io::Result<()> {
    let _lock = if target.flock { Some(Flock::lock(&target.file)?) } else { None };
    let mut written = 0;
    while written < bytes.len() {
        match (&*target.file).write(&bytes[written..]) {
            Ok(0) => {
                bytes.drain(..written);
                return Err(io::ErrorKind::WriteZero.into());
            }
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                bytes.drain(..written);
                return Err(e);
            }
        }
    }
    bytes.clear();
    Ok(())
}

/// Holds `flock(LOCK_EX)` on a file for as long as it lives.
struct Flock<'f>(&'f File);

impl<'f> Flock<'f> {
    fn lock(file: &'f File) -> io::Result<Self> {
        use std::os::fd::AsRawFd;
        loop {
            // SAFETY: flock on a descriptor the caller owns; no memory is involved.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
                return Ok(Flock(file));
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}

impl Drop for Flock<'_> {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: as above. Closing the descriptor would release the lock anyway.
        unsafe {
            libc::flock(self.0.as_raw_fd(), libc::LOCK_UN);
        }
    }
}

fn run(jobs: Receiver<Job>, done: Sender<Done>) {
    for Job { target, mut bytes } in jobs {
        let result = match write_out(&target, &mut bytes) {
            Ok(()) => Ok(bytes),
            Err(error) => Err(Failed { error, path: target.path, bytes }),
        };
        if done.send(result).is_err() {
            return;
        }
    }
}

impl WriteBehind {
    pub fn new() -> Self {
        WriteBehind { worker: None, in_flight: false, spare: Vec::new(), inline: false }
    }

    fn worker(&mut self) -> Option<&Worker> {
        if self.worker.is_none() && !self.inline {
            let (jobs, job_rx) = bounded::<Job>(1);
            let (done_tx, done) = bounded::<Done>(1);
            match std::thread::Builder::new()
                .name("sa-file-writer".into())
                .spawn(move || run(job_rx, done_tx))
            {
                Ok(thread) => self.worker = Some(Worker { jobs, done, thread }),
                Err(_) => self.inline = true,
            }
        }
        self.worker.as_ref()
    }

    /// Hands `buffer` over to be written after the one in flight, and leaves an empty buffer
    /// in its place. If the one in flight failed, `buffer` stays where it is and the failure
    /// comes back instead, so the consumer can put the failed lines in front of it, in order.
    pub fn submit(&mut self, target: &Target, buffer: &mut Vec<u8>) -> std::result::Result<(), Failed> {
        self.wait()?;
        if buffer.is_empty() {
            return Ok(());
        }
        let capacity = buffer.capacity();
        let mut next = mem::take(&mut self.spare);
        next.reserve(capacity);
        let bytes = mem::replace(buffer, next);
        let job = Job { target: target.clone(), bytes };
        let job = match self.worker() {
            Some(w) => match w.jobs.send(job) {
                Ok(()) => {
                    self.in_flight = true;
                    return Ok(());
                }
                // The worker is gone (it only stops when its channel closes): write here.
                Err(e) => e.into_inner(),
            },
            None => job,
        };
        let Job { target, mut bytes } = job;
        match write_out(&target, &mut bytes) {
            Ok(()) => {
                self.spare = bytes;
                Ok(())
            }
            Err(error) => Err(Failed { error, path: target.path, bytes }),
        }
    }

    /// Waits until the buffer in flight is written; reports its failure, if it failed.
    pub fn wait(&mut self) -> std::result::Result<(), Failed> {
        if !mem::take(&mut self.in_flight) {
            return Ok(());
        }
        let Some(w) = &self.worker else { return Ok(()) };
        match w.done.recv() {
            Ok(Ok(emptied)) => {
                self.spare = emptied;
                Ok(())
            }
            Ok(Err(failed)) => Err(failed),
            // Only if the worker panicked, which `write_out` does not do.
            Err(_) => Ok(()),
        }
    }

    /// In a fork child: the worker thread does not exist here, and the buffer in flight is
    /// the parent's to write. Drop our hold of both without touching them (their locks may
    /// have been held by the parent's thread at the fork) and start afresh. This leaks the
    /// few bytes of the channel handles once per fork, never the parent's data.
    pub fn forsake(&mut self) {
        mem::forget(mem::replace(self, WriteBehind::new()));
    }
}

impl Drop for WriteBehind {
    /// Stops the worker after the buffer in flight (closing its channel ends its loop).
    fn drop(&mut self) {
        if let Some(Worker { jobs, done, thread }) = self.worker.take() {
            drop(jobs);
            drop(done);
            let _ = thread.join();
        }
    }
}
