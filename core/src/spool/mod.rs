//! The on-disk spool of the batch consumers (`spool_dir`, issue 12): with it, every record
//! `send` accepts is written to a segment file within milliseconds by a writer thread
//! (`writer.rs`), and the dispatcher (`deliver.rs`) sends from the segments, oldest first,
//! deleting each once delivered. So a record handed over is delivered, or on disk waiting
//! for the receiver, or was refused at the call: a down receiver, a close whose bound ran
//! out, an exit, a crash or a SIGKILL leave it on disk, and the next process that opens the
//! directory sends it (`files.rs`: one set of files per process, `flock` tells the living
//! from the dead). The format is in `format.rs`.
//!
//! One piece of code for both consumers: AsyncBatchConsumer and BatchConsumer both run
//! [`start`] behind the same channel the in-memory pipeline uses.

mod deliver;
mod files;
pub(crate) mod format;

#[doc(hidden)]
pub use format::{read_spool_file, FileRead};
mod writer;

use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{unbounded, Receiver, Sender};

use crate::error::{Error, Result};
use crate::http::pipeline::{Item, Settings};
use crate::http::senders::{self, Post};
use crate::http::Counters;

pub(crate) use files::check_dir;

/// What the spool needs, fixed at construction (normalised in `consumer/options.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolConfig {
    pub dir: PathBuf,
    /// When the spool holds this much, `send` refuses records with the network error.
    pub max_bytes: u64,
    /// `fdatasync` after every group of writes: survives power loss, costs a disk flush.
    pub fsync: bool,
}

/// What the writer tells the dispatcher, in order.
pub(crate) enum Event {
    /// A new segment of ours (its own descriptor for reading).
    Segment(files::Segment),
    /// Frames written: the segment's length now, and the records they hold (moved, not
    /// copied: the dispatcher sends them from memory instead of reading them back, while
    /// it has room for them; see `deliver.rs`).
    Committed(String, u64, Vec<String>),
    /// No more writes to this segment; its final length.
    Sealed(String, u64),
    /// A flush: where the records queued before it end (`None`: nothing was ever written).
    Marker(Option<(String, u64)>, Sender<bool>),
    /// The channel is closed and every segment sealed.
    Close,
}

/// Starts the writer, the dispatcher and the senders; `rx` is the channel `send` feeds.
/// Every thread holds `alive` until it ends.
pub(crate) fn start(
    spool: &SpoolConfig,
    settings: Arc<Settings>,
    post: Arc<dyn Post>,
    counters: Arc<Counters>,
    rx: Receiver<Item>,
    abort: Receiver<()>,
    alive: Sender<()>,
) -> Result<Vec<JoinHandle<()>>> {
    let (events_tx, events_rx) = unbounded();
    let (work, done, mut handles) = senders::start(
        deliver::replay_in_flight(&settings),
        "sensorsanalytics-spool-send",
        post,
        alive.clone(),
    )?;
    let spawn_error = |e: std::io::Error| {
        Error::Network(format!("cannot start the spool threads: {e}"))
    };
    let writer = writer::Writer {
        settings: settings.clone(),
        counters: counters.clone(),
        namer: files::Namer::new(&spool.dir),
        fsync: spool.fsync,
        rx,
        events: events_tx,
        last_end: None,
    };
    let alive_w = alive.clone();
    handles.push(
        crate::background::spawn("sensorsanalytics-spool-write".into(), move || {
            let _alive = alive_w;
            writer.run();
        })
        .map_err(spawn_error)?,
    );
    let deliverer = deliver::Deliverer::new(
        settings,
        counters,
        spool.dir.clone(),
        events_rx,
        work,
        done,
        abort,
    );
    handles.push(
        crate::background::spawn("sensorsanalytics-spool-send".into(), move || {
            let _alive = alive;
            deliverer.run();
        })
        .map_err(spawn_error)?,
    );
    Ok(handles)
}
