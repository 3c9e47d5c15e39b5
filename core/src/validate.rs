//! The validation rules of docs/SPEC.md §3, with the reference SDK's error texts word for word.
//! Bindings call the `msg_*` helpers for the checks only they can make (a key that is not a
//! string, a non-dict argument) so every text lives here once.

use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::value::{Identity, Invalid, Properties, Value};

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_ID_CHARS: usize = 255;
pub const MAX_KEY_CHARS: usize = 255;
pub const MAX_STR_VALUE_CHARS: usize = 8191;

/// Bytes allowed in a name: 1 = anywhere, 2 = not first (digits).
static NAME_BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_alphabetic() || b == b'_' || b == b'$' {
            1
        } else if b.is_ascii_digit() {
            2
        } else {
            0
        };
        c += 1;
    }
    t
};

/// Names the platform keeps for itself, compared case-insensitively. Keyed by length and
/// lower-cased first byte so a key is compared with at most one of them: this runs for every
/// property of every record.
fn is_reserved(name: &[u8]) -> bool {
    let first = name[0] | 0x20; // ASCII lower case; '$' and '_' map to no letter
    let candidate: &[u8] = match (name.len(), first) {
        (2, b'i') => b"id",
        (4, b't') => b"time",
        (4, b'd') => b"date",
        (5, b'u') => b"users",
        (5, b'e') => b"event",
        (6, b'e') => b"events",
        (7, b'u') => b"user_id",
        (8, b'f') => b"first_id",
        (8, b'e') => b"event_id",
        (8, b'd') => b"datetime",
        (9, b's') => b"second_id",
        (9, b'd') => b"device_id",
        (10, b'p') => b"properties",
        (11, b'd') => b"distinct_id",
        (11, b'o') => b"original_id",
        _ => b"",
    };
    // The last byte first: it rejects most same-length, same-initial names (`product_id` vs
    // `properties`) without the byte-by-byte compare.
    (!candidate.is_empty()
        && name[name.len() - 1] | 0x20 == candidate[candidate.len() - 1]
        && name.eq_ignore_ascii_case(candidate))
        || (first == b'u'
            && name.len() >= 8
            && (name[..8].eq_ignore_ascii_case(b"user_tag")
                || (name.len() >= 10 && name[..10].eq_ignore_ascii_case(b"user_group"))))
}

/// `^[a-zA-Z_$][a-zA-Z\d_$]{0,99}$`, not reserved, not a reserved prefix (case-insensitive).
/// **ours**: ASCII only (the reference's Unicode-aware regex lets `a١` and the Kelvin sign
/// through), and a trailing newline is not ignored.
pub fn is_valid_name(name: &str) -> bool {
    all_name_bytes(name.as_bytes()) && name_head_ok(name.as_bytes())
}

/// The rules of a name besides its byte set: a first byte that is not a digit, the length, and
/// not reserved. Split out so the record writer can test the byte set while it copies the key
/// ([`name_mask`]) and ask only this afterwards.
#[inline]
pub(crate) fn name_head_ok(bytes: &[u8]) -> bool {
    match bytes.first() {
        Some(&first) => NAME_BYTES[first as usize] == 1 && bytes.len() <= MAX_NAME_CHARS && !is_reserved(bytes),
        None => false,
    }
}

/// Nonzero when some byte of the 8 in `w` is not in `[A-Za-z0-9_$]`, eight at a time (this
/// runs for every key of every record). For 7-bit bytes, `(x | 0x80) - c` keeps its high bit
/// iff `x >= c` and never borrows from the next byte, so each byte gets an exact range test.
#[inline]
pub(crate) fn name_mask(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let ge = |x: u64, c: u8| ((x | HIGH) - ONES * u64::from(c)) & HIGH;
    let within = |x: u64, lo: u8, hi: u8| ge(x, lo) & !ge(x, hi + 1);
    let lower = w | (ONES * 0x20); // ASCII letters to lower case; only letters land in a..z
    let ok = within(lower, b'a', b'z') | within(w, b'0', b'9') | within(w, b'_', b'_') | within(w, b'$', b'$');
    // A byte >= 0x80 is never a name byte; the range tests above only hold for 7-bit bytes.
    (w & HIGH) | (!ok & HIGH)
}

