//! The wire encoding of docs/SPEC.md §4: records → UTF-8 JSON (one object, or an array for a batch)
//! → gzip (default level) → standard Base64 → `data=<b64>&gzip=1` or `data_list=<b64>&gzip=1`.
//!
//! The form is kept as its parts ([`WireForm`]) rather than as a finished body because the
//! Python binding hands exactly these parts to a user's `_do_request(form_dict)` hook.

use std::cell::RefCell;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use flate2::{Compress, Compression, FlushCompress, Status};

/// Which form field carries the payload: one record or a JSON array of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormField {
    /// `data=`: one record (DefaultConsumer, DebugConsumer).
    Data,
    /// `data_list=`: a JSON array of records (BatchConsumer, AsyncBatchConsumer).
    DataList,
}

impl FormField {
    /// The field name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            FormField::Data => "data",
            FormField::DataList => "data_list",
        }
    }
}

/// One request body before form encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireForm {
    pub field: FormField,
    /// Standard Base64 (with `+`, `/` and `=` padding) of the gzipped JSON.
    pub payload_base64: String,
    /// Whether the payload is gzipped (`gzip=1`); false only from the `*_plain` encoders.
    pub gzip: bool,
}

impl WireForm {
    /// `application/x-www-form-urlencoded` body, fields in the reference's order:
    /// `data=<b64>&gzip=1`, with `+ / =` escaped as Python's `urlencode` does.
    pub fn to_urlencoded(&self) -> String {
        let field = self.field.as_str();
        // Each escaped byte grows from 1 to 3; padding and the rare '+' or '/' are few.
        let mut out = String::with_capacity(field.len() + self.payload_base64.len() * 11 / 10 + 16);
        out.push_str(field);
        out.push('=');
        push_form_escaped(&mut out, &self.payload_base64);
        out.push_str(if self.gzip { "&gzip=1" } else { "&gzip=0" });
        out
    }
}

/// Escapes like Python's `quote_plus`: letters, digits and `_.-~` stay, space becomes `+`,
/// every other byte `%XX`. Base64 only ever needs `+`, `/` and `=` escaped, but a payload
/// given to us by a custom transport author is escaped correctly whatever it holds.
fn push_form_escaped(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
}

/// One record as `data=`: the record's JSON, gzipped and Base64-encoded.
pub fn encode_data(record: &str) -> WireForm {
    WireForm {
        field: FormField::Data,
        payload_base64: STANDARD.encode(gzip(record.as_bytes())),
        gzip: true,
    }
}

/// A batch as `data_list=`: `[r1,r2,...]` of the record lines, gzipped and Base64-encoded.
/// The array is built in a buffer kept per thread, then compressed in one call: one call per
/// record cost a call into the compressor each, plus (with flate2's Vec API) zeroing the
/// output's spare room each time, several times the batch's size.
pub fn encode_data_list<S: AsRef<str>>(records: &[S]) -> WireForm {
    thread_local! {
        static ARRAY: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    let gz = ARRAY.with(|raw| {
        let mut raw = raw.borrow_mut();
        raw.clear();
        json_array(&mut raw, records);
        let gz = gzip(&raw);
        // A rare huge batch must not pin its memory for the thread's life.
        if raw.capacity() > KEEP_ARRAY_BYTES {
            *raw = Vec::new();
        }
        gz
    });
    WireForm {
        field: FormField::DataList,
        payload_base64: STANDARD.encode(gz),
        gzip: true,
    }
}

/// The largest array buffer a thread keeps between batches.
const KEEP_ARRAY_BYTES: usize = 4 << 20;

/// Appends `[r1,r2,...]` to `out`.
fn json_array<S: AsRef<str>>(out: &mut Vec<u8>, records: &[S]) {
    out.reserve(records.iter().map(|r| r.as_ref().len() + 1).sum::<usize>() + 1);
    out.push(b'[');
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(r.as_ref().as_bytes());
    }
    out.push(b']');
}

/// One record as `data=` without compression (`gzip=0`): Base64 of the JSON itself, for
/// receivers that want it plain. A caller (a consumer's option) chooses this or [`encode_data`].
pub fn encode_data_plain(record: &str) -> WireForm {
    WireForm {
        field: FormField::Data,
        payload_base64: STANDARD.encode(record.as_bytes()),
        gzip: false,
    }
}

/// A batch as `data_list=` without compression (`gzip=0`): Base64 of `[r1,r2,...]`.
pub fn encode_data_list_plain<S: AsRef<str>>(records: &[S]) -> WireForm {
    let mut raw = Vec::new();
    json_array(&mut raw, records);
    WireForm {
        field: FormField::DataList,
        payload_base64: STANDARD.encode(raw),
        gzip: false,
    }
}

/// Either encoding of a batch, as a consumer's `gzip` option chooses.
pub fn encode_data_list_with<S: AsRef<str>>(records: &[S], gzip: bool) -> WireForm {
    if gzip {
        encode_data_list(records)
    } else {
        encode_data_list_plain(records)
    }
}

/// Either encoding of one record, as a consumer's `gzip` option chooses.
pub fn encode_data_with(record: &str, gzip: bool) -> WireForm {
    if gzip {
        encode_data(record)
    } else {
        encode_data_plain(record)
    }
}

