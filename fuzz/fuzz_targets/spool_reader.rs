//! The spool reader (core/src/spool/format.rs) on arbitrary bytes as a spool file: a file
//! left by a crash, a full disk, another program or a newer SDK. The first two bytes choose
//! the batch size and the read chunk (so that the "one record longer than a chunk" path is
//! taken); the rest is the file. Invariants: no panic; the read ends (batches are bounded by
//! the file's length); every record it yields is a whole frame of the file whose CRC matches
//! (re-framing it gives bytes found in the file) and valid UTF-8; a file whose header is not
//! ours yields nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sensorsanalytics::spool::read_spool_file;

const HEADER_LEN: usize = 16;

/// A record's frame as the writer makes it: 0x1E, length, CRC-32 of the payload, payload.
fn frame(record: &str) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(record.as_bytes());
    let mut out = vec![0x1E];
    out.extend_from_slice(&(record.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(record.as_bytes());
    out
}

fuzz_target!(|data: &[u8]| {
    let (max, chunk, file) = match data {
        [a, b, rest @ ..] => (*a as usize % 64 + 1, (*b as usize) * 7 + 1, rest),
        _ => (1, 1, data),
    };
    let r = read_spool_file(file, max, chunk);
    // A header cut short (fewer than 16 bytes) is not readable either.
    if file.len() < HEADER_LEN || !file.starts_with(b"SASPOOL\n\x01\0\0\0") {
        assert!(!r.readable && r.records.is_empty());
        return;
    }
    assert!(r.readable);
    let body = &file[HEADER_LEN..];
    assert!(r.batches <= body.len(), "{} batches from {} bytes", r.batches, body.len());
    // Frames do not overlap: together they fit in the body.
    let framed: usize = r.records.iter().map(|x| x.len() + 9).sum();
    assert!(framed <= body.len());
    let mut from = 0;
    for record in &r.records {
        let f = frame(record);
        // Frames come out in file order: each is found after the previous one.
        let at = body[from..]
            .windows(f.len())
            .position(|w| w == f.as_slice())
            .unwrap_or_else(|| panic!("record {record:?} is not a whole frame of the file"));
        from += at + f.len();
    }
    // Nothing read and nothing skipped would be a reader stuck on its input.
    if !body.is_empty() {
        assert!(!r.records.is_empty() || r.corrupt > 0, "{} bytes neither read nor skipped", body.len());
    }
});
