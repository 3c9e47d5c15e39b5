//! The Sensors wire format (docs/SPEC.md §4): a form body `data=<b64>&gzip=1` (one record) or
//! `data_list=<b64>&gzip=1` (a JSON array), where b64 is standard Base64 of (gzipped) UTF-8 JSON.
//!
//! Strict where strictness catches client bugs (bad Base64, gzip flag not matching the bytes,
//! non-object records), lenient only where a real server is lenient and the bug is common
//! (an unescaped `+` that form-decoding turned into a space); every leniency is reported as a
//! warning on the request so tests can still assert there were none.

use std::io::Read;

use base64::Engine as _;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::form;

/// Refuse to inflate past this: a gzip bomb must not take the test machine down.
const MAX_INFLATED: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// `"data"` or `"data_list"`.
    pub field: &'static str,
    pub gzip: bool,
    pub records: Vec<Value>,
    /// Things a strict server might have refused but we accepted (see module docs).
    pub warnings: Vec<String>,
}

/// [`Decoded`] with each record kept as its JSON text (checked: valid JSON, an object), as the
/// server stores it: parsing a record into a `Value` tree (a map per object, a string per
/// key) cost several times what the whole wire decoding does, so it happens only when a test
/// reads the records ([`parse_record`]).
#[derive(Debug)]
pub struct DecodedRaw {
    pub field: &'static str,
    pub gzip: bool,
    pub records: Vec<Box<RawValue>>,
    pub warnings: Vec<String>,
}

/// A record the decoder checked, as a `Value`.
pub fn parse_record(raw: &RawValue) -> Value {
    serde_json::from_str(raw.get()).expect("the decoder checked this record's JSON")
}

/// Decodes a request: the form body, or failing that the query string (the SDKs always POST,
/// but Sensors' server also accepts the fields in the URL, so we do too).
pub fn decode_request(body: &[u8], query: &str) -> Result<Decoded, String> {
    let d = decode_request_raw(body, query)?;
    Ok(Decoded {
        field: d.field,
        gzip: d.gzip,
        records: d.records.iter().map(|r| parse_record(r)).collect(),
        warnings: d.warnings,
    })
}

/// [`decode_request`], the records left as checked JSON text.
pub fn decode_request_raw(body: &[u8], query: &str) -> Result<DecodedRaw, String> {
    let mut fields = form::parse(body).map_err(|e| format!("form body: {e}"))?;
    if !has_payload(&fields) {
        let q = form::parse(query.as_bytes()).map_err(|e| format!("query: {e}"))?;
        if has_payload(&q) {
            fields = q;
        }
    }
    decode_fields(&fields)
}

fn has_payload(fields: &[(String, String)]) -> bool {
    fields.iter().any(|(k, _)| k == "data" || k == "data_list")
}

fn decode_fields(fields: &[(String, String)]) -> Result<DecodedRaw, String> {
    let get = |name: &str| -> Result<Option<&str>, String> {
        let mut it = fields.iter().filter(|(k, _)| k == name);
        let first = it.next().map(|(_, v)| v.as_str());
        if it.next().is_some() {
            return Err(format!("field {name} given more than once"));
        }
        Ok(first)
    };
    let (field, b64) = match (get("data")?, get("data_list")?) {
        (Some(d), None) => ("data", d),
        (None, Some(d)) => ("data_list", d),
        (Some(_), Some(_)) => return Err("both data and data_list given".into()),
        (None, None) => return Err("no data or data_list field".into()),
    };
    let gzip = match get("gzip")? {
        None | Some("0") => false,
        Some("1") => true,
        Some(other) => return Err(format!("gzip must be 0 or 1, got {other:?}")),
    };

    let mut warnings = Vec::new();
    let bytes = decode_base64(b64, &mut warnings)?;
    let json = if gzip {
        gunzip(&bytes)?
    } else {
        if bytes.starts_with(&[0x1f, 0x8b]) {
            return Err("payload is gzipped but gzip is not 1".into());
        }
        bytes
    };
    // The usual case in one pass: a list, read as the records' texts (syntax checked, nothing
    // built). Anything else (or a syntax error) takes the general path for its message.
    if field == "data_list" {
        if let Ok(items) = serde_json::from_slice::<Vec<Box<RawValue>>>(&json) {
            if items.iter().all(|v| kind(v) == OBJECT) {
                return Ok(DecodedRaw {
                    field,
                    gzip,
                    records: items,
                    warnings,
                });
            }
        }
    }
    // One pass checks the whole payload's syntax without building anything.
    let value: Box<RawValue> = serde_json::from_slice(&json).map_err(|e| {
        let text = String::from_utf8_lossy(&json);
        let shown: String = text.chars().take(200).collect();
        format!("payload is not JSON ({e}): {shown}")
    })?;

    let records = match (field, kind(&value)) {
        ("data", OBJECT) => vec![value],
        ("data", other) => return Err(format!("data must be a JSON object, got {other}")),
        (_, ARRAY) => {
            let items: Vec<Box<RawValue>> = serde_json::from_str(value.get())
                .map_err(|e| format!("payload is not JSON ({e})"))?;
            if let Some((i, bad)) = items.iter().enumerate().find(|(_, v)| kind(v) != OBJECT) {
                return Err(format!(
                    "data_list[{i}] must be a JSON object, got {}",
                    kind(bad)
                ));
            }
            items
        }
        (_, other) => return Err(format!("data_list must be a JSON array, got {other}")),
    };
    Ok(DecodedRaw {
        field,
        gzip,
        records,
        warnings,
    })
}

