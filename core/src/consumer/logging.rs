//! `LoggingConsumer(prefix, backupCount=0, when='midnight')`: appends records to the file
//! `prefix` and rotates it on time as Python's `TimedRotatingFileHandler` does: the old file is
//! renamed `prefix.<suffix>` (the suffix names the interval that ended) and, with
//! `backupCount > 0`, only that many rotated files are kept.
//!
//! Unlike the reference (a flush per record), lines are buffered and written in blocks, each
//! ending on a line boundary, by a writer thread ([`WriteBehind`]); a flush, close, rotation or
//! drop writes them out and waits for them.
//!
//! After a fork, the child drops the lines it inherited in the buffer (the parent still holds
//! and writes them; writing them twice would duplicate them) and opens the file anew.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{Datelike, Local, TimeZone, Timelike};

use super::write_behind::{Failed, Target, WriteBehind};
use super::Consumer;
use crate::error::{Error, Result};
use crate::fork;

const DAY: i64 = 86_400;
const BUFFER_BYTES: usize = 128 * 1024;

/// The rotation interval: Python's `when` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Second,
    Minute,
    Hour,
    Day,
    Midnight,
    /// Weekly, on this weekday at midnight (0 = Monday).
    Weekday(u8),
}

impl When {
    /// Parses Python's `when` (case-insensitive), with its error texts.
    pub fn parse(when: &str) -> Result<When> {
        let upper = when.to_ascii_uppercase();
        Ok(match upper.as_str() {
            "S" => When::Second,
            "M" => When::Minute,
            "H" => When::Hour,
            "D" => When::Day,
            "MIDNIGHT" => When::Midnight,
            w if w.starts_with('W') => {
                if w.len() != 2 {
                    return Err(Error::IllegalData(format!(
                        "You must specify a day for weekly rollover from 0 to 6 (0 is Monday): {upper}"
                    )));
                }
                match w.as_bytes()[1] {
                    d @ b'0'..=b'6' => When::Weekday(d - b'0'),
                    _ => {
                        return Err(Error::IllegalData(format!(
                            "Invalid day specified for weekly rollover: {upper}"
                        )))
                    }
                }
            }
            _ => return Err(Error::IllegalData(format!("Invalid rollover interval specified: {upper}"))),
        })
    }

    fn interval(self) -> i64 {
        match self {
            When::Second => 1,
            When::Minute => 60,
            When::Hour => 3600,
            When::Day | When::Midnight => DAY,
            When::Weekday(_) => 7 * DAY,
        }
    }

    /// The strftime suffix of the rotated file.
    fn suffix_format(self) -> &'static str {
        match self {
            When::Second => "%Y-%m-%d_%H-%M-%S",
            When::Minute => "%Y-%m-%d_%H-%M",
            When::Hour => "%Y-%m-%d_%H",
            _ => "%Y-%m-%d",
        }
    }

    /// Whether `name` (after `prefix.`) is a suffix this interval writes: what backupCount prunes.
    fn matches_suffix(self, suffix: &str) -> bool {
        let shape: &[u8] = match self {
            When::Second => b"dddd-dd-dd_dd-dd-dd",
            When::Minute => b"dddd-dd-dd_dd-dd",
            When::Hour => b"dddd-dd-dd_dd",
            _ => b"dddd-dd-dd",
        };
        suffix.len() == shape.len()
            && suffix.bytes().zip(shape).all(|(c, &s)| if s == b'd' { c.is_ascii_digit() } else { c == s })
    }

    /// The next rollover after `t` (epoch seconds), as `computeRollover` reckons it.
    fn next_rollover(self, t: i64) -> i64 {
        let (midnight_based, weekday) = match self {
            When::Midnight => (true, None),
            When::Weekday(d) => (true, Some(d)),
            _ => (false, None),
        };
        if !midnight_based {
            return t + self.interval();
        }
        let Some(local) = Local.timestamp_opt(t, 0).earliest() else { return t + self.interval() };
        let since_midnight = i64::from(local.num_seconds_from_midnight());
        let mut result = t + DAY - since_midnight;
        if let Some(target) = weekday {
            let day = local.weekday().num_days_from_monday() as u8;
            if day != target {
                let wait = if day < target { target - day } else { 6 - day + target + 1 };
                result += i64::from(wait) * DAY;
            }
        }
        // Land exactly on local midnight when a DST change lies in between.
        Local
            .timestamp_opt(result, 0)
            .earliest()
            .map(|r| {
                let off = i64::from(r.num_seconds_from_midnight());
                let back = if off > DAY / 2 { off - DAY } else { off };
                result - back
            })
            .unwrap_or(result)
    }
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

