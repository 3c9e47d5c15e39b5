//! The bytes of a spool segment file (docs/SPEC.md §4, ours).
//!
//! ```text
//! header  "SASPOOL\n" | version: u32 LE | flags: u32 LE (0)          16 bytes
//! frame   0x1E | len: u32 LE | crc32(payload): u32 LE | payload       9 + len bytes
//! ```
//! One frame holds one record (a JSON line, no newline). Framing a record rather than a
//! batch means a corrupt spot costs that record only, and the count of what was skipped is
//! exact. The 0x1E marker lets the reader find the next frame after a corrupt one: it tries
//! each 0x1E in turn and accepts the first whose length fits and whose CRC matches.
//! A torn tail (a crash mid-write) is a frame that runs past the end of the file.

pub(crate) const MAGIC: &[u8; 8] = b"SASPOOL\n";
/// Bumped for any change an older reader would misread; a reader refuses newer versions.
pub(crate) const VERSION: u32 = 1;
pub(crate) const HEADER_LEN: usize = 16;
const MARK: u8 = 0x1E;
pub(crate) const FRAME_HEAD: usize = 9;
/// No record is this long (the core refuses properties past a few MB long before), so a
/// longer length field is corruption, not a record.
pub(crate) const MAX_RECORD: usize = 64 << 20;

pub(crate) fn header() -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h
}

/// What a file's header says.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Header {
    Ours,
    /// Written by a newer SDK in a format this one would misread.
    Newer(u32),
    /// Not a spool file, or its header is damaged.
    Bad,
    /// Shorter than a header: created, never written (a crash right after creation).
    Short,
}

pub(crate) fn check_header(bytes: &[u8]) -> Header {
    if bytes.len() < HEADER_LEN {
        return Header::Short;
    }
    if &bytes[..8] != MAGIC {
        return Header::Bad;
    }
    let v = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    match v {
        VERSION => Header::Ours,
        v if v > VERSION => Header::Newer(v),
        _ => Header::Bad,
    }
}

fn crc(payload: &[u8]) -> u32 {
    crc32fast::hash(payload)
}

/// Appends one record's frame to `out`.
pub(crate) fn push_frame(out: &mut Vec<u8>, record: &[u8]) {
    out.reserve(FRAME_HEAD + record.len());
    out.push(MARK);
    out.extend_from_slice(&(record.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc(record).to_le_bytes());
    out.extend_from_slice(record);
}

/// What reading frames from a buffer gave.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Read {
    pub records: Vec<String>,
    /// Bytes of `buf` consumed (frames read and corrupt bytes skipped).
    pub consumed: usize,
    /// Corrupt frames skipped (a damaged spot counts once, however long).
    pub corrupt: u64,
    /// The buffer ends inside a frame: a torn tail if nothing more will be written.
    pub partial: bool,
}

/// Reads up to `max` frames from `buf` (which starts at a frame boundary, or at a damaged
/// spot). Stops early at a frame that runs past the end (`partial`).
pub(crate) fn read_frames(buf: &[u8], max: usize) -> Read {
    let mut r = Read::default();
    let mut pos = 0;
    let mut in_damage = false;
    while r.records.len() < max && pos < buf.len() {
        match parse_frame(&buf[pos..]) {
            Frame::Ok(len, record) => {
                pos += FRAME_HEAD + len;
                r.records.push(record);
                in_damage = false;
            }
            // Damage can look like the start of a frame longer than what follows; a whole
            // frame further on tells it from a frame still being written.
            Frame::Incomplete if !whole_frame_after(&buf[pos + 1..]) => {
                r.partial = true;
                break;
            }
            Frame::Incomplete | Frame::Bad => {
                if !in_damage {
                    r.corrupt += 1;
                    in_damage = true;
                }
                // Resynchronise at the next marker byte.
                pos += 1 + buf[pos + 1..]
                    .iter()
                    .position(|&b| b == MARK)
                    .unwrap_or(buf.len() - pos - 1);
            }
        }
    }
    r.consumed = pos;
    r
}

/// One batch from `buf`, which starts at `read_pos` and holds the committed rest of a
/// segment (`whole`) or only a chunk of it. `None`: read a bigger chunk (one record is longer
/// than this one). With the whole rest in hand, a frame that runs past its end cannot be
/// completed by a later commit (commits end at frame boundaries), so it is a torn tail or
/// damage up to the end: counted as one corrupt spot and consumed, so the reader moves on.
pub(crate) fn next_batch(buf: &[u8], max: usize, whole: bool) -> Option<Read> {
    let mut r = read_frames(buf, max);
    if r.records.is_empty() && r.partial {
        if !whole {
            return None;
        }
        if r.consumed < buf.len() {
            r.corrupt += 1;
            r.consumed = buf.len();
        }
    }
    Some(r)
}

/// What reading a whole spool file as the dispatcher does gave ([`read_spool_file`]).
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct FileRead {
    /// The header is ours (anything else is left alone or set aside, never read).
    pub readable: bool,
    pub records: Vec<String>,
    pub corrupt: u64,
    /// Batches read: bounded by the file's length, so the reader cannot loop.
    pub batches: usize,
}

