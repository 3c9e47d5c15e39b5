//! Writing JSON straight into a byte buffer: the hot path. No intermediate `serde_json::Value`
//! (building one costs more than the whole per-record budget); serde_json is used only where it
//! is the reference implementation of a format detail (shortest round-trip floats).

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use crate::value::{Invalid, Value};

/// Which bytes need escaping in a JSON string, and how: 0 = copy, b'u' = \u00XX, else the
/// character after the backslash.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Writes `s` as a JSON string. Non-ASCII stays raw UTF-8 (the files are UTF-8).
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 10);
    out.push(b'"');
    push_escaped(out, s);
    out.push(b'"');
}

/// Nonzero when some byte of the 8 in `w` needs escaping: < 0x20, `"` or `\\` (SWAR: the
/// classic has-zero-byte / has-less-than bit tricks, eight bytes per step). Exact as an "any"
/// test: a false bit can only appear above a byte that really matches.
#[inline]
pub(crate) fn escape_mask(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    below_space | has_zero(w ^ (ONES * b'"' as u64)) | has_zero(w ^ (ONES * b'\\' as u64))
}

#[inline]
fn word_needs_escape(w: u64) -> bool {
    escape_mask(w) != 0
}

#[inline]
fn load8(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

#[inline]
fn load4(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

/// The index of the first byte that needs escaping, eight clean bytes per step.
#[inline]
fn find_escape(bytes: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 8 <= bytes.len() {
        if word_needs_escape(load8(bytes, i)) {
            break;
        }
        i += 8;
    }
    bytes[i..].iter().position(|&b| ESCAPE[b as usize] != 0).map(|p| i + p)
}

/// The bytes of a slice shorter than 8 in one word, for checks that only ask whether *some*
/// byte is of a kind: bytes may repeat, and the rest are `pad`. Overlapping loads instead of a
/// byte loop or a variable-length copy (which would be a memcpy call).
#[inline]
pub(crate) fn short_word(bytes: &[u8], pad: u8) -> u64 {
    let n = bytes.len();
    debug_assert!(n < 8);
    let ones = 0x0101_0101_0101_0101u64;
    if n >= 4 {
        u64::from(load4(bytes, 0)) | u64::from(load4(bytes, n - 4)) << 32
    } else if n > 0 {
        let three = u64::from(bytes[0]) | u64::from(bytes[n / 2]) << 8 | u64::from(bytes[n - 1]) << 16;
        three | (ones * u64::from(pad)) << 24
    } else {
        ones * u64::from(pad)
    }
}

/// Whether any byte of `bytes` needs escaping, without a byte-by-byte tail: the last (possibly
/// overlapping) word covers the tail, and a string shorter than a word is padded with a byte
/// that never needs escaping.
#[cfg(test)]
fn any_escape(bytes: &[u8]) -> bool {
    !push_if_clean(&mut Vec::new(), bytes, escape_mask)
}

/// Appends `bytes` to `out` if `mask` flags none of its bytes (a byte that needs a JSON
/// escape, a byte not allowed in a name), in whole words; else leaves `out` as it was and
/// returns false. One pass does the scan and the copy, and no memcpy call: records are made of
/// short strings (keys, ids, names), where a libc call and the `Vec` bookkeeping of each small
/// append cost more than the copy itself. (The early exit is also what keeps LLVM from
/// turning the copy back into a memcpy call.) The tail is one last word overlapping the one
/// before it, so every byte is written in place and none past `len + n`.
#[inline]
pub(crate) fn push_if_clean(out: &mut Vec<u8>, bytes: &[u8], mask: impl Fn(u64) -> u64) -> bool {
    let n = bytes.len();
    out.reserve(n);
    let len = out.len();
    // SAFETY: `reserve` made room for `n` more bytes, so `dst..dst + n` is inside the
    // allocation. Every store below lands in that range: words at `i` with `i + 8 < n`, the
    // last word at `n - 8` (n >= 8), two halves at `0` and `n - 4` (4 <= n < 8), two
    // halves at `0` and `n - 2` (2 <= n < 4), one byte (n == 1). Together they cover `0..n`
    // with the bytes of `bytes` at their own offsets (overlapping stores write the same
    // byte twice), so `set_len(len + n)` claims only initialised bytes; on an early return
    // the length is untouched. Tested at every length and offset (tests below).
    unsafe {
        let dst = out.as_mut_ptr().add(len);
        if n >= 8 {
            let mut i = 0;
            while i + 8 < n {
                let w = load8(bytes, i);
                if mask(w) != 0 {
                    return false;
                }
                dst.add(i).cast::<u64>().write_unaligned(w);
                i += 8;
            }
            let w = load8(bytes, n - 8);
            if mask(w) != 0 {
                return false;
            }
            dst.add(n - 8).cast::<u64>().write_unaligned(w);
        } else if n >= 4 {
            let (lo, hi) = (load4(bytes, 0), load4(bytes, n - 4));
            if mask(u64::from(lo) | u64::from(hi) << 32) != 0 {
                return false;
            }
            dst.cast::<u32>().write_unaligned(lo);
            dst.add(n - 4).cast::<u32>().write_unaligned(hi);
        } else if n > 0 {
            // A pad byte of the "clean" kind for every mask in use.
            if mask(short_word(bytes, b'a')) != 0 {
                return false;
            }
            if n >= 2 {
                let lo = u16::from_le_bytes([bytes[0], bytes[1]]);
                let hi = u16::from_le_bytes([bytes[n - 2], bytes[n - 1]]);
                dst.cast::<u16>().write_unaligned(lo);
                dst.add(n - 2).cast::<u16>().write_unaligned(hi);
            } else {
                dst.write(bytes[0]);
            }
        } else if mask(short_word(bytes, b'a')) != 0 {
            return false;
        }
        out.set_len(len + n);
    }
    true
}

/// The inside of a JSON string, without quotes: for values written in pieces.
pub fn push_escaped(out: &mut Vec<u8>, s: &str) {
    if push_if_clean(out, s.as_bytes(), escape_mask) {
        return;
    }
    let mut rest = s.as_bytes();
    while let Some(p) = find_escape(rest) {
        out.extend_from_slice(&rest[..p]);
        let b = rest[p];
        let esc = ESCAPE[b as usize];
        if esc == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]);
        } else {
            out.extend_from_slice(&[b'\\', esc]);
        }
        rest = &rest[p + 1..];
    }
    out.extend_from_slice(rest);
}

