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
    let head: Head<'_> = serde_json::from_str(record).ok()?;
    let is_item = head.kind.as_deref().is_some_and(|k| k.starts_with("item_"));
    match (is_item, head.item_type, head.item_id) {
        (true, Some(t), Some(id)) => Some(Cow::Owned(format!("{t}:{id}"))),
        _ => head.distinct_id,
    }
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
    }
}