/// Every byte of `bytes` in `[A-Za-z0-9_$]` (the first byte's stricter rule is checked apart).
fn all_name_bytes(bytes: &[u8]) -> bool {
    let n = bytes.len();
    if n < 8 {
        return name_mask(crate::json::short_word(bytes, b'a')) == 0;
    }
    let word = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
    let mut i = 0;
    while i + 8 < n {
        if name_mask(word(i)) != 0 {
            return false;
        }
        i += 8;
    }
    name_mask(word(n - 8)) == 0
}

fn char_count(s: &str) -> usize {
    // ASCII is the common case: its byte length is its char count.
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

pub fn check_key(key: &str) -> Result<()> {
    if is_valid_name(key) {
        return Ok(()); // at most 100 bytes: within the length limit too
    }
    if char_count(key) > MAX_KEY_CHARS {
        return Err(Error::illegal(format!("the max length of property key is 256. [key={key}]")));
    }
    if !is_valid_name(key) {
        return Err(Error::illegal(format!("property key must be a valid variable name. [key={key}]")));
    }
    Ok(())
}

/// One property: its key, then its value (the reference's order).
pub fn check_property(key: &str, value: &Value<'_>) -> Result<()> {
    if let Value::Invalid(Invalid::KeyNotStr) = value {
        return Err(Error::illegal(msg_key_not_str(key)));
    }
    check_key(key)?;
    check_value(key, value)
}

/// Inlined for the common case, a value that passes (it runs for every property of every
/// record; an out-of-line call returning a `Result` through memory cost more than the test).
#[inline]
pub fn check_value(key: &str, value: &Value<'_>) -> Result<()> {
    let fine = match value {
        Value::Str(s) => s.len() <= MAX_STR_VALUE_CHARS,
        Value::Float(f) => f.is_finite(),
        Value::Invalid(_) => false,
        _ => true,
    };
    if fine {
        Ok(())
    } else {
        check_value_closely(key, value)
    }
}

#[cold]
#[inline(never)]
fn check_value_closely(key: &str, value: &Value<'_>) -> Result<()> {
    match value {
        // Chars never outnumber bytes: most strings skip the count.
        Value::Str(s) if s.len() > MAX_STR_VALUE_CHARS && char_count(s) > MAX_STR_VALUE_CHARS => {
            Err(Error::illegal(format!("the max length of property key is 8192. [key={key}]")))
        }
        Value::Float(f) if !f.is_finite() => Err(Error::illegal(format!(
            "property value must not be NaN or Infinity. [key={key}]"
        ))),
        Value::Invalid(Invalid::Type(type_name)) => Err(Error::illegal(msg_value_type(type_name))),
        Value::Invalid(Invalid::ListElement(type_name)) => {
            Err(Error::illegal(format!("[list] property's value must be a str. [value={type_name}]")))
        }
        Value::Invalid(Invalid::KeyNotStr) => Err(Error::illegal(msg_key_not_str(key))),
        _ => Ok(()),
    }
}

pub fn check_properties(props: &Properties<'_>) -> Result<()> {
    props.iter().try_for_each(|(k, v)| check_property(k, v))
}

/// distinct_id and original_id: `field` is the name shown in the message.
pub fn check_id(field: &str, id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::illegal(format!("property [{field}] must not be empty")));
    }
    if id.len() > MAX_ID_CHARS && char_count(id) > MAX_ID_CHARS {
        return Err(Error::illegal(format!("the max length of property [{field}] is {MAX_ID_CHARS}")));
    }
    Ok(())
}

pub fn check_event_name(name: &str) -> Result<()> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(Error::illegal(msg_event_name(name)))
    }
}

