//! The fast path of property conversion: a flat JSON object made by `JSON.stringify` in JS.
//!
//! lib/properties.js sends this form only when every value is a string, a finite number, a
//! boolean, null or an array of strings, for which JSON is exact (an integral number prints
//! without a fraction and so parses back as an int, as `value::number` decides). One V8 call
//! then replaces a dozen Node-API calls per property, and strings are borrowed from the text.
//! Anything else in the text (which lib/properties.js never sends) makes the parse fail, and
//! the caller falls back to reading the object itself.

use std::borrow::Cow;
use std::fmt;

use sensorsanalytics::{Properties, Value};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::value::number;

/// Parses `{"k": v, ...}`; `None` when the text is anything else.
pub fn parse(text: &str) -> Option<Properties<'_>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let props = PropsSeed.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(props)
}

struct PropsSeed;

impl<'de> DeserializeSeed<'de> for PropsSeed {
    type Value = Properties<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(PropsVisitor)
    }
}

struct PropsVisitor;

impl<'de> Visitor<'de> for PropsVisitor {
    type Value = Properties<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a flat JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut props = Properties::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let value = map.next_value_seed(ValueSeed)?;
            // JSON.stringify writes each own key once.
            props.push_unique(key.0, value);
        }
        Ok(props)
    }
}

/// A string, borrowed when it has no escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v)))
    }
}

struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, number, boolean, null or list of strings")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Value::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Value::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Value::Str(Cow::Owned(v)))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Value::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        // Beyond i64: the JS number was a float that happens to be integral (see value::number).
        Ok(i64::try_from(v)
            .map(Value::Int)
            .unwrap_or_else(|_| number(v as f64)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // Also reached for integral numbers too long for u64 (e.g. 1e20 printed in full).
        Ok(number(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(Text(s)) = seq.next_element::<Text<'de>>()? {
            items.push(s);
        }
        Ok(Value::List(items))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_objects() {
        let p = parse(r#"{"s":"a\"b","i":5,"f":1.5,"b":true,"n":null,"l":["x","y"],"big":100000000000000000000}"#)
            .unwrap();
        let got: Vec<_> = p.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
        assert_eq!(got[0], ("s".to_owned(), Value::str("a\"b")));
        assert_eq!(got[1].1, Value::Int(5));
        assert_eq!(got[2].1, Value::Float(1.5));
        assert_eq!(got[3].1, Value::Bool(true));
        assert_eq!(got[4].1, Value::Null);
        assert_eq!(
            got[5].1,
            Value::List(vec![Cow::Borrowed("x"), Cow::Borrowed("y")])
        );
        assert_eq!(got[6].1, Value::Float(1e20));
    }

    #[test]
    fn anything_else_fails() {
        assert!(parse(r#"{"a":{"b":1}}"#).is_none());
        assert!(parse(r#"{"a":[1]}"#).is_none());
        assert!(parse(r#"["a"]"#).is_none());
        assert!(parse(r#"{"a":"\ud800"}"#).is_none());
    }
}
