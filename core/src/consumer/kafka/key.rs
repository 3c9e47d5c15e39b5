//! The Kafka message key of a record: what keeps one user's (or one item's) records in order.
//! Kafka keeps order only within a partition, and the partitioner picks the partition from the
//! key, so every record of one `distinct_id` lands in one partition, in the order it was sent.

use std::borrow::Cow;

use serde::Deserialize;

/// The few top-level fields the key is made of; serde skips the rest of the record without
/// building it (no allocation unless a field has escapes).
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow, default, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    distinct_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    item_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    item_id: Option<Cow<'a, str>>,
}

/// `distinct_id`, or `item_type:item_id` for `item_set`/`item_delete` records (an item type
/// is a name, which has no `:`, so the two parts cannot run into each other). `None` for a
/// record that has neither (a user consumer's own text): Kafka then spreads it freely.
pub fn message_key(record: &str) -> Option<Cow<'_, str>> {
    if let Some(id) = leading_distinct_id(record) {
        return Some(id);
    }
    let head: Head<'_> = serde_json::from_str(record).ok()?;
    let is_item = head.kind.as_deref().is_some_and(|k| k.starts_with("item_"));
    match (is_item, head.item_type, head.item_id) {
        (true, Some(t), Some(id)) => Some(Cow::Owned(format!("{t}:{id}"))),
        _ => head.distinct_id,
    }
}

/// A JSON string, borrowed from the record unless it has escapes.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

/// The records our writer makes start `{"type":"<kind>","time":<ms>,"distinct_id":"<id>"`
/// (`record.rs`, the order of docs/SPEC.md §2.1): for those the id is read where it stands,
/// without scanning the properties that follow (the general parse below costs ~350 ns a
/// record, a third of a Python `track()` into Kafka). Items and any other text take the
/// general parse.
fn leading_distinct_id(record: &str) -> Option<Cow<'_, str>> {
    let rest = record.strip_prefix(r#"{"type":""#)?;
    let (kind, rest) = rest.split_once('"')?;
    if kind.starts_with("item_") || kind.contains('\\') {
        return None;
    }
    let rest = rest.strip_prefix(r#","time":"#)?;
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    let rest = rest.strip_prefix(r#","distinct_id":"#)?;
    // Reads the one string value at the start of `rest` (not the rest of the record).
    let Text(id) = Text::deserialize(&mut serde_json::Deserializer::from_str(rest)).ok()?;
    Some(id)
}

#[cfg(test)]
mod tests {
    use super::message_key;

    #[test]
    fn keys() {
        let r = r#"{"_track_id":1,"properties":{"distinct_id":"inner"},"distinct_id":"u-1","type":"track"}"#;
        assert_eq!(message_key(r).as_deref(), Some("u-1"));
        let item = r#"{"type":"item_set","item_type":"book","item_id":"b\"7","properties":{}}"#;
        assert_eq!(message_key(item).as_deref(), Some("book:b\"7"));
        assert_eq!(message_key("not json"), None);
        assert_eq!(message_key(r#"{"type":"track"}"#), None);
        // The writer's own order: read where it stands, escapes included, the same answer as
        // the general parse.
        let ours = r#"{"type":"track","time":1796284100123,"distinct_id":"u\"2","properties":{"distinct_id":"x"},"event":"E"}"#;
        assert!(matches!(super::leading_distinct_id(ours), Some(std::borrow::Cow::Owned(ref s)) if s == "u\"2"));
        let plain = r#"{"type":"profile_set","time":1,"distinct_id":"u-3","properties":{}}"#;
        assert!(matches!(super::leading_distinct_id(plain), Some(std::borrow::Cow::Borrowed("u-3"))));
        // Items are keyed by their item, never by a leading id.
        let item_ours = r#"{"type":"item_set","time":1,"distinct_id":"u","item_type":"book","item_id":"b1","properties":{}}"#;
        assert_eq!(super::leading_distinct_id(item_ours), None);
        assert_eq!(message_key(item_ours).as_deref(), Some("book:b1"));
        // A record whose id is not a string falls back to the general parse (and has no key).
        assert_eq!(message_key(r#"{"type":"track","time":1,"distinct_id":7}"#), None);
    }
}