pub fn check_project(project: &str) -> Result<()> {
    if is_valid_name(project) {
        Ok(())
    } else {
        Err(Error::illegal(format!("project name must be a valid variable name. [project={project}]")))
    }
}

pub fn check_item(item_type: &str, item_id: &str) -> Result<()> {
    if !is_valid_name(item_type) {
        return Err(Error::illegal(msg_item_type(item_type)));
    }
    if item_id.is_empty() {
        return Err(Error::illegal("item_id must not be empty"));
    }
    if char_count(item_id) > MAX_ID_CHARS {
        return Err(Error::illegal("the max length of item_id is 255"));
    }
    Ok(())
}

/// profile_increment: every value an integer (a bool is not one: **ours**).
pub fn check_increment(props: &Properties<'_>) -> Result<()> {
    match props.iter().find(|(_, v)| !matches!(v, Value::Int(_))) {
        Some((k, _)) => Err(Error::illegal(format!("property value must be Number. [key={k}]"))),
        None => Ok(()),
    }
}

/// profile_append: every value a list.
pub fn check_append(props: &Properties<'_>) -> Result<()> {
    match props
        .iter()
        .find(|(_, v)| !matches!(v, Value::List(_) | Value::Invalid(Invalid::ListElement(_))))
    {
        Some((k, _)) => Err(Error::illegal(format!("property value must be list. [key={k}]"))),
        None => Ok(()),
    }
}