pub fn write_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// A finite float (validation refuses the others) in serde_json's shortest round-trip form.
pub fn write_f64(out: &mut Vec<u8>, v: f64) {
    debug_assert!(v.is_finite());
    // serde_json writes a finite f64 into a Vec without error.
    let _ = serde_json::to_writer(&mut *out, &v);
}

fn push_2(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&[b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8]);
}

fn write_date_fields(out: &mut Vec<u8>, d: &NaiveDate) {
    let year = d.year();
    if (0..=9999).contains(&year) {
        let y = year as u32;
        push_2(out, y / 100);
        push_2(out, y % 100);
    } else {
        write_i64(out, year.into());
    }
    out.push(b'-');
    push_2(out, d.month());
    out.push(b'-');
    push_2(out, d.day());
}

/// `"yyyy-MM-dd"`.
pub fn write_date(out: &mut Vec<u8>, d: &NaiveDate) {
    out.push(b'"');
    write_date_fields(out, d);
    out.push(b'"');
}

/// `"yyyy-MM-dd HH:mm:ss.SSS"` of the wall clock, milliseconds zero-padded (**ours**).
pub fn write_datetime(out: &mut Vec<u8>, dt: &NaiveDateTime) {
    out.push(b'"');
    write_date_fields(out, &dt.date());
    out.push(b' ');
    push_2(out, dt.hour());
    out.push(b':');
    push_2(out, dt.minute());
    out.push(b':');
    push_2(out, dt.second());
    out.push(b'.');
    // A leap second shows as nanosecond >= 1e9; keep it within three digits.
    let ms = (dt.nanosecond() / 1_000_000).min(999);
    out.push(b'0' + (ms / 100) as u8);
    push_2(out, ms % 100);
    out.push(b'"');
}

