//! Property values and the ordered property map.
//!
//! Values borrow their strings (`Cow<'a, str>`) so a binding can hand the core its language's
//! string buffers without copying them on the hot path; `into_owned` gives a `'static` copy
//! for what the client keeps (super properties).

use std::borrow::Cow;

use chrono::{FixedOffset, Local, NaiveDate, NaiveDateTime, Offset, TimeZone};

/// A property value: the types of docs/SPEC.md §3.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    DateTime(DateTime),
    Date(NaiveDate),
    List(Vec<Cow<'a, str>>),
    /// A value the binding could not convert. It is kept in place, not rejected at conversion,
    /// so that validation reports errors in the reference's order (ids and names before values).
    Invalid(Invalid<'a>),
}

/// Why a binding could not convert a value; validation turns it into the reference's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid<'a> {
    /// An unsupported type, named as the caller's language names it (Python: `<class 'dict'>`).
    Type(Cow<'a, str>),
    /// A list holding a non-string element of this type.
    ListElement(Cow<'a, str>),
    /// The key itself was not a string; the entry's key holds its text.
    KeyNotStr,
}

/// A datetime as the caller gave it: wall-clock fields (millisecond precision is what is
/// written) and, for an aware value, its UTC offset. A naive value is local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub wall: NaiveDateTime,
    pub offset: Option<FixedOffset>,
}

/// Where an instant is seen: a fixed offset east of UTC, or the process's local zone (the
/// `TZ` variable; its offset at that instant, so daylight saving time is followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Offset(FixedOffset),
    Local,
}

impl DateTime {
    /// The instant `epoch_ms` (milliseconds since 1970-01-01 UTC) as the wall clock of `zone`,
    /// aware of that zone's offset, so that as `$time` it is the instant itself. This is how
    /// a binding turns its language's instant (a JS `Date`, a C `epoch_ms`) into a datetime.
    /// `None` outside chrono's range.
    pub fn from_instant(epoch_ms: i64, zone: Zone) -> Option<Self> {
        let offset = match zone {
            Zone::Offset(offset) => offset,
            Zone::Local => Local.timestamp_millis_opt(epoch_ms).single()?.offset().fix(),
        };
        let at = offset.timestamp_millis_opt(epoch_ms).single()?;
        Some(DateTime::aware(at.naive_local(), offset))
    }

    pub fn naive(wall: NaiveDateTime) -> Self {
        DateTime { wall, offset: None }
    }

    pub fn aware(wall: NaiveDateTime, offset: FixedOffset) -> Self {
        DateTime { wall, offset: Some(offset) }
    }

    /// Milliseconds since the epoch; a naive value is read as local time (as `time.mktime`).
    /// `None` for a local time that does not exist (inside a DST gap).
    pub fn epoch_millis(&self) -> Option<i64> {
        match self.offset {
            Some(offset) => offset
                .from_local_datetime(&self.wall)
                .single()
                .map(|dt| dt.timestamp_millis()),
            None => chrono::Local
                .from_local_datetime(&self.wall)
                .earliest()
                .map(|dt| dt.timestamp_millis()),
        }
    }
}

impl<'a> Value<'a> {
    pub fn str(s: impl Into<Cow<'a, str>>) -> Self {
        Value::Str(s.into())
    }

    /// A datetime given by its wall clock, as the JVM and Swift layers pass one: `wall_millis`
    /// are the milliseconds since 1970-01-01T00:00 of the wall-clock reading as if it were
    /// UTC; aware of `offset_seconds` (east of UTC) when given, else naive (local time). Out of
    /// range (the time or the offset) it is an unsupported `datetime`, reported as usual.
    pub fn wall_datetime(wall_millis: i64, offset_seconds: Option<i32>) -> Self {
        let wall = chrono::DateTime::from_timestamp_millis(wall_millis).map(|d| d.naive_utc());
        let datetime = match offset_seconds {
            None => wall.map(DateTime::naive),
            Some(secs) => wall.zip(FixedOffset::east_opt(secs)).map(|(wall, offset)| DateTime::aware(wall, offset)),
        };
        datetime.map_or(Value::Invalid(Invalid::Type(Cow::Borrowed("datetime"))), Value::DateTime)
    }

    /// A calendar date by its fields; one that does not exist (2023-02-30) is an unsupported
    /// `date`, reported as usual.
    pub fn date(year: i32, month: u32, day: u32) -> Self {
        NaiveDate::from_ymd_opt(year, month, day).map_or(Value::Invalid(Invalid::Type(Cow::Borrowed("date"))), Value::Date)
    }

    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::Float(f) => Value::Float(f),
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::DateTime(d) => Value::DateTime(d),
            Value::Date(d) => Value::Date(d),
            Value::List(l) => Value::List(l.into_iter().map(|s| Cow::Owned(s.into_owned())).collect()),
            Value::Invalid(Invalid::Type(t)) => Value::Invalid(Invalid::Type(Cow::Owned(t.into_owned()))),
            Value::Invalid(Invalid::ListElement(t)) => {
                Value::Invalid(Invalid::ListElement(Cow::Owned(t.into_owned())))
            }
            Value::Invalid(Invalid::KeyNotStr) => Value::Invalid(Invalid::KeyNotStr),
        }
    }

    /// Python truthiness, which the reference uses for `$time` (`t or now`).
    pub(crate) fn is_falsy(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Bool(b) => !b,
            Value::Int(i) => *i == 0,
            Value::Float(f) => *f == 0.0,
            Value::Str(s) => s.is_empty(),
            Value::List(l) => l.is_empty(),
            _ => false,
        }
    }
}

impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value<'_> {
    fn from(v: i32) -> Self {
        Value::Int(v.into())
    }
}
impl From<f64> for Value<'_> {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Str(Cow::Borrowed(v))
    }
}
impl From<String> for Value<'_> {
    fn from(v: String) -> Self {
        Value::Str(Cow::Owned(v))
    }
}
impl From<NaiveDate> for Value<'_> {
    fn from(v: NaiveDate) -> Self {
        Value::Date(v)
    }
}
impl From<DateTime> for Value<'_> {
    fn from(v: DateTime) -> Self {
        Value::DateTime(v)
    }
}
impl<'a> From<Vec<&'a str>> for Value<'a> {
    fn from(v: Vec<&'a str>) -> Self {
        Value::List(v.into_iter().map(Cow::Borrowed).collect())
    }
}

/// Key equality, checking length and first byte before the full compare: lookups run for every
/// property of every record, and most candidates differ there (`$time` vs `price`), which
/// saves a memcmp call each.
#[inline]
fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// An ordered map of properties: insertion order is the output order, as with Python dicts;
/// assigning an existing key keeps its position. Lookups are linear: events carry a handful of
/// properties, where a scan beats hashing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Properties<'a> {
    entries: Vec<(Cow<'a, str>, Value<'a>)>,
}

impl<'a> Properties<'a> {
    pub fn new() -> Self {
        Properties { entries: Vec::new() }
    }

    pub fn with_capacity(n: usize) -> Self {
        Properties { entries: Vec::with_capacity(n) }
    }

    /// Sets `key` to `value`: in place when the key exists, else at the end.
    pub fn insert(&mut self, key: impl Into<Cow<'a, str>>, value: impl Into<Value<'a>>) {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// Appends without looking for the key: for a binding converting a map whose keys are
    /// already unique (a Python dict, a JS object). A duplicate key here is the caller's bug.
    pub fn push_unique(&mut self, key: impl Into<Cow<'a, str>>, value: Value<'a>) {
        self.entries.push((key.into(), value));
    }

    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.entries.iter().find(|(k, _)| same_key(k, key)).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Removes `key`, keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<Value<'a>> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(i).1)
    }

    /// Copies `other` over `self` as `dict.update` does.
    pub fn update(&mut self, other: &Properties<'a>) {
        for (k, v) in &other.entries {
            self.insert(k.clone(), v.clone());
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value<'a>)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The dict form of a key list, `{key: true}`: what profile_unset sends.
    pub fn from_keys<I, K>(keys: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: Into<Cow<'a, str>>,
    {
        let mut p = Properties::new();
        for k in keys {
            p.insert(k, Value::Bool(true));
        }
        p
    }

    pub fn into_owned(self) -> Properties<'static> {
        Properties {
            entries: self
                .entries
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                .collect(),
        }
    }
}

impl<'a, K: Into<Cow<'a, str>>, V: Into<Value<'a>>> FromIterator<(K, V)> for Properties<'a> {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        let mut p = Properties::new();
        for (k, v) in iter {
            p.insert(k, v);
        }
        p
    }
}

/// An ID-Mapping 3.0 identity: `SensorsAnalyticsIdentity(key, value)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity<'a> {
    pub key: Cow<'a, str>,
    pub value: Cow<'a, str>,
}

impl<'a> Identity<'a> {
    pub const LOGIN_ID: &'static str = "$identity_login_id";
    pub const MOBILE: &'static str = "$identity_mobile";
    pub const EMAIL: &'static str = "$identity_email";

    pub fn new(key: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        Identity { key: key.into(), value: value.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_keeps_its_zone_and_stays_the_same_instant() {
        let east8 = FixedOffset::east_opt(8 * 3600).unwrap();
        let d = DateTime::from_instant(1_700_000_000_123, Zone::Offset(east8)).unwrap();
        assert_eq!(d.wall.to_string(), "2023-11-15 06:13:20.123");
        assert_eq!(d.offset, Some(east8));
        for ms in [0, 1_700_000_000_123, -86_400_001, 4_102_444_800_000] {
            for zone in [Zone::Local, Zone::Offset(east8), Zone::Offset(FixedOffset::west_opt(5 * 3600).unwrap())] {
                assert_eq!(DateTime::from_instant(ms, zone).unwrap().epoch_millis(), Some(ms), "{ms} {zone:?}");
            }
        }
        assert_eq!(DateTime::from_instant(i64::MAX, Zone::Local), None);
        assert_eq!(DateTime::from_instant(i64::MIN, Zone::Offset(east8)), None);
    }

    #[test]
    fn a_wall_clock_keeps_its_reading_and_offset() {
        // 2024-02-29T23:59:58.007 as a wall clock, at +08:00, and naive.
        let Value::DateTime(aware) = Value::wall_datetime(1_709_251_198_007, Some(8 * 3600)) else { panic!() };
        assert_eq!(aware.wall.to_string(), "2024-02-29 23:59:58.007");
        assert_eq!(aware.epoch_millis(), Some(1_709_251_198_007 - 8 * 3_600_000));
        let Value::DateTime(naive) = Value::wall_datetime(1_709_251_198_007, None) else { panic!() };
        assert_eq!((naive.wall, naive.offset), (aware.wall, None));
        let unsupported = Value::Invalid(Invalid::Type("datetime".into()));
        assert_eq!(Value::wall_datetime(i64::MAX, None), unsupported);
        assert_eq!(Value::wall_datetime(0, Some(86_400)), unsupported);
    }

    #[test]
    fn a_date_by_its_fields_or_unsupported() {
        assert_eq!(Value::date(2024, 2, 29), Value::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()));
        assert_eq!(Value::date(2023, 2, 30), Value::Invalid(Invalid::Type("date".into())));
        assert_eq!(Value::date(2023, 13, 1), Value::Invalid(Invalid::Type("date".into())));
    }
}