/// `at_least` is 1 for unbind and the *_by_id calls, 2 for bind (**ours**: Python's signature
/// enforces it with a TypeError).
pub fn check_identities(identities: &[Identity<'_>], at_least: usize) -> Result<()> {
    if identities.len() < at_least && at_least > 1 {
        return Err(Error::illegal("bind needs at least two identities"));
    }
    if identities.is_empty() {
        return Err(Error::illegal("Identity (or list) can not be none or empty"));
    }
    let mut duplicates: Vec<&str> = Vec::new();
    for (i, id) in identities.iter().enumerate() {
        check_key(&id.key)?;
        if id.value.trim().is_empty() {
            return Err(Error::illegal(format!("identity value is empty. [key={}]", id.key)));
        }
        if char_count(&id.value) > MAX_ID_CHARS {
            return Err(Error::illegal(format!("the max length of property value is 256. [key={}]", id.key)));
        }
        if identities[..i].iter().any(|o| o.key == id.key) && !duplicates.contains(&id.key.as_ref()) {
            duplicates.push(&id.key);
        }
    }
    if duplicates.is_empty() {
        return Ok(());
    }
    // The reference prints a Python set of the keys: {'a', 'b'}.
    let mut set = String::from("{");
    for (i, k) in duplicates.iter().enumerate() {
        let _ = write!(set, "{}'{}'", if i == 0 { "" } else { ", " }, k);
    }
    set.push('}');
    Err(Error::illegal(format!("Identity has duplicate key. [key={set}]")))
}

/// `$time`: the reference's "microseconds" (sic) text for every timestamp it refuses.
pub(crate) fn time_error() -> Error {
    Error::illegal("property [time] must be a timestamp in microseconds")
}

// Messages for checks that only a binding can make, kept here so the texts live once.

/// Also for a name that is not a string at all (Python: `[name=None]`).
pub fn msg_event_name(name_text: &str) -> String {
    format!("event name must be a valid variable name. [name={name_text}]")
}

pub fn msg_item_type(type_text: &str) -> String {
    format!("item_type must be a valid variable name. [key={type_text}]")
}

pub fn msg_key_not_str(key_text: &str) -> String {
    format!("property key must be a str. [key={key_text}]")
}

pub fn msg_value_type(type_name: &str) -> String {
    format!("property value must be a str/int/float/datetime/date/list. [value={type_name}]")
}

pub fn msg_identity_value_not_str(key: &str) -> String {
    format!("identity value must be a str. [key={key}]")
}

/// **ours**: an integer outside the signed 64-bit range (Python ints are unbounded; the
/// reference writes any of them, which the platform cannot store).
pub fn msg_int_out_of_range(key: &str) -> String {
    format!("property value must be an integer within the 64-bit range. [key={key}]")
}

/// What a consumer says of records it gave up on where no caller is there to throw to (the
/// stderr of [`crate::consumer::give_up_on_stderr`], a binding's log).
pub fn msg_gave_up(consumer: &str, records: usize, reason: &str) -> String {
    format!("sensorsanalytics: {consumer} gave up on {records} records: {reason}")
}

pub const MSG_IDENTITY_TYPE: &str = "Identity type must be SensorsAnalyticsIdentity";
pub const MSG_PROFILES_NOT_DICT: &str = "profiles must be dict type.";
pub const MSG_PROPERTIES_NOT_DICT: &str = "properties must be a dict type.";
pub const MSG_PROPERTIES_TYPE_BY_ID: &str = "Properties type must be dict";
pub const MSG_PROFILE_KEYS_NOT_LIST: &str = "profile_keys must be a list.";
/// profile_unset (not by id) given neither a list nor a dict (**ours**: a TypeError there).
pub const MSG_PROFILE_KEYS_NOT_LIST_OR_DICT: &str = "profile_keys must be a list or dict.";
pub const MSG_PROPERTIES_EMPTY_BY_ID: &str = "Properties can not be None or Empty";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gave_up_names_consumer_count_and_reason() {
        assert_eq!(msg_gave_up("KafkaConsumer", 3, "timed out"), "sensorsanalytics: KafkaConsumer gave up on 3 records: timed out");
        #[cfg(feature = "http")]
        crate::consumer::give_up_on_stderr("KafkaConsumer")(&["{}".into()], &Error::Network("timed out".into()));
    }

    #[test]
    fn names() {
        assert!(is_valid_name("a"));
        assert!(is_valid_name("$abc_1"));
        assert!(is_valid_name(&"a".repeat(100)));
        assert!(!is_valid_name(&"a".repeat(101)));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("1a"));
        assert!(!is_valid_name("a-b"));
        assert!(!is_valid_name("Distinct_ID"));
        assert!(!is_valid_name("USER_GROUPx"));
        assert!(!is_valid_name("user_tag"));
        assert!(is_valid_name("user_ta"));
        assert!(is_valid_name("times"));
        assert!(!is_valid_name("名字"));
        assert!(!is_valid_name("a\n"));
        for r in ["id", "TIME", "Date", "users", "event", "events", "user_id", "first_id", "event_id",
                  "datetime", "second_id", "device_id", "properties", "distinct_id", "original_id"] {
            assert!(!is_valid_name(r), "{r}");
        }
        assert!(is_valid_name("user_grou"));
        assert!(!is_valid_name("User_Group1"));
    }

    #[test]
    fn name_bytes_match_the_table() {
        for len in 1..=20 {
            for pos in 0..len {
                for b in 0..=255u8 {
                    let mut text = vec![b'x'; len];
                    text[pos] = b;
                    assert_eq!(all_name_bytes(&text), NAME_BYTES[b as usize] != 0, "{len} {pos} {b}");
                    // The record writer's copy-and-check pass agrees with it.
                    let clean = crate::json::push_if_clean(&mut Vec::new(), &text, name_mask);
                    assert_eq!(clean, all_name_bytes(&text), "{len} {pos} {b}");
                }
            }
        }
    }

    #[test]
    fn duplicate_identity_keys_print_a_python_set() {
        let ids = [Identity::new("a", "1"), Identity::new("b", "2"), Identity::new("a", "3"), Identity::new("b", "4")];
        let err = check_identities(&ids, 1).unwrap_err();
        assert_eq!(err.message(), "Identity has duplicate key. [key={'a', 'b'}]");
    }
}