fn decode_base64(s: &str, warnings: &mut Vec<String>) -> Result<Vec<u8>, String> {
    let mut text = s.to_string();
    if text.contains(' ') {
        // A raw '+' in a form body means space; a space is never Base64, so the client forgot
        // to percent-encode '+'. Undo it, as lenient servers do, but say so.
        text = text.replace(' ', "+");
        warnings.push("base64 contained spaces: '+' was not percent-encoded (read as '+')".into());
    }
    if text.contains(['\n', '\r']) {
        // Python's old base64.encodestring wrapped lines every 76 chars.
        text = text.replace(['\n', '\r'], "");
        warnings.push("base64 contained line breaks (ignored)".into());
    }
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("bad base64 ({e})"))
}

fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Err("gzip=1 but the payload is not gzip".into());
    }
    // The trailer's ISIZE (the length modulo 2^32) sizes the buffer once: growing it by
    // doubling copied the payload again and touched fresh pages at every step. It is only a
    // hint from the client, so it is capped by deflate's largest ratio (1032:1) and the
    // inflating's own bound.
    let claimed = bytes
        .len()
        .checked_sub(4)
        .map_or(0, |at| u32::from_le_bytes(bytes[at..].try_into().expect("4 bytes")));
    let hint = (claimed as u64).min(bytes.len() as u64 * 1032).min(MAX_INFLATED);
    let mut out = Vec::with_capacity(hint as usize + 1);
    // bufread: the input is already in memory, no buffer between it and the inflater.
    flate2::bufread::GzDecoder::new(bytes)
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("bad gzip ({e})"))?;
    if out.len() as u64 > MAX_INFLATED {
        return Err("inflated payload too large".into());
    }
    Ok(out)
}

const OBJECT: &str = "an object";
const ARRAY: &str = "an array";

/// What a checked JSON value is, by its first byte.
fn kind(v: &RawValue) -> &'static str {
    match v.get().trim_start().as_bytes().first() {
        Some(b'{') => OBJECT,
        Some(b'[') => ARRAY,
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// Builds a wire body the way the SDKs do; for tests and tools that need a well-formed request.
pub fn encode_body(field: &str, json: &str, gzip: bool) -> String {
    use std::io::Write;
    let payload = if gzip {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(json.as_bytes()).expect("write to Vec");
        enc.finish().expect("finish gzip into Vec")
    } else {
        json.as_bytes().to_vec()
    };
    let b64 = base64::engine::general_purpose::STANDARD.encode(payload);
    format!(
        "{field}={}&gzip={}",
        form::encode_component(&b64),
        u8::from(gzip)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_record_gzip() {
        let body = encode_body("data", r#"{"type":"track","event":"E"}"#, true);
        let d = decode_request(body.as_bytes(), "project=default").unwrap();
        assert_eq!(d.field, "data");
        assert!(d.gzip);
        assert_eq!(d.records, vec![json!({"type":"track","event":"E"})]);
        assert!(d.warnings.is_empty());
    }

    #[test]
    fn list_plain() {
        let body = encode_body("data_list", r#"[{"a":1},{"b":2}]"#, false);
        let d = decode_request(body.as_bytes(), "").unwrap();
        assert_eq!(d.records.len(), 2);
        assert!(!d.gzip);
    }

    #[test]
    fn unescaped_plus_is_tolerated_with_warning() {
        // ">>>" encodes to "Pj4+": contains a '+'.
        let b64 = base64::engine::general_purpose::STANDARD.encode(br#"{"k":">>>"}"#);
        assert!(b64.contains('+'));
        let body = format!("data={b64}&gzip=0");
        let d = decode_request(body.as_bytes(), "").unwrap();
        assert_eq!(d.records, vec![json!({"k": ">>>"})]);
        assert_eq!(d.warnings.len(), 1);
    }

    #[test]
    fn errors_are_specific() {
        assert!(decode_request(b"gzip=1", "")
            .unwrap_err()
            .contains("no data"));
        let plain = encode_body("data", "{}", false).replace("gzip=0", "gzip=1");
        assert!(decode_request(plain.as_bytes(), "")
            .unwrap_err()
            .contains("not gzip"));
        let zipped = encode_body("data", "{}", true).replace("gzip=1", "gzip=0");
        assert!(decode_request(zipped.as_bytes(), "")
            .unwrap_err()
            .contains("gzipped"));
        let arr = encode_body("data", "[{}]", true);
        assert!(decode_request(arr.as_bytes(), "")
            .unwrap_err()
            .contains("object"));
        let notobj = encode_body("data_list", "[1]", true);
        assert!(decode_request(notobj.as_bytes(), "")
            .unwrap_err()
            .contains("data_list[0]"));
    }

    #[test]
    fn query_fallback() {
        let q = encode_body("data", r#"{"x":1}"#, true);
        let d = decode_request(b"", &format!("project=p&{q}")).unwrap();
        assert_eq!(d.records, vec![json!({"x":1})]);
    }
}
