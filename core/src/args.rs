//! Arguments as a dynamically typed language hands them over (Python, JavaScript): a name
//! that may not be a string, a properties argument that may be None, a dict, a list or
//! something else, identities not yet checked. The reference SDK's rules for these *shapes*,
//! and the order in which it checks them against everything else, live here once; a binding
//! only converts its values into these types and calls the `*_loose` methods.
//!
//! Statically typed bindings (C, Kotlin, Swift) cannot pass a wrong shape and call the typed
//! methods of [`Client`] directly.

use std::borrow::Cow;

use crate::client::{Client, ProfileOp};
use crate::error::{Error, Result};
use crate::record::{CallSite, EventName};
use crate::validate::{self, *};
use crate::value::{Identity, Properties};

/// A text argument (event name, item type, identity key or value): a string, or a value of
/// another type with the text the reference prints for it (Python's `str(x)`: `None`, `5`).
#[derive(Debug, Clone, PartialEq)]
pub enum Text<'a> {
    Str(Cow<'a, str>),
    NotStr(String),
}

impl<'a> Text<'a> {
    pub fn into_owned(self) -> Text<'static> {
        match self {
            Text::Str(s) => Text::Str(Cow::Owned(s.into_owned())),
            Text::NotStr(shown) => Text::NotStr(shown),
        }
    }

    fn as_name(&self) -> EventName<'_> {
        match self {
            Text::Str(s) => Ok(s),
            Text::NotStr(shown) => Err(shown),
        }
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(s: &'a str) -> Self {
        Text::Str(Cow::Borrowed(s))
    }
}

/// A properties argument (`properties`, `profiles`, `profile_keys`) by what the reference
/// would see in it.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    /// Not given, or None (`null`/`undefined` in JS).
    Absent,
    /// A dict (a plain JS object).
    Map(Properties<'a>),
    /// A list, as the keys it names (`{key: true}`, see [`Properties::from_keys`]): only
    /// `profile_unset` and `profile_unset_by_id` take one.
    List(Properties<'a>),
    /// Anything else; `falsy` is Python's truth test of it (`""`, `0`, `False` are falsy).
    Other { falsy: bool },
}

impl<'a> Arg<'a> {
    /// Python's `bool(arg)`.
    fn truthy(&self) -> bool {
        match self {
            Arg::Absent => false,
            Arg::Map(p) | Arg::List(p) => !p.is_empty(),
            Arg::Other { falsy } => !falsy,
        }
    }

    /// A dict, or `message` for anything else (None included).
    fn dict(self, message: &str) -> Result<Properties<'a>> {
        match self {
            Arg::Map(p) => Ok(p),
            _ => Err(Error::illegal(message)),
        }
    }

    /// None or a dict; `message` for anything else.
    fn dict_or_none(self, message: &str) -> Result<Option<Properties<'a>>> {
        match self {
            Arg::Absent => Ok(None),
            other => other.dict(message).map(Some),
        }
    }

    /// The reference's `if properties: all_properties.update(properties)` of the event
    /// methods: anything falsy is no properties; anything else must be a dict.
    fn event_properties(self) -> Result<Option<Properties<'a>>> {
        if self.truthy() {
            self.dict(MSG_PROPERTIES_NOT_DICT).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// One identity argument of `bind`, `unbind` and the `*_by_id` methods.
#[derive(Debug, Clone, PartialEq)]
pub enum IdentityArg<'a> {
    /// An object that is not a `SensorsAnalyticsIdentity`.
    NotIdentity,
    Given { key: Text<'a>, value: Text<'a> },
}