struct State {
    /// The open file; `None` once closed.
    target: Option<Target>,
    /// Lines not yet handed to the writer.
    buffer: Vec<u8>,
    behind: WriteBehind,
    rollover_at: i64,
    fork_generation: u64,
}

impl State {
    /// Hands the buffered lines to the writer thread.
    fn submit(&mut self) -> std::result::Result<(), Failed> {
        match &self.target {
            Some(target) => self.behind.submit(target, &mut self.buffer),
            None => Ok(()),
        }
    }

    /// Every line written: the buffered ones handed over, and the writer waited for.
    fn drain(&mut self) -> Result<()> {
        self.submit().and_then(|()| self.behind.wait()).map_err(|f| self.keep(f))
    }

    /// A buffer that failed goes back in front of the lines buffered since, for the next try.
    fn keep(&mut self, failed: Failed) -> Error {
        let (path, error) = failed.put_back(&mut self.buffer);
        io_error(&path, error)
    }
}

pub struct LoggingConsumer {
    path: PathBuf,
    when: When,
    backup_count: usize,
    state: Mutex<State>,
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::FileLock(format!("{}: {e}", path.display()))
}

fn open_append(path: &Path) -> Result<Target> {
    let file = OpenOptions::new().create(true).append(true).open(path).map_err(|e| io_error(path, e))?;
    Ok(Target { file: Arc::new(file), path: path.to_owned(), flock: false })
}

impl LoggingConsumer {
    /// `prefix` is the active file; `when` is Python's string (`"midnight"`, `"H"`, `"W0"`, ...).
    pub fn new(prefix: impl Into<PathBuf>, backup_count: usize, when: &str) -> Result<Self> {
        Self::with_when(prefix, backup_count, When::parse(when)?)
    }

    pub fn with_when(prefix: impl Into<PathBuf>, backup_count: usize, when: When) -> Result<Self> {
        let path = prefix.into();
        // As the reference: the first rollover counts from the file's mtime if it exists.
        let start = fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
            .map_or_else(now_secs, |d| d.as_secs() as i64);
        let file = open_append(&path)?;
        Ok(LoggingConsumer {
            path,
            when,
            backup_count,
            state: Mutex::new(State {
                target: Some(file),
                buffer: Vec::with_capacity(BUFFER_BYTES),
                behind: WriteBehind::new(),
                rollover_at: when.next_rollover(start),
                fork_generation: fork::generation(),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the file in a worse state than an I/O
        // error would: keep going with what is there.
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        self.after_fork(&mut state);
        state
    }

    /// In a fork child: forget the parent's buffered lines, and write through a file of our own.
    fn after_fork(&self, state: &mut State) {
        let generation = fork::generation();
        if generation == state.fork_generation {
            return;
        }
        state.fork_generation = generation;
        state.behind.forsake();
        state.buffer.clear();
        if state.target.take().is_some() {
            // If the file cannot be opened, sends report it as for a closed consumer.
            state.target = open_append(&self.path).ok();
        }
    }

    fn rotate(&self, state: &mut State, now: i64) -> Result<()> {
        // The lines so far belong to the file that is about to be renamed.
        state.drain()?;
        state.target = None;
        let ended = state.rollover_at - self.when.interval();
        let stamp = Local
            .timestamp_opt(ended, 0)
            .earliest()
            .map(|t| t.format(self.when.suffix_format()).to_string())
            .unwrap_or_default();
        let mut rotated = self.path.clone().into_os_string();
        rotated.push(".");
        rotated.push(&stamp);
        let rotated = PathBuf::from(rotated);
        if rotated.exists() {
            let _ = fs::remove_file(&rotated);
        }
        if self.path.exists() {
            fs::rename(&self.path, &rotated).map_err(|e| io_error(&self.path, e))?;
        }
        if self.backup_count > 0 {
            self.prune();
        }
        state.target = Some(open_append(&self.path)?);
        let mut next = self.when.next_rollover(now);
        while next <= now {
            next += self.when.interval();
        }
        state.rollover_at = next;
        Ok(())
    }

    /// Deletes the oldest rotated files beyond `backup_count`.
    fn prune(&self) {
        let (Some(dir), Some(base)) = (self.path.parent(), self.path.file_name()) else { return };
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        let prefix = format!("{}.", base.to_string_lossy());
        let Ok(entries) = fs::read_dir(dir) else { return };
        let mut rotated: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.strip_prefix(&prefix).is_some_and(|s| self.when.matches_suffix(s)))
            .collect();
        rotated.sort();
        let excess = rotated.len().saturating_sub(self.backup_count);
        for name in &rotated[..excess] {
            let _ = fs::remove_file(dir.join(name));
        }
    }
}

/// Epoch seconds for the rotation check of every record: the kernel's coarse clock (a read of
/// a value the vDSO keeps, no hardware timer read) is a few milliseconds behind at most, well
/// within the second that rotation times are reckoned in.
#[cfg(target_os = "linux")]
fn coarse_now_secs() -> i64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; clock_gettime only writes into it.
    if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME_COARSE, &mut ts) } == 0 {
        i64::from(ts.tv_sec)
    } else {
        now_secs()
    }
}