/// Reads a spool file's bytes as the dispatcher reads a segment (`deliver.rs`): the header
/// check, then batches of at most `max` records through chunks of `chunk` bytes that grow
/// four-fold while one record does not fit. Pure, for the fuzz target `spool_reader`.
#[doc(hidden)]
pub fn read_spool_file(bytes: &[u8], max: usize, chunk: usize) -> FileRead {
    let mut out = FileRead::default();
    if check_header(bytes) != Header::Ours {
        return out;
    }
    out.readable = true;
    let (max, chunk) = (max.max(1), chunk.max(1));
    let mut pos = HEADER_LEN;
    while pos < bytes.len() {
        let rest = bytes.len() - pos;
        let mut want = rest.min(chunk);
        let r = loop {
            if let Some(r) = next_batch(&bytes[pos..pos + want], max, want == rest) {
                break r;
            }
            want = rest.min(want.saturating_mul(4));
        };
        out.batches += 1;
        out.corrupt += r.corrupt;
        out.records.extend(r.records);
        if r.consumed == 0 {
            // Nothing read and nothing skipped: the dispatcher would wait for more bytes.
            break;
        }
        pos += r.consumed;
    }
    out
}

/// Whether a whole, valid frame starts anywhere in `b`. Records never hold a raw 0x1E
/// (JSON escapes control characters), so only damage or a frame head can put one there.
fn whole_frame_after(b: &[u8]) -> bool {
    b.iter()
        .enumerate()
        .filter(|(_, &c)| c == MARK)
        .any(|(i, _)| matches!(parse_frame(&b[i..]), Frame::Ok(..)))
}

enum Frame {
    Ok(usize, String),
    Incomplete,
    Bad,
}

fn parse_frame(b: &[u8]) -> Frame {
    if b[0] != MARK {
        return Frame::Bad;
    }
    if b.len() < FRAME_HEAD {
        return Frame::Incomplete;
    }
    let len = u32::from_le_bytes([b[1], b[2], b[3], b[4]]) as usize;
    if len > MAX_RECORD {
        return Frame::Bad;
    }
    if b.len() < FRAME_HEAD + len {
        return Frame::Incomplete;
    }
    let want = u32::from_le_bytes([b[5], b[6], b[7], b[8]]);
    let payload = &b[FRAME_HEAD..FRAME_HEAD + len];
    if crc(payload) != want {
        return Frame::Bad;
    }
    match std::str::from_utf8(payload) {
        Ok(s) => Frame::Ok(len, s.to_owned()),
        Err(_) => Frame::Bad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(records: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        for r in records {
            push_frame(&mut out, r.as_bytes());
        }
        out
    }

    #[test]
    fn round_trip() {
        let buf = frames(&["{\"a\":1}", "", "{\"b\":\"鼠标\"}"]);
        let r = read_frames(&buf, 100);
        assert_eq!(r.records, vec!["{\"a\":1}", "", "{\"b\":\"鼠标\"}"]);
        assert_eq!(r.consumed, buf.len());
        assert_eq!((r.corrupt, r.partial), (0, false));
        let r = read_frames(&buf, 2);
        assert_eq!(r.records.len(), 2);
        assert_eq!(read_frames(&buf[r.consumed..], 9).records.len(), 1);
    }

    #[test]
    fn a_torn_tail_is_partial() {
        let buf = frames(&["{\"a\":1}", "{\"b\":2}"]);
        for cut in 1..9 + 7 {
            let r = read_frames(&buf[..buf.len() - cut], 100);
            assert_eq!(r.records, vec!["{\"a\":1}"], "cut {cut}");
            assert!(r.partial);
            assert_eq!(r.corrupt, 0);
        }
    }

    #[test]
    fn a_corrupt_record_is_skipped_and_the_rest_read() {
        let mut buf = frames(&["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"]);
        let second = 9 + 7;
        buf[second + 9 + 2] ^= 0x55; // a payload byte of the second record
        let r = read_frames(&buf, 100);
        assert_eq!(r.records, vec!["{\"a\":1}", "{\"c\":3}"]);
        assert_eq!(r.corrupt, 1);
        assert_eq!(r.consumed, buf.len());
        // Garbage between frames, a bad length field.
        let mut buf = frames(&["{\"a\":1}"]);
        buf.extend_from_slice(&[0x1E, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3, 4, 0, 0x1E]);
        buf.extend(frames(&["{\"z\":9}"]));
        let r = read_frames(&buf, 100);
        assert_eq!(r.records, vec!["{\"a\":1}", "{\"z\":9}"]);
        assert_eq!(r.corrupt, 1);
    }

    #[test]
    fn a_whole_file_is_read_in_chunks() {
        let mut file = header().to_vec();
        let long = format!("{{\"p\":\"{}\"}}", "x".repeat(100));
        file.extend(frames(&["{\"a\":1}", &long, "{\"c\":3}"]));
        for chunk in [1, 7, 50, 1 << 20] {
            let r = read_spool_file(&file, 2, chunk);
            assert!(r.readable);
            assert_eq!(r.records, vec!["{\"a\":1}", long.as_str(), "{\"c\":3}"], "chunk {chunk}");
            assert_eq!(r.corrupt, 0);
        }
        // A torn tail is one corrupt spot; what came before it is read.
        let r = read_spool_file(&file[..file.len() - 3], 100, 64);
        assert_eq!((r.records.len(), r.corrupt), (2, 1));
        assert!(!read_spool_file(b"SASPOOL\n\x02\0\0\0\0\0\0\0", 10, 10).readable);
    }

    #[test]
    fn headers() {
        assert_eq!(check_header(&header()), Header::Ours);
        let mut h = header();
        h[8] = 2;
        assert_eq!(check_header(&h), Header::Newer(2));
        assert_eq!(check_header(b"SASPOOL\n"), Header::Short);
        assert_eq!(check_header(b"not a spool file"), Header::Bad);
    }
}