/// Gzip at the default level (6), as the official Java and Node SDKs (Python's
/// `gzip.compress` uses 9, which came out no smaller on our records).
///
/// The deflate state is kept per thread and reset between uses: a new one allocates and
/// zeroes about 300 KB, which (with the page faults of a fresh mapping) cost more than
/// compressing a 50-record batch. So is the output buffer, zeroed once: flate2's Vec API
/// zeroes the spare room of its Vec on every call. The gzip frame around the raw deflate
/// stream is RFC 1952's: a 10-byte header (no name, mtime 0), then CRC-32 and length.
fn gzip(input: &[u8]) -> Vec<u8> {
    struct Deflate {
        compress: Compress,
        buf: Box<[u8]>,
    }
    thread_local! {
        static DEFLATE: RefCell<Option<Deflate>> = const { RefCell::new(None) };
    }
    DEFLATE.with(|slot| {
        let mut slot = slot.borrow_mut();
        let Deflate { compress, buf } = slot.get_or_insert_with(|| Deflate {
            compress: Compress::new(Compression::default(), false),
            buf: vec![0; 64 << 10].into_boxed_slice(),
        });
        compress.reset();
        // JSON records compress 4-10x; a quarter of the input avoids most regrowth.
        let mut out = Vec::with_capacity(input.len() / 4 + 64);
        out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
        let mut rest = input;
        loop {
            let (in_before, out_before) = (compress.total_in(), compress.total_out());
            // Compressing into memory cannot fail; `buf` always has room.
            let status = compress
                .compress(rest, buf, FlushCompress::Finish)
                .expect("gzip into memory");
            let read = (compress.total_in() - in_before) as usize;
            let wrote = (compress.total_out() - out_before) as usize;
            out.extend_from_slice(&buf[..wrote]);
            rest = &rest[read..];
            if status == Status::StreamEnd {
                break;
            }
            assert!(read > 0 || wrote > 0, "deflate made no progress");
        }
        out.extend_from_slice(&crc32fast::hash(input).to_le_bytes());
        // ISIZE: the input's length modulo 2^32.
        out.extend_from_slice(&(input.len() as u32).to_le_bytes());
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::io::Read;

    fn decode(form: &WireForm) -> String {
        let gz = STANDARD.decode(&form.payload_base64).unwrap();
        let mut s = String::new();
        GzDecoder::new(&gz[..]).read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn data_round_trips() {
        let rec = r#"{"type":"track","event":"E","properties":{"名":"值 +/="}}"#;
        let form = encode_data(rec);
        assert_eq!(form.field, FormField::Data);
        assert!(form.gzip);
        assert_eq!(decode(&form), rec);
    }

    #[test]
    fn the_reused_compressor_starts_clean_every_time() {
        let big: Vec<String> = (0..5000).map(|i| format!(r#"{{"i":{i},"s":"{}"}}"#, "x".repeat(i % 97))).collect();
        let first = encode_data_list(&big);
        let small = encode_data("{}");
        assert_eq!(decode(&small), "{}");
        assert_eq!(encode_data_list(&big), first);
        assert_eq!(decode(&first), format!("[{}]", big.join(",")));
    }

    #[test]
    fn data_list_is_a_json_array_of_the_lines() {
        let form = encode_data_list(&[r#"{"a":1}"#, r#"{"b":2}"#]);
        assert_eq!(form.field, FormField::DataList);
        assert_eq!(decode(&form), r#"[{"a":1},{"b":2}]"#);
        assert_eq!(decode(&encode_data_list::<&str>(&[])), "[]");
    }

    #[test]
    fn plain_forms_hold_the_json_itself() {
        let form = encode_data_plain(r#"{"a":"名 +/="}"#);
        assert_eq!((form.field, form.gzip), (FormField::Data, false));
        assert_eq!(STANDARD.decode(&form.payload_base64).unwrap(), r#"{"a":"名 +/="}"#.as_bytes());
        assert!(form.to_urlencoded().ends_with("&gzip=0"));
        let list = encode_data_list_with(&[r#"{"a":1}"#, r#"{"b":2}"#], false);
        assert_eq!((list.field, list.gzip), (FormField::DataList, false));
        assert_eq!(STANDARD.decode(&list.payload_base64).unwrap(), br#"[{"a":1},{"b":2}]"#);
        assert_eq!(STANDARD.decode(&encode_data_list_plain::<&str>(&[]).payload_base64).unwrap(), b"[]");
        assert_eq!(encode_data_with("{}", true), encode_data("{}"));
        assert_eq!(encode_data_list_with(&["{}"], true), encode_data_list(&["{}"]));
    }

    #[test]
    fn urlencoded_escapes_like_quote_plus() {
        let form = WireForm {
            field: FormField::Data,
            payload_base64: "ab+/c=d ~".into(),
            gzip: true,
        };
        assert_eq!(form.to_urlencoded(), "data=ab%2B%2Fc%3Dd+~&gzip=1");
        let form = WireForm {
            field: FormField::DataList,
            payload_base64: "x".into(),
            gzip: false,
        };
        assert_eq!(form.to_urlencoded(), "data_list=x&gzip=0");
    }
}
