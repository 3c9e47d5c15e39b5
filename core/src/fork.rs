//! What a fork child must know and undo, from a `pthread_atfork` child handler:
//! - that it is a fork child, cheaply: a counter bumped by the handler. Reading it is one
//!   atomic load, where `getpid()` would be a syscall per record;
//! - descriptors it must not keep: a spool segment's file holds its owner's `flock`, and a
//!   lock lasts as long as any process has the file open. A child that kept its parent's
//!   would make a dead parent's segments look alive, and nobody could adopt them until the
//!   child exited. The parent's threads do not exist in the child and its stale pipeline is
//!   leaked, never dropped (see async_batch.rs), so closing them here is the only close.

use std::os::unix::io::RawFd;
use std::sync::atomic::{AtomicI32, AtomicU64, AtomicU8, Ordering};
use std::time::{Duration, Instant};

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Whether the child handler is registered: [`NONE`], [`BUSY`] (a thread is registering it)
/// or [`DONE`]. Not a `Once`: a process that forks while another thread is inside a `Once`
/// leaves the child a `Once` that never completes, and the child's first consumer waited on
/// it forever.
static INSTALL: AtomicU8 = AtomicU8::new(NONE);
const NONE: u8 = 0;
const BUSY: u8 = 1;
const DONE: u8 = 2;
/// How long a thread waits for another to register the handler (which takes microseconds)
/// before it concludes that it is in a fork child where that thread no longer exists.
const INSTALL_WAIT: Duration = Duration::from_millis(20);

/// Descriptors closed in a fork child; -1 is a free slot. A fixed table of atomics, because
/// the child handler may only do async-signal-safe things (no lock, no allocation). A
/// process with more spool files open than this keeps the rest in its children, as before.
const SLOTS: usize = 256;
static CLOSE_IN_CHILD: [AtomicI32; SLOTS] = [const { AtomicI32::new(-1) }; SLOTS];

extern "C" fn in_child() {
    // Async-signal-safe: atomics and close(2), nothing else.
    GENERATION.fetch_add(1, Ordering::SeqCst);
    for slot in &CLOSE_IN_CHILD {
        let fd = slot.swap(-1, Ordering::SeqCst);
        if fd >= 0 {
            // SAFETY: the descriptor was registered by its owner, which deregisters before it
            // closes, so in this child it is still the owner's; nothing here closes it again.
            unsafe { libc::close(fd) };
        }
    }
}

fn install() {
    if INSTALL.load(Ordering::Acquire) == DONE {
        return;
    }
    let start = Instant::now();
    loop {
        match INSTALL.compare_exchange(NONE, BUSY, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => break,
            Err(DONE) => return,
            // Registering twice is harmless (the handler's second run finds nothing left to
            // close and bumps the count again): better than waiting for a thread that a fork
            // left behind.
            Err(_) if start.elapsed() >= INSTALL_WAIT => break,
            Err(_) => std::thread::yield_now(),
        }
    }
    // SAFETY: registering an async-signal-safe handler is sound; the return code only
    // reports ENOMEM, in which case we fall back to never seeing forks (as before).
    unsafe {
        libc::pthread_atfork(None, None, Some(in_child));
    }
    INSTALL.store(DONE, Ordering::Release);
}

/// A number that changes in a child process after every `fork()`.
pub fn generation() -> u64 {
    install();
    GENERATION.load(Ordering::Relaxed)
}

/// Keeps a descriptor out of fork children for as long as it lives: hold it beside the file
/// and drop it first (declare it before the file's field), so that it is deregistered before
/// the descriptor is closed and its number can be reused.
#[derive(Debug)]
pub(crate) struct CloseInChild(Option<usize>);

impl CloseInChild {
    pub fn new(fd: RawFd) -> Self {
        install();
        let slot = CLOSE_IN_CHILD
            .iter()
            .position(|s| s.compare_exchange(-1, fd, Ordering::SeqCst, Ordering::SeqCst).is_ok());
        CloseInChild(slot)
    }
}

impl Drop for CloseInChild {
    fn drop(&mut self) {
        if let Some(i) = self.0 {
            CLOSE_IN_CHILD[i].store(-1, Ordering::SeqCst);
        }
    }
}

/// Something whose threads live in one process only (a consumer's background engine): a fork
/// child must neither use nor drop its parent's, and makes its own instead.
pub(crate) trait PerProcess {
    /// The [`generation`] it was made in.
    fn generation(&self) -> u64;
}

/// The slot's value if it was made in this process.
pub(crate) fn own<T: PerProcess>(slot: &arc_swap::ArcSwapOption<T>) -> Option<std::sync::Arc<T>> {
    slot.load_full().filter(|e| e.generation() == generation())
}

/// The slot's value if it was made in this process; else one made now by `start`, which a
/// racing thread may have beaten (then its value is returned and ours dropped).
pub(crate) fn own_or_start<T: PerProcess>(
    slot: &arc_swap::ArcSwapOption<T>,
    start: impl FnOnce(u64) -> crate::Result<T>,
) -> crate::Result<std::sync::Arc<T>> {
    use std::sync::Arc;
    let generation = generation();
    let current = slot.load_full();
    if let Some(e) = &current {
        if e.generation() == generation {
            return Ok(e.clone());
        }
    }
    let new = Arc::new(start(generation)?);
    let prev = arc_swap::Guard::into_inner(slot.compare_and_swap(&current, Some(new.clone())));
    let won = match (&prev, &current) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    };
    forget_if_stale(prev);
    forget_if_stale(current);
    if won {
        Ok(new)
    } else {
        own(slot).ok_or_else(|| crate::Error::Network("the background sender was replaced".into()))
    }
}

/// Leaks a value a parent process made: its threads do not exist here, and dropping it could
/// wait for them or on a lock one of them held at the fork.
pub(crate) fn forget_if_stale<T: PerProcess>(e: Option<std::sync::Arc<T>>) {
    if let Some(e) = e {
        if e.generation() != generation() {
            std::mem::forget(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process forked while one of its threads was registering the handler: the child has
    /// the "registering" state but not the thread. Its first consumer must not wait for it.
    #[test]
    fn a_child_forked_while_the_handler_was_being_registered_does_not_hang() {
        install();
        INSTALL.store(BUSY, Ordering::SeqCst);
        // SAFETY: the child only reads atomics, registers the handler and leaves with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            generation();
            let code = if INSTALL.load(Ordering::SeqCst) == DONE { 0 } else { 1 };
            unsafe { libc::_exit(code) };
        }
        INSTALL.store(DONE, Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut status = 0;
        // SAFETY: waitpid and kill on the child this test made.
        while unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } == 0 {
            if Instant::now() > deadline {
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                    libc::waitpid(pid, &mut status, 0);
                }
                panic!("the child waited for a registration that could never finish");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "status {status}");
    }
}