/// The reference's `_check_identity_type`: fewer than `at_least` (bind: **ours**, Python's
/// signature raises a TypeError), none at all, then each identity in turn (its type, its key,
/// that its value is a str, the value's rules), then duplicate keys.
fn identities(given: Vec<IdentityArg<'_>>, at_least: usize) -> Result<Vec<Identity<'_>>> {
    if given.len() < at_least {
        validate::check_identities(&[], at_least)?;
    }
    let mut out = Vec::with_capacity(given.len());
    for arg in given {
        let IdentityArg::Given { key, value } = arg else {
            return Err(Error::illegal(MSG_IDENTITY_TYPE));
        };
        let key = match key {
            Text::Str(k) => k,
            Text::NotStr(shown) => return Err(Error::illegal(msg_key_not_str(&shown))),
        };
        validate::check_key(&key)?;
        let value = match value {
            Text::Str(v) => v,
            Text::NotStr(_) => return Err(Error::illegal(msg_identity_value_not_str(&key))),
        };
        let identity = Identity { key, value };
        validate::check_identities(std::slice::from_ref(&identity), 1)?;
        out.push(identity);
    }
    validate::check_identities(&out, at_least)?;
    Ok(out)
}

impl Client {
    /// `track(distinct_id, event_name, properties=None, is_login_id=False)`. Order: the
    /// properties' shape, then (in the record) distinct_id, `$time`, the event name, ...
    pub fn track_loose(
        &self,
        site: Option<&CallSite<'_>>,
        distinct_id: &str,
        event_name: &Text<'_>,
        properties: Arg<'_>,
        is_login_id: bool,
    ) -> Result<()> {
        let properties = properties.event_properties()?;
        self.track_named(site, distinct_id, event_name.as_name(), properties.as_ref(), is_login_id)
    }

    /// `track_signup(distinct_id, original_id, properties=None)`: original_id first, then
    /// the properties' shape.
    pub fn track_signup_loose(
        &self,
        site: Option<&CallSite<'_>>,
        distinct_id: &str,
        original_id: &str,
        properties: Arg<'_>,
    ) -> Result<()> {
        validate::check_id("original_id", original_id)?;
        let properties = properties.event_properties()?;
        self.track_signup(site, distinct_id, original_id, properties.as_ref())
    }

    /// `profile_set`, `profile_set_once` (None or a dict), `profile_increment`,
    /// `profile_append` (a dict), `profile_unset` (a list of keys, a dict or None) and
    /// `profile_delete` (`profiles` ignored). The shape comes before distinct_id.
    pub fn profile_loose(
        &self,
        site: Option<&CallSite<'_>>,
        op: ProfileOp,
        distinct_id: &str,
        profiles: Arg<'_>,
        is_login_id: bool,
    ) -> Result<()> {
        let profiles = match (op, profiles) {
            (ProfileOp::Delete, _) => None,
            (ProfileOp::Unset, Arg::List(keys)) => Some(keys),
            (ProfileOp::Unset, p) => p.dict_or_none(MSG_PROFILE_KEYS_NOT_LIST_OR_DICT)?,
            (ProfileOp::Set | ProfileOp::SetOnce, p) => p.dict_or_none(MSG_PROFILES_NOT_DICT)?,
            (ProfileOp::Increment | ProfileOp::Append, p) => Some(p.dict(MSG_PROFILES_NOT_DICT)?),
        };
        self.profile(site, op, distinct_id, profiles.as_ref(), is_login_id)
    }

    /// `item_set(item_type, item_id, properties=None)`, or `item_delete` when `delete`.
    /// Order: item_type (a str, then a name), item_id, then the properties' shape (None or a
    /// dict), as the reference reaches them.
    pub fn item_loose(
        &self,
        site: Option<&CallSite<'_>>,
        delete: bool,
        item_type: &Text<'_>,
        item_id: &str,
        properties: Arg<'_>,
    ) -> Result<()> {
        let item_type = match item_type {
            Text::Str(s) => s,
            Text::NotStr(shown) => return Err(Error::illegal(msg_item_type(shown))),
        };
        validate::check_item(item_type, item_id)?;
        let properties = properties.dict_or_none(MSG_PROPERTIES_NOT_DICT)?;
        if delete {
            self.item_delete(site, item_type, item_id, properties.as_ref())
        } else {
            self.item_set(site, item_type, item_id, properties.as_ref())
        }
    }

    /// `register_super_properties(super_properties)`: a dict; None changes nothing.
    pub fn register_super_properties_loose(&self, properties: Arg<'_>) -> Result<()> {
        if let Some(p) = properties.dict_or_none(MSG_PROPERTIES_NOT_DICT)? {
            self.register_super_properties(&p);
        }
        Ok(())
    }

    /// `bind(first_identity, second_identity, *other_identities)`
    pub fn bind_loose(&self, site: Option<&CallSite<'_>>, given: Vec<IdentityArg<'_>>) -> Result<()> {
        self.bind(site, &identities(given, 2)?)
    }

    /// `unbind(identity)`
    pub fn unbind_loose(&self, site: Option<&CallSite<'_>>, given: IdentityArg<'_>) -> Result<()> {
        self.unbind(site, &identities(vec![given], 1)?[0])
    }

    /// `track_by_id(event_name, properties, *identities)`: the identities first, then the
    /// properties' shape, then the record's checks.
    pub fn track_by_id_loose(
        &self,
        site: Option<&CallSite<'_>>,
        event_name: &Text<'_>,
        properties: Arg<'_>,
        given: Vec<IdentityArg<'_>>,
    ) -> Result<()> {
        let ids = identities(given, 1)?;
        let properties = properties.event_properties()?;
        self.track_by_id_named(site, event_name.as_name(), properties.as_ref(), &ids)
    }

    /// `profile_set_by_id`, `profile_set_once_by_id` ("None or Empty", then a dict),
    /// `profile_increment_by_id`, `profile_append_by_id` (a dict, its values, then empty),
    /// `profile_unset_by_id` (a list) and `profile_delete_by_id`; the identities after all
    /// of these.
    pub fn profile_by_id_loose(
        &self,
        site: Option<&CallSite<'_>>,
        op: ProfileOp,
        properties: Arg<'_>,
        given: Vec<IdentityArg<'_>>,
    ) -> Result<()> {
        let properties = match (op, properties) {
            (ProfileOp::Delete, _) => None,
            (ProfileOp::Set | ProfileOp::SetOnce, p) if !p.truthy() => {
                return Err(Error::illegal(MSG_PROPERTIES_EMPTY_BY_ID));
            }
            (ProfileOp::Set | ProfileOp::SetOnce, p) => Some(p.dict(MSG_PROPERTIES_TYPE_BY_ID)?),
            (ProfileOp::Increment | ProfileOp::Append, p) => Some(p.dict(MSG_PROFILES_NOT_DICT)?),
            (ProfileOp::Unset, Arg::List(keys)) => Some(keys),
            (ProfileOp::Unset, _) => return Err(Error::illegal(MSG_PROFILE_KEYS_NOT_LIST)),
        };
        // The values of increment/append, then emptiness, come before the identities.
        op.check_values(properties.as_ref())?;
        if op != ProfileOp::Delete && properties.as_ref().is_none_or(Properties::is_empty) {
            return Err(Error::illegal(MSG_PROPERTIES_EMPTY_BY_ID));
        }
        let ids = identities(given, 1)?;
        self.profile_by_id(site, op, properties.as_ref(), &ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_op_codes_round_trip_and_unknown_is_an_error() {
        for (i, op) in ProfileOp::ALL.iter().enumerate() {
            assert_eq!(op.code() as usize, i);
            assert_eq!(ProfileOp::from_code(op.code()).unwrap(), *op);
        }
        let e = ProfileOp::from_code(6).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::IllegalData);
        assert!(ProfileOp::from_code(u32::MAX).is_err());
    }

    #[test]
    fn truthiness_follows_python() {
        assert!(!Arg::Absent.truthy());
        assert!(!Arg::Map(Properties::new()).truthy());
        assert!(!Arg::List(Properties::new()).truthy());
        assert!(Arg::List(Properties::from_keys(["a"])).truthy());
        assert!(!Arg::Other { falsy: true }.truthy());
        assert!(Arg::Other { falsy: false }.truthy());
    }
}