#[cfg(not(target_os = "linux"))]
fn coarse_now_secs() -> i64 {
    now_secs()
}

impl Consumer for LoggingConsumer {
    fn send(&self, record: &str) -> Result<()> {
        let mut state = self.lock();
        let now = coarse_now_secs();
        if now >= state.rollover_at {
            self.rotate(&mut state, now)?;
        }
        if state.target.is_none() {
            return Err(Error::FileLock(format!("{}: consumer is closed", self.path.display())));
        }
        // Hand the buffer over before a line that would not fit whole, so every write(2) ends
        // on a line boundary: another process appending to the same file never splits our lines.
        // A failed write comes back here: the error is this record's (it is not taken), and the
        // failed lines stay buffered for the next try.
        if state.buffer.len() + record.len() + 1 > BUFFER_BYTES && !state.buffer.is_empty() {
            state.submit().map_err(|f| state.keep(f))?;
        }
        state.buffer.extend_from_slice(record.as_bytes());
        state.buffer.push(b'\n');
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        self.lock().drain()
    }

    fn close(&self) -> Result<()> {
        let mut state = self.lock();
        let result = state.drain();
        state.target = None;
        // Stops the writer thread (there is nothing left for it).
        state.behind = WriteBehind::new();
        result
    }
}

impl Drop for LoggingConsumer {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_when() {
        assert_eq!(When::parse("midnight").unwrap(), When::Midnight);
        assert_eq!(When::parse("w3").unwrap(), When::Weekday(3));
        assert_eq!(When::parse("x").unwrap_err().message(), "Invalid rollover interval specified: X");
        assert!(When::parse("W7").is_err());
        assert!(When::parse("W").is_err());
    }

    #[test]
    fn suffix_shapes() {
        assert!(When::Hour.matches_suffix("2024-01-02_03"));
        assert!(!When::Hour.matches_suffix("2024-01-02"));
        assert!(When::Midnight.matches_suffix("2024-01-02"));
    }

    #[test]
    fn rollover_times() {
        assert_eq!(When::Minute.next_rollover(1000), 1060);
        let t = When::Midnight.next_rollover(now_secs());
        let local = Local.timestamp_opt(t, 0).unwrap();
        assert_eq!(local.num_seconds_from_midnight(), 0);
        // As Python: the rollover is the midnight that ends the target weekday.
        let w = When::Weekday(2).next_rollover(now_secs());
        assert_eq!(Local.timestamp_opt(w, 0).unwrap().weekday().num_days_from_monday(), 3);
    }
}
