//! `SensorsAnalytics`: the native half of lib/client.js. Each method converts its JS arguments
//! into the core's loose arguments (value.rs, identity.rs, `arg` below) and calls the core
//! client once; which argument may be null, an array or an object, and which check comes
//! first, is the core's (core/src/args.rs). raw.rs exposes these methods to JS (as plain
//! Node-API callbacks: this is the hot path).

use std::sync::Arc;

use sensorsanalytics::{Arg, CallSite, Client, Config, ProfileOp};

use crate::consumer::LineCatcher;
use crate::error::Outcome;
use crate::identity;
use crate::js::{Js, Kind};
use crate::{json_props, raw, site, value};

/// A properties-like argument: from `json` (lib/properties.js's fast form) when it is there
/// and parses, else from the value itself. `text` keeps the JSON the result borrows from.
fn arg<'a>(value: Js, json: Js, text: &'a mut String) -> Outcome<Arg<'a>> {
    if json.kind()? == Kind::String {
        *text = json.string()?;
        let text: &'a String = text;
        if let Some(props) = json_props::parse(text) {
            return Ok(Arg::Map(props));
        }
    }
    Ok(match value.kind()? {
        Kind::Undefined | Kind::Null => Arg::Absent,
        _ if value.is_array()? => Arg::List(value::keys_to_properties(value)?),
        _ if value::is_dict(value)? => Arg::Map(value::to_properties(value)?),
        _ => Arg::Other { falsy: value::py_falsy(value)? },
    })
}

/// The operation a JS `ProfileOp` number names: an unknown number is the core's error (only
/// an exact code names one: 5.5 or -1 must not become Delete or Set).
fn profile_op(v: Js) -> Outcome<ProfileOp> {
    let n = v.f64()?;
    let exact = n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n);
    Ok(ProfileOp::from_code(if exact { n as u32 } else { u32::MAX })?)
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
    let props = arg(properties, json, &mut text)?;
    let distinct_id = value::id_text(distinct_id)?;
    let event = value::text(event_name)?;
    let login = is_login_id.bool()?;
    Ok(c.client.track_loose(site, &distinct_id, &event, props, login)?)
}

/// `track_signup(distinct_id, original_id, properties=None)`
pub fn track_signup(c: &ClientCore, site: Option<&CallSite<'_>>, a: &Args) -> Outcome<()> {
    let [distinct_id, original_id, properties, json, ..] = *a else {
        unreachable!()
    };
    let mut text = String::new();
    let props = arg(properties, json, &mut text)?;
    let distinct_id = value::id_text(distinct_id)?;
    let original_id = value::id_text(original_id)?;
    Ok(c.client.track_signup_loose(site, &distinct_id, &original_id, props)?)
}

/// `profile_set`, `profile_set_once`, `profile_increment`, `profile_append`,
/// `profile_unset` and `profile_delete`: `(op, distinct_id, profiles, json, is_login_id)`.
pub fn profile(c: &ClientCore, site: Option<&CallSite<'_>>, a: &Args) -> Outcome<()> {
    let [op, distinct_id, profiles, json, is_login_id, ..] = *a else {
        unreachable!()
    };
    let mut text = String::new();
    let op = profile_op(op)?;
    let props = arg(profiles, json, &mut text)?;
    let distinct_id = value::id_text(distinct_id)?;
    let login = is_login_id.bool()?;
    Ok(c.client.profile_loose(site, op, &distinct_id, props, login)?)
}

/// `item_set(item_type, item_id, properties=None)`, or `item_delete`:
/// `(delete, item_type, item_id, properties, json)`.
pub fn item(c: &ClientCore, site: Option<&CallSite<'_>>, a: &Args) -> Outcome<()> {
    let [delete, item_type, item_id, properties, json, ..] = *a else {
        unreachable!()
    };
    let mut text = String::new();
    let props = arg(properties, json, &mut text)?;
    let item_type = value::text(item_type)?;
    let item_id = value::id_text(item_id)?;
    Ok(c.client.item_loose(site, delete.bool()?, &item_type, &item_id, props)?)
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
    Ok(c.client.register_super_properties_loose(arg(properties, json, &mut text)?)?)
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
    let ids = identity::from_list(a[0])?;
    Ok(c.client.bind_loose(site, ids)?)
}

/// `unbind(identity)`
pub fn unbind(c: &ClientCore, site: Option<&CallSite<'_>>, a: &Args) -> Outcome<()> {
    let id = identity::one(a[0])?;
    Ok(c.client.unbind_loose(site, id)?)
}

/// `track_by_id(event_name, properties, *identities)`: `(event_name, properties, json, identities)`.
pub fn track_by_id(c: &ClientCore, site: Option<&CallSite<'_>>, a: &Args) -> Outcome<()> {
    let [event_name, properties, json, identities, ..] = *a else {
        unreachable!()
    };
    let ids = identity::from_list(identities)?;
    let mut text = String::new();
    let props = arg(properties, json, &mut text)?;
    let event = value::text(event_name)?;
    Ok(c.client.track_by_id_loose(site, &event, props, ids)?)
}

/// `profile_set_by_id`, `profile_set_once_by_id`, `profile_increment_by_id`,
/// `profile_append_by_id`, `profile_unset_by_id` and `profile_delete_by_id`:
/// `(op, properties, json, identities)`.
pub fn profile_by_id(c: &ClientCore, site: Option<&CallSite<'_>>, a: &Args) -> Outcome<()> {
    let [op, properties, json, identities, ..] = *a else {
        unreachable!()
    };
    let mut text = String::new();
    let op = profile_op(op)?;
    let props = arg(properties, json, &mut text)?;
    let ids = identity::from_list(identities)?;
    Ok(c.client.profile_by_id_loose(site, op, props, ids)?)
}
