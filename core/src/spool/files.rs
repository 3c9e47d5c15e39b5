//! The spool directory: segment files, who owns them, and adopting a dead process's.
//!
//! Each process writes its own segment files, named
//! `<creation time, ns, 20 digits>-<pid>-<random>-<seq>.saspool`, so that names sort oldest
//! first across processes. The owner holds an exclusive `flock` on every segment it has open
//! until it deletes it: a segment whose lock can be taken belongs to a process that exited,
//! crashed or was killed, and whoever takes the lock adopts it (exactly once: the lock stays
//! held while the adopter sends it, then the file is deleted).
//!
//! A segment is created under a `.tmp` name, locked, given its header and only then renamed,
//! so that nobody can adopt a segment between its creation and its owner's lock.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::format::{self, Header};
use crate::error::{Error, Result};
use crate::fork::CloseInChild;

pub(crate) const EXT: &str = "saspool";

fn flock(file: &File, blocking: bool) -> io::Result<()> {
    let op = libc::LOCK_EX | if blocking { 0 } else { libc::LOCK_NB };
    // SAFETY: flock on a descriptor we own.
    if unsafe { libc::flock(file.as_raw_fd(), op) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// A segment as the reader knows it.
#[derive(Debug)]
pub(crate) struct Segment {
    pub name: String,
    pub path: PathBuf,
    /// Declared before `file`, so dropped before it is closed (see fork.rs).
    _fork: CloseInChild,
    /// Open, and locked by this process.
    pub file: File,
}

impl Segment {
    pub fn new(name: String, path: PathBuf, file: File) -> Self {
        let fork = CloseInChild::new(file.as_raw_fd());
        Segment { name, path, _fork: fork, file }
    }
}

/// Creates the directory if needed and checks that we can write there and that nothing in
/// it was written by a newer SDK. Errors are the caller's at construction.
pub(crate) fn check_dir(dir: &Path) -> Result<()> {
    let err = |what: &str, e: io::Error| {
        Error::FileLock(format!("spool_dir {}: {what}: {e}", dir.display()))
    };
    fs::create_dir_all(dir).map_err(|e| err("cannot create it", e))?;
    let probe = dir.join(format!(".probe-{}-{:08x}.tmp", std::process::id(), crate::rand::u64() as u32));
    File::create(&probe)
        .and_then(|mut f| f.write_all(b"x"))
        .map_err(|e| err("cannot write there", e))?;
    let _ = fs::remove_file(&probe);
    for entry in fs::read_dir(dir).map_err(|e| err("cannot list it", e))? {
        let Ok(entry) = entry else { continue };
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some(EXT) {
            continue;
        }
        let mut head = [0u8; format::HEADER_LEN];
        let n = File::open(&path).and_then(|mut f| read_up_to(&mut f, &mut head)).unwrap_or(0);
        if let Header::Newer(v) = format::check_header(&head[..n]) {
            return Err(Error::FileLock(format!(
                "spool_dir {}: {} was written by a newer SDK (spool format {v}, this SDK reads {}); \
                 upgrade this SDK or use another spool_dir",
                dir.display(),
                path.display(),
                format::VERSION
            )));
        }
    }
    Ok(())
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Names this process's segments.
pub(crate) struct Namer {
    dir: PathBuf,
    tag: String,
    seq: u64,
}

impl Namer {
    pub fn new(dir: &Path) -> Self {
        Namer {
            dir: dir.to_owned(),
            tag: format!("{}-{:08x}", std::process::id(), crate::rand::u64() as u32),
            seq: 0,
        }
    }

    /// Creates, locks and heads a new segment; returns it with its header written.
    pub fn create(&mut self) -> io::Result<Segment> {
        self.seq += 1;
        let ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!("{ns:020}-{}-{:06}.{EXT}", self.tag, self.seq);
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let path = self.dir.join(&name);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(&tmp)?;
        flock(&file, true)?;
        let done = file
            .write_all(&format::header())
            .and_then(|()| fs::rename(&tmp, &path));
        if let Err(e) = done {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(Segment::new(name, path, file))
    }
}

/// What a scan for orphaned segments found.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub adopted: Vec<Segment>,
    /// Newer-format files left alone, damaged files set aside: what to tell the user.
    pub problems: Vec<String>,
    /// Records in damaged files set aside (counted as corrupt).
    pub set_aside: u64,
}

/// Adopts every segment in `dir` that no living process holds and that `known` (ours)
/// does not name.
pub(crate) fn adopt_orphans(dir: &Path, known: &dyn Fn(&str) -> bool) -> Scan {
    let mut scan = Scan::default();
    let Ok(entries) = fs::read_dir(dir) else {
        return scan;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(EXT) && !n.starts_with('.') && !known(n))
        .collect();
    names.sort();
    for name in names {
        let path = dir.join(&name);
        let Ok(mut file) = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(&path)
        else {
            continue;
        };
        if flock(&file, false).is_err() {
            continue; // a living process owns it
        }
        // Taken the lock: but its owner may have deleted it just before we opened it.
        if !path.exists() {
            continue;
        }
        let mut head = [0u8; format::HEADER_LEN];
        let n = read_up_to(&mut file, &mut head).unwrap_or(0);
        match format::check_header(&head[..n]) {
            Header::Ours => scan.adopted.push(Segment::new(name, path, file)),
            Header::Short => {
                // Created and never written: nothing to send.
                let _ = fs::remove_file(&path);
            }
            Header::Newer(v) => scan.problems.push(format!(
                "{} is in spool format {v}, newer than this SDK's {}: left for a newer SDK",
                path.display(),
                format::VERSION
            )),
            Header::Bad => {
                let aside = path.with_extension("bad");
                let _ = fs::rename(&path, &aside);
                scan.set_aside += 1;
                scan.problems.push(format!(
                    "{} is not a spool file (damaged header): moved to {}",
                    path.display(),
                    aside.display()
                ));
            }
        }
    }
    scan
}
