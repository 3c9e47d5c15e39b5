//! What a fork child must know and undo, from a `pthread_atfork` child handler:
//! - that it is a fork child, cheaply: a counter bumped by the handler. Reading it is one
//!   atomic load, where `getpid()` would be a syscall per record;
//! - descriptors it must not keep: a spool segment's file holds its owner's `flock`, and a
//!   lock lasts as long as any process has the file open. A child that kept its parent's
//!   would make a dead parent's segments look alive, and nobody could adopt them until the
//!   child exited. The parent's threads do not exist in the child and its stale pipeline is
//!   leaked, never dropped (see async_batch.rs), so closing them here is the only close.

use std::os::unix::io::RawFd;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::Once;

static GENERATION: AtomicU64 = AtomicU64::new(0);
static INSTALL: Once = Once::new();

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
    INSTALL.call_once(|| {
        // SAFETY: registering an async-signal-safe handler is sound; the return code only
        // reports ENOMEM, in which case we fall back to never seeing forks (as before).
        unsafe {
            libc::pthread_atfork(None, None, Some(in_child));
        }
    });
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
