//! `SensorsAnalytics`: the native half of lib/client.js. Each method converts its JS arguments
//! (value.rs, identity.rs), applies the argument-shape rules that only exist because JS
//! (like Python) is dynamically typed, and calls the core client once. raw.rs exposes these
//! methods to JS (as plain Node-API callbacks: this is the hot path).
//!
//! The shape rules follow the reference's order of checks; the texts come from the core.

use std::sync::Arc;

use napi::Result;
use napi_derive::napi;
use sensorsanalytics::validate::{
    self, MSG_PROFILES_NOT_DICT, MSG_PROFILE_KEYS_NOT_LIST, MSG_PROFILE_KEYS_NOT_LIST_OR_DICT,
    MSG_PROPERTIES_EMPTY_BY_ID, MSG_PROPERTIES_NOT_DICT, MSG_PROPERTIES_TYPE_BY_ID,
};
use sensorsanalytics::{CallSite, Client, Config, ProfileOp as CoreOp, Properties};

use crate::consumer::LineCatcher;
use crate::error::{illegal, Outcome};
use crate::identity;
use crate::js::{Js, Kind};
use crate::{json_props, raw, site, value};

/// The profile operations, as `ProfileOp.Set` etc. in JS (numbers 0 to 5).
#[napi]
pub enum ProfileOp {
    Set,
    SetOnce,
    Increment,
    Append,
    Unset,
    Delete,
}

/// The operation a JS `ProfileOp` number names.
fn profile_op(v: Js) -> Result<CoreOp> {
    Ok(match v.f64()? as u32 {
        0 => CoreOp::Set,
        1 => CoreOp::SetOnce,
        2 => CoreOp::Increment,
        3 => CoreOp::Append,
        4 => CoreOp::Unset,
        _ => CoreOp::Delete,
    })
}

/// A properties-like argument, by what Python would see in it.
enum Arg<'a> {
    /// None (null or undefined).
    Absent,
    Dict(Properties<'a>),
    /// Anything else; `falsy` as Python's truth test would say (`[]`, `""`, `0`).
    Other {
        falsy: bool,
    },
}

impl<'a> Arg<'a> {
    /// The dict, or `message` when the argument is something else.
    fn dict_or(self, message: &str) -> Outcome<Option<Properties<'a>>> {
        match self {
            Arg::Absent => Ok(None),
            Arg::Dict(p) => Ok(Some(p)),
            Arg::Other { .. } => Err(illegal(message)),
        }
    }
}

/// Reads a properties argument: from `json` (lib/properties.js's fast form) when it is there
/// and parses, else from the object itself. `text` keeps the JSON the result borrows from.
fn dict_arg<'a>(value: Js, json: Js, text: &'a mut String) -> Outcome<Arg<'a>> {
    if json.kind()? == Kind::String {
        *text = json.string()?;
        let text: &'a String = text;
        if let Some(props) = json_props::parse(text) {
            return Ok(Arg::Dict(props));
        }
    }
    match value.kind()? {
        Kind::Undefined | Kind::Null => Ok(Arg::Absent),
        _ if value::is_dict(value)? => Ok(Arg::Dict(value::to_properties(value)?)),
        _ => Ok(Arg::Other {
            falsy: value::py_falsy(value)?,
        }),
    }
}

/// A name argument (event name, item type): its text, or, when it is not a string (which the
/// reference rejects: a TypeError from its regex; ours: the name message), what to show.
fn name_arg(v: Js) -> Result<std::result::Result<String, String>> {
    if v.kind()? == Kind::String {
        Ok(Ok(v.string()?))
    } else {
        Ok(Err(value::py_str(v)?))
    }
}

/// A client: the core client, and whether its records go back to JS (a JS consumer).
pub struct ClientCore {
    client: Client,
    returns_records: bool,
}

/// Arguments of a method, after the client handle: `a[0]` is the call site (see `with_site`).
pub type Args = [Js];

impl ClientCore {
    /// `consumer`: the SDK's consumer, or `None` when the consumer is a JS object.
    pub fn new(
        consumer: Option<Arc<dyn sensorsanalytics::Consumer>>,
        project_name: Option<String>,
        enable_time_free: bool,
    ) -> Self {
        let (sink, returns_records): (Arc<dyn sensorsanalytics::Consumer>, bool) = match consumer {
            Some(c) => (c, false),
            None => (Arc::new(LineCatcher), true),
        };
        let config = Config {
            project_name,
            enable_time_free,
            lib_name: "Node".to_owned(),
            ..Config::default()
        };
        ClientCore {
            client: Client::new(sink, config),
            returns_records,
        }
    }

