//! The wire encoding of docs/SPEC.md §4: records → UTF-8 JSON (one object, or an array for a batch)
//! → gzip (default level) → standard Base64 → `data=<b64>&gzip=1` or `data_list=<b64>&gzip=1`.
//!
//! The form is kept as its parts ([`WireForm`]) rather than as a finished body because the
//! Python binding hands exactly these parts to a user's `_do_request(form_dict)` hook.

use std::cell::RefCell;
use std::io::Write;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use flate2::{Compress, Compression, Crc, FlushCompress, Status};

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
    let gz = gzip(record.len(), |w| w.write_all(record.as_bytes()));
    WireForm {
        field: FormField::Data,
        payload_base64: STANDARD.encode(gz),
        gzip: true,
    }
}

/// A batch as `data_list=`: `[r1,r2,...]` of the record lines, gzipped and Base64-encoded.
/// The array is streamed into the compressor, never built as one string first.
pub fn encode_data_list<S: AsRef<str>>(records: &[S]) -> WireForm {
    let raw_len = records.iter().map(|r| r.as_ref().len() + 1).sum::<usize>() + 1;
    let gz = gzip(raw_len, |w| {
        w.write_all(b"[")?;
        for (i, r) in records.iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            w.write_all(r.as_ref().as_bytes())?;
        }
        w.write_all(b"]")
    });
    WireForm {
        field: FormField::DataList,
        payload_base64: STANDARD.encode(gz),
        gzip: true,
    }
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
    let raw_len = records.iter().map(|r| r.as_ref().len() + 1).sum::<usize>() + 1;
    let mut raw = Vec::with_capacity(raw_len);
    raw.push(b'[');
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            raw.push(b',');
        }
        raw.extend_from_slice(r.as_ref().as_bytes());
    }
    raw.push(b']');
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

/// Gzip at the default level (6), as Python's `gzip.compress`.
///
/// The deflate state is kept per thread and reset between uses: a new one allocates and
/// zeroes about 300 KB, which (with the page faults of a fresh mapping) cost more than
/// compressing a 50-record batch. The gzip frame around the raw deflate stream is RFC 1952's:
/// a 10-byte header (no name, mtime 0), then CRC-32 and length.
fn gzip(raw_len: usize, write: impl FnOnce(&mut GzWriter<'_>) -> std::io::Result<()>) -> Vec<u8> {
    thread_local! {
        static DEFLATE: RefCell<Option<Compress>> = const { RefCell::new(None) };
    }
    DEFLATE.with(|slot| {
        let mut slot = slot.borrow_mut();
        let compress = slot.get_or_insert_with(|| Compress::new(Compression::default(), false));
        compress.reset();
        // JSON records compress 4-10x; a quarter of the input avoids most regrowth.
        let mut out = Vec::with_capacity(raw_len / 4 + 64);
        out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
        let mut w = GzWriter { compress, crc: Crc::new(), out };
        // Writing into memory cannot fail.
        write(&mut w).expect("gzip into memory");
        w.finish()
    })
}

/// Deflates what is written into a Vec, keeping the CRC-32 of the input.
struct GzWriter<'c> {
    compress: &'c mut Compress,
    crc: Crc,
    out: Vec<u8>,
}

impl GzWriter<'_> {
    fn run(&mut self, mut input: &[u8], flush: FlushCompress) -> std::io::Result<()> {
        loop {
            if self.out.capacity() - self.out.len() < 64 {
                self.out.reserve(self.out.capacity().max(256));
            }
            let before = self.compress.total_in();
            let status = self
                .compress
                .compress_vec(input, &mut self.out, flush)
                .map_err(std::io::Error::other)?;
            input = &input[(self.compress.total_in() - before) as usize..];
            let done = match flush {
                FlushCompress::Finish => status == Status::StreamEnd,
                _ => input.is_empty(),
            };
            if done {
                return Ok(());
            }
        }
    }

    fn finish(mut self) -> Vec<u8> {
        self.run(&[], FlushCompress::Finish).expect("gzip into memory");
        let (crc, len) = (self.crc.sum(), self.crc.amount());
        self.out.extend_from_slice(&crc.to_le_bytes());
        self.out.extend_from_slice(&len.to_le_bytes());
        self.out
    }
}

impl Write for GzWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.crc.update(buf);
        self.run(buf, FlushCompress::None)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