/// Writes a validated value. `Invalid` never reaches here (validation refuses it first); it is
/// written as null rather than panicking should a caller skip validation.
pub fn write_value(out: &mut Vec<u8>, v: &Value<'_>) {
    match v {
        Value::Null | Value::Invalid(Invalid::Type(_) | Invalid::ListElement(_) | Invalid::KeyNotStr) => {
            out.extend_from_slice(b"null")
        }
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(i) => write_i64(out, *i),
        Value::Float(f) if f.is_finite() => write_f64(out, *f),
        Value::Float(_) => out.extend_from_slice(b"null"),
        Value::Str(s) => write_str(out, s),
        Value::DateTime(d) => write_datetime(out, &d.wall),
        Value::Date(d) => write_date(out, d),
        Value::List(items) => {
            out.push(b'[');
            for (i, s) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, s);
            }
            out.push(b']');
        }
    }
}

/// `,"key":` (or `"key":` for the first member) for a key that passed name validation:
/// names hold only `[A-Za-z0-9_$]`, so nothing needs escaping and the key is copied as is.
pub fn write_name_key(out: &mut Vec<u8>, first: &mut bool, key: &str) {
    debug_assert!(find_escape(key.as_bytes()).is_none());
    // Fixed-size pieces compile to plain stores, the key to a few word stores.
    if !*first {
        out.push(b',');
    }
    *first = false;
    out.push(b'"');
    if !push_if_clean(out, key.as_bytes(), escape_mask) {
        push_escaped(out, key); // not reached for a valid name
    }
    out.extend_from_slice(b"\":");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &Value<'_>) -> String {
        let mut out = Vec::new();
        write_value(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_escape_like_json() {
        let text = "a\"b\\c\n\u{1}中😀\u{7f}";
        let ours = s(&Value::str(text));
        let back: String = serde_json::from_str(&ours).unwrap();
        assert_eq!(back, text);
        assert_eq!(ours, "\"a\\\"b\\\\c\\n\\u0001中😀\u{7f}\"");
    }

    #[test]
    fn escapes_in_every_position_of_a_word() {
        for special in ['"', '\\', '\n', '\u{1f}', '\u{0}'] {
            for pos in 0..20 {
                let mut text: String = "abcdefghijklmnopqrst".into();
                text.replace_range(pos..pos + 1, &special.to_string());
                let back: String = serde_json::from_str(&s(&Value::str(text.clone()))).unwrap();
                assert_eq!(back, text);
            }
        }
    }

    #[test]
    fn escapes_found_at_every_length() {
        for len in 1..=24 {
            for pos in 0..len {
                for special in [b'"', b'\\', b'\n', 0x1f, 0] {
                    let mut text = vec![b'x'; len];
                    text[pos] = special;
                    assert!(any_escape(&text), "{len} {pos}");
                }
            }
            assert!(!any_escape(&vec![b'x'; len]));
        }
        assert!(!any_escape(b""));
    }

    #[test]
    fn clean_copies_are_exact_at_every_length_and_offset() {
        let text: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for prefix in 0..9 {
            for len in 0..=text.len() {
                let mut out = vec![b'#'; prefix];
                assert!(push_if_clean(&mut out, &text[..len], escape_mask));
                assert_eq!(&out[..prefix], &vec![b'#'; prefix][..]);
                assert_eq!(&out[prefix..], &text[..len], "prefix {prefix} len {len}");
                // A flagged byte anywhere leaves the buffer as it was.
                for pos in 0..len {
                    let mut dirty = text[..len].to_vec();
                    dirty[pos] = b'"';
                    let mut out = vec![b'#'; prefix];
                    assert!(!push_if_clean(&mut out, &dirty, escape_mask));
                    assert_eq!(out, vec![b'#'; prefix]);
                }
            }
        }
    }

    #[test]
    fn datetimes_pad_milliseconds() {
        let dt = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap().and_hms_milli_opt(23, 59, 58, 7).unwrap();
        assert_eq!(s(&Value::DateTime(crate::value::DateTime::naive(dt))), "\"2024-02-29 23:59:58.007\"");
        assert_eq!(s(&Value::Date(NaiveDate::from_ymd_opt(23, 1, 9).unwrap())), "\"0023-01-09\"");
    }

    #[test]
    fn numbers() {
        assert_eq!(s(&Value::Float(12.5)), "12.5");
        assert_eq!(s(&Value::Float(1.0)), "1.0");
        assert_eq!(s(&Value::Int(i64::MIN)), "-9223372036854775808");
    }
}