    /// Runs one method and hands back its record when the consumer is a JS object.
    pub fn call(&self, method: Method, a: &Args) -> Outcome<Option<String>> {
        let outcome = with_site(a[0], |site| method(self, site, &a[1..]));
        let record = if self.returns_records {
            LineCatcher::take()
        } else {
            None
        };
        outcome.map(|()| record)
    }
}

/// A method body: the client, the parsed call site, the JS arguments after the site.
pub type Method = fn(&ClientCore, Option<&CallSite<'_>>, &Args) -> Outcome<()>;

/// Runs `f` with the call site lib/callsite.js passed: a handle from `site()` (the usual case:
/// nothing to convert or parse), a `stack` text (parsed here), or nothing.
fn with_site<T>(site: Js, f: impl FnOnce(Option<&CallSite<'_>>) -> Outcome<T>) -> Outcome<T> {
    match site.kind()? {
        Kind::External => f(Some(&raw::site_of(site)?.call_site())),
        Kind::String => {
            let text = site.string()?;
            f(site::parse(&text).as_ref())
        }
        _ => f(None),
    }
}

/// `track(distinct_id, event_name, properties=None, is_login_id=False)`
pub fn track(c: &ClientCore, site: Option<&CallSite<'_>>, a: &Args) -> Outcome<()> {
    let [distinct_id, event_name, properties, json, is_login_id, ..] = *a else {
        unreachable!()
    };
    let mut text = String::new();
    let props = dict_arg(properties, json, &mut text)?.dict_or(MSG_PROPERTIES_NOT_DICT)?;
    let distinct_id = value::id_text(distinct_id)?;
    let event = match name_arg(event_name)? {
        Ok(name) => name,
        Err(shown) => {
            validate::check_id("distinct_id", &distinct_id)?;
            return Err(illegal(validate::msg_event_name(&shown)));
        }
    };
    Ok(c.client.track(
        site,
        &distinct_id,
        &event,
        props.as_ref(),
        is_login_id.bool()?,
    )?)
}

/// `track_signup(distinct_id, original_id, properties=None)`
pub fn track_signup(c: &ClientCore, site: Option<&CallSite<'_>>, a: &Args) -> Outcome<()> {
    let [distinct_id, original_id, properties, json, ..] = *a else {
        unreachable!()
    };
    let mut text = String::new();
    let props = dict_arg(properties, json, &mut text)?.dict_or(MSG_PROPERTIES_NOT_DICT)?;
    let distinct_id = value::id_text(distinct_id)?;
    let original_id = value::id_text(original_id)?;
    Ok(c.client
        .track_signup(site, &distinct_id, &original_id, props.as_ref())?)
}

/// `profile_set`, `profile_set_once`, `profile_increment`, `profile_append`,
/// `profile_unset` (a list of keys or a dict) and `profile_delete`:
/// `(op, distinct_id, profiles, json, is_login_id)`.
pub fn profile(c: &ClientCore, site: Option<&CallSite<'_>>, a: &Args) -> Outcome<()> {
    let [op, distinct_id, profiles, json, is_login_id, ..] = *a else {
        unreachable!()
    };
    let mut text = String::new();
    let op = profile_op(op)?;
    let props = match op {
        CoreOp::Delete => None,
        CoreOp::Unset if profiles.is_array()? => Some(value::keys_to_properties(profiles)?),
        CoreOp::Unset => {
            dict_arg(profiles, json, &mut text)?.dict_or(MSG_PROFILE_KEYS_NOT_LIST_OR_DICT)?
        }
        _ => dict_arg(profiles, json, &mut text)?.dict_or(MSG_PROFILES_NOT_DICT)?,
    };
    let distinct_id = value::id_text(distinct_id)?;
    Ok(c.client
        .profile(site, op, &distinct_id, props.as_ref(), is_login_id.bool()?)?)
}

/// `item_set(item_type, item_id, properties=None)`, or `item_delete`:
/// `(delete, item_type, item_id, properties, json)`.
pub fn item(c: &ClientCore, site: Option<&CallSite<'_>>, a: &Args) -> Outcome<()> {
    let [delete, item_type, item_id, properties, json, ..] = *a else {
        unreachable!()
    };
    let mut text = String::new();
    let props = dict_arg(properties, json, &mut text)?.dict_or(MSG_PROPERTIES_NOT_DICT)?;
    let item_type =
        name_arg(item_type)?.map_err(|shown| illegal(validate::msg_item_type(&shown)))?;
    let item_id = value::id_text(item_id)?;
    if delete.bool()? {
        Ok(c.client
            .item_delete(site, &item_type, &item_id, props.as_ref())?)
    } else {
        Ok(c.client
            .item_set(site, &item_type, &item_id, props.as_ref())?)
    }
}

/// `register_super_properties(dict)`: `(properties, json)`.
pub fn register_super_properties(
    c: &ClientCore,
    _site: Option<&CallSite<'_>>,
    a: &Args,
) -> Outcome<()> {
    let [properties, json, ..] = *a else {
        unreachable!()
    };
    let mut text = String::new();
    if let Some(p) = dict_arg(properties, json, &mut text)?.dict_or(MSG_PROPERTIES_NOT_DICT)? {
        c.client.register_super_properties(&p);
    }
    Ok(())
}

/// `clear_super_properties()`
pub fn clear_super_properties(
    c: &ClientCore,
    _site: Option<&CallSite<'_>>,
    _a: &Args,
) -> Outcome<()> {
    c.client.clear_super_properties();
    Ok(())
}

/// `bind(first_identity, second_identity, *other_identities)`: `(identities)`.
pub fn bind(c: &ClientCore, site: Option<&CallSite<'_>>, a: &Args) -> Outcome<()> {
    let list = a[0];
    // Fewer than two: the core's "bind needs at least two identities" comes first.
    let ids = if !list.is_array()? || list.array_len()? < 2 {
        Vec::new()
    } else {
        identity::from_list(list)?
    };
    Ok(c.client.bind(site, &ids)?)
}

/// `unbind(identity)`
pub fn unbind(c: &ClientCore, site: Option<&CallSite<'_>>, a: &Args) -> Outcome<()> {
    let id = identity::from_value(a[0])?;
    Ok(c.client.unbind(site, &id)?)
}

/// `track_by_id(event_name, properties, *identities)`: `(event_name, properties, json, identities)`.
pub fn track_by_id(c: &ClientCore, site: Option<&CallSite<'_>>, a: &Args) -> Outcome<()> {
    let [event_name, properties, json, identities, ..] = *a else {
        unreachable!()
    };
    // The reference checks the identities first, then the properties.
    let ids = identity::from_list(identities)?;
    validate::check_identities(&ids, 1)?;
    let mut text = String::new();
    let props = dict_arg(properties, json, &mut text)?.dict_or(MSG_PROPERTIES_NOT_DICT)?;
    let event = name_arg(event_name)?.map_err(|shown| illegal(validate::msg_event_name(&shown)))?;
    Ok(c.client.track_by_id(site, &event, props.as_ref(), &ids)?)
}

/// `profile_set_by_id`, `profile_set_once_by_id`, `profile_increment_by_id`,
/// `profile_append_by_id`, `profile_unset_by_id` (a list of keys) and
/// `profile_delete_by_id`: `(op, properties, json, identities)`.
pub fn profile_by_id(c: &ClientCore, site: Option<&CallSite<'_>>, a: &Args) -> Outcome<()> {
    let [op, properties, json, identities, ..] = *a else {
        unreachable!()
    };
    let mut text = String::new();
    let op = profile_op(op)?;
    let props = match op {
        CoreOp::Delete => None,
        CoreOp::Unset => {
            if !properties.is_array()? {
                return Err(illegal(MSG_PROFILE_KEYS_NOT_LIST));
            }
            Some(value::keys_to_properties(properties)?)
        }
        // These two check their values (in the core) before emptiness and identities.
        CoreOp::Increment | CoreOp::Append => {
            dict_arg(properties, json, &mut text)?.dict_or(MSG_PROFILES_NOT_DICT)?
        }
        _ => match dict_arg(properties, json, &mut text)? {
            Arg::Absent => None,
            Arg::Dict(p) => Some(p),
            Arg::Other { falsy: true } => return Err(illegal(MSG_PROPERTIES_EMPTY_BY_ID)),
            Arg::Other { falsy: false } => return Err(illegal(MSG_PROPERTIES_TYPE_BY_ID)),
        },
    };
    let ids = identity::from_list(identities)?;
    Ok(c.client.profile_by_id(site, op, props.as_ref(), &ids)?)
}
