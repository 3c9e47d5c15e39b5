//! Building one record, straight into a byte line, in the key order of the reference SDK.
//!
//! Events and profiles: type, time, distinct_id, properties, lib, [identities], [project],
//! [event], [original_id], [time_free], [token], [project], _track_id. "project" sits early when
//! the client has a project_name (a `$project` property overrides its value in place) and late
//! when only `$project` sets it: the reference builds a Python dict and that is where its key lands.
//! Items: type, time, lib, item_type, item_id, [project], properties.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};
use crate::json::{self, push_escaped, push_if_clean, write_i64, write_name_key, write_str, write_value};
use crate::validate::{self, time_error};
use crate::value::{Identity, Invalid, Properties, Value};

/// The `type` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    Track,
    TrackSignup,
    TrackIdBind,
    TrackIdUnbind,
    ProfileSet,
    ProfileSetOnce,
    ProfileIncrement,
    ProfileAppend,
    ProfileUnset,
    ProfileDelete,
    ItemSet,
    ItemDelete,
}

impl RecordType {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Track => "track",
            RecordType::TrackSignup => "track_signup",
            RecordType::TrackIdBind => "track_id_bind",
            RecordType::TrackIdUnbind => "track_id_unbind",
            RecordType::ProfileSet => "profile_set",
            RecordType::ProfileSetOnce => "profile_set_once",
            RecordType::ProfileIncrement => "profile_increment",
            RecordType::ProfileAppend => "profile_append",
            RecordType::ProfileUnset => "profile_unset",
            RecordType::ProfileDelete => "profile_delete",
            RecordType::ItemSet => "item_set",
            RecordType::ItemDelete => "item_delete",
        }
    }
}

/// Where the user called the SDK: `$lib_detail` is `class##function##file##line`.
/// Bindings fill it from their runtime; Rust callers use [`call_site!`](crate::call_site).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallSite<'a> {
    pub class: &'a str,
    pub function: &'a str,
    pub file: &'a str,
    pub line: u32,
}

/// The call site of the macro's caller, for Rust users of the client.
#[macro_export]
macro_rules! call_site {
    () => {
        $crate::CallSite { class: "", function: module_path!(), file: file!(), line: line!() }
    };
}

/// What every record of one client shares.
pub(crate) struct Context<'c> {
    /// The start of the `lib` object, from [`lib_head`]: the same for every record until
    /// the super properties change.
    pub lib_head: &'c [u8],
    pub project_name: Option<&'c str>,
    pub enable_time_free: bool,
    pub super_properties: &'c Properties<'static>,
    /// The super properties passed validation when registered: no need to check them again.
    pub super_properties_valid: bool,
    /// The super properties as written into `properties`, from [`super_block`], when they can
    /// be written that way.
    pub super_block: Option<&'c [u8]>,
    pub site: Option<&'c CallSite<'c>>,
}

/// An event name as the caller gave it: `Err(shown)` for a value that is not a string
/// (`None`, `5`), which fails the name check, in its place in the order of checks, with the
/// text the reference prints for it.
pub(crate) type EventName<'r> = std::result::Result<&'r str, &'r str>;

/// One event or profile record.
pub(crate) struct EventRecord<'r, 'v> {
    pub kind: RecordType,
    pub event: Option<EventName<'r>>,
    pub distinct_id: &'r str,
    pub original_id: Option<&'r str>,
    pub properties: Option<&'r Properties<'v>>,
    /// Events carry the super properties; profiles do not.
    pub merge_super: bool,
    pub is_login_id: bool,
    pub identities: &'r [Identity<'v>],
}

const TIME: &str = "$time";
const TOKEN: &str = "$token";
const PROJECT: &str = "$project";
const IS_LOGIN_ID: &str = "$is_login_id";

fn now_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// `$time` to epoch milliseconds by the reference's rule: 10 digits are seconds, 11 to 13 are
/// milliseconds, anything else is refused. A falsy value means "now", as `t or now()` does.
pub(crate) fn event_time(value: Option<&Value<'_>>) -> Result<i64> {
    let Some(value) = value.filter(|v| !v.is_falsy()) else { return Ok(now_millis()) };
    let ts = match value {
        Value::Int(i) => *i,
        Value::Float(f) if f.is_finite() && f.abs() < 1e18 => f.trunc() as i64,
        Value::Str(s) => parse_python_int(s).ok_or_else(time_error)?,
        Value::DateTime(d) => d.epoch_millis().ok_or_else(time_error)?,
        _ => return Err(time_error()),
    };
    // Python counts the digits of str(ts), a minus sign included.
    match itoa::Buffer::new().format(ts).len() {
        10 => Ok(ts * 1000),
        11..=13 => Ok(ts),
        _ => Err(time_error()),
    }
}

/// What Python's `int(str)` accepts, in the range a timestamp can have.
fn parse_python_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let (neg, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 18 {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    Some(if neg { -n } else { n })
}

/// The `$time`, `$token` and `$project` of one map (the first of each, as `get` finds),
/// in one pass instead of a lookup each: keys not starting with `$` are passed over at once.
fn lifted_of<'p, 'v>(props: &'p Properties<'v>) -> [Option<&'p Value<'v>>; 3] {
    let mut found = [None; 3];
    for (k, v) in props.iter() {
        if !k.starts_with('$') {
            continue;
        }
        let slot = match k {
            TIME => 0,
            TOKEN => 1,
            PROJECT => 2,
            _ => continue,
        };
        found[slot].get_or_insert(v);
    }
    found
}

/// The `$time`, `$token` and `$project` properties: each the call's own, else a super property's.
fn lifted<'p, 'v>(
    call: Option<&'p Properties<'v>>,
    sup: Option<&'p Properties<'static>>,
) -> [Option<&'p Value<'v>>; 3] {
    let own = call.map_or([None; 3], lifted_of);
    let inherited = sup.map_or([None; 3], lifted_of);
    [0, 1, 2].map(|i| own[i].or(inherited[i]))
}

fn is_lifted(key: &str) -> bool {
    key.starts_with('$') && (key == TIME || key == TOKEN || key == PROJECT)
}

/// A project value: a valid name, or (not a string) the same message with its JSON text.
fn check_project_value(v: &Value<'_>) -> Result<()> {
    match v {
        Value::Str(s) => validate::check_project(s),
        other => {
            let mut text = Vec::new();
            write_value(&mut text, other);
            Err(Error::IllegalData(format!(
                "project name must be a valid variable name. [project={}]",
                String::from_utf8_lossy(&text)
            )))
        }
    }
}

/// `{"$lib":…,"$lib_version":…,"$lib_method":"code"[,"$app_version":…]`: the part of the
/// `lib` object that does not depend on the call site, built once per super-properties
/// change instead of for every record.
pub(crate) fn lib_head(lib_name: &str, lib_version: &str, super_properties: &Properties<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"{\"$lib\":");
    write_str(&mut out, lib_name);
    out.extend_from_slice(b",\"$lib_version\":");
    write_str(&mut out, lib_version);
    out.extend_from_slice(b",\"$lib_method\":\"code\"");
    if let Some(v) = super_properties.get("$app_version") {
        out.extend_from_slice(b",\"$app_version\":");
        write_value(&mut out, v);
    }
    out
}

fn write_lib(out: &mut Vec<u8>, ctx: &Context<'_>) {
    out.extend_from_slice(ctx.lib_head);
    if let Some(site) = ctx.site {
        out.extend_from_slice(b",\"$lib_detail\":\"");
        push_escaped(out, site.class);
        out.extend_from_slice(b"##");
        push_escaped(out, site.function);
        out.extend_from_slice(b"##");
        push_escaped(out, site.file);
        out.extend_from_slice(b"##");
        write_i64(out, site.line.into());
        out.push(b'"');
    }
    out.push(b'}');
}

/// Validates one property and writes it; `$is_login_id` is forced to true when asked.
/// The key's byte set is checked while it is copied (one pass over it, not two); only a key
/// that fails that test goes through [`validate::check_property`] for the reference's text.
fn write_property(
    out: &mut Vec<u8>,
    first: &mut bool,
    key: &str,
    value: &Value<'_>,
    force_login: bool,
    checked: bool,
) -> Result<()> {
    let mark = out.len();
    let was_first = *first;
    out.reserve(key.len() + 12);
    if !*first {
        out.push(b',');
    }
    *first = false;
    out.push(b'"');
    if checked {
        if !push_if_clean(out, key.as_bytes(), json::escape_mask) {
            push_escaped(out, key); // not reached for a valid name
        }
    } else {
        let name_bytes = push_if_clean(out, key.as_bytes(), validate::name_mask);
        // A key that stands for a non-string one (Python's `{1: ...}`) may read as a valid name.
        let not_str = matches!(value, Value::Invalid(Invalid::KeyNotStr));
        if !name_bytes || not_str || !validate::name_head_ok(key.as_bytes()) {
            out.truncate(mark);
            *first = was_first;
            validate::check_property(key, value)?;
            // Not reached while the two tests agree (a unit test holds them to it); if they
            // ever do not, the key is still written correctly.
            write_name_key(out, first, key);
            return write_property_value(out, key, value, force_login);
        }
        validate::check_value(key, value)?;
    }
    out.extend_from_slice(b"\":");
    write_property_value(out, key, value, force_login)
}

#[inline]
fn write_property_value(out: &mut Vec<u8>, key: &str, value: &Value<'_>, force_login: bool) -> Result<()> {
    if force_login && is_login_key(key) {
        out.extend_from_slice(b"true");
    } else {
        write_value(out, value);
    }
    Ok(())
}

/// `"k":v,…` of the super properties, as every event's `properties` starts when no call
/// property overrides one of them: rendered once per super-properties change instead of
/// validated, looked up and written for every record (with the default `$lib` and
/// `$lib_version`, a sixth of a record's instructions). None when they cannot be written ahead:
/// invalid ones fail each event in the general path, and `$is_login_id` depends on the call.
/// `valid`: whether they passed validation (the caller has checked them already).
pub(crate) fn super_block(props: &Properties<'_>, valid: bool) -> Option<Vec<u8>> {
    if !valid || props.contains_key(IS_LOGIN_ID) {
        return None;
    }
    let mut out = Vec::new();
    let mut first = true;
    for (k, v) in props.iter().filter(|(k, _)| !is_lifted(k)) {
        write_name_key(&mut out, &mut first, k);
        write_value(&mut out, v);
    }
    Some(out)
}

/// The properties object of an event or profile: super properties (call values override them
/// in place), then the call's new keys, without `$time`/`$token`/`$project`, then
/// `$is_login_id` if asked for and not already there.
fn write_event_properties(
    out: &mut Vec<u8>,
    call: Option<&Properties<'_>>,
    sup: Option<&Properties<'static>>,
    ctx: &Context<'_>,
    is_login_id: bool,
) -> Result<()> {
    if let (Some(sup), Some(block)) = (sup, ctx.super_block) {
        let start = out.len();
        if write_after_super_block(out, call, sup, block, is_login_id) == Ok(true) {
            return Ok(());
        }
        // A call property overrides a super property, or something is invalid: the general
        // path below writes the override in place and reports errors in the reference's order.
        out.truncate(start);
    }
    out.push(b'{');
    let mut first = true;
    let mut login_written = false;
    if let Some(sup) = sup {
        for (k, v) in sup.iter().filter(|(k, _)| !is_lifted(k)) {
            match call.and_then(|c| c.get(k)) {
                Some(own) => write_property(out, &mut first, k, own, is_login_id, false)?,
                None => write_property(out, &mut first, k, v, is_login_id, ctx.super_properties_valid)?,
            }
            login_written |= is_login_key(k);
        }
    }
    if let Some(call) = call {
        for (k, v) in call.iter().filter(|(k, _)| !is_lifted(k)) {
            if sup.is_some_and(|s| s.contains_key(k)) {
                continue;
            }
            write_property(out, &mut first, k, v, is_login_id, false)?;
            login_written |= is_login_key(k);
        }
    }
    finish_properties(out, &mut first, is_login_id && !login_written);
    Ok(())
}

/// The fast path of [`write_event_properties`]: the rendered super properties, then the
/// call's. `Ok(false)` when a call key overrides a super property (the block has it in the
/// wrong place); any error is left for the general path to report.
fn write_after_super_block(
    out: &mut Vec<u8>,
    call: Option<&Properties<'_>>,
    sup: &Properties<'static>,
    block: &[u8],
    is_login_id: bool,
) -> Result<bool> {
    out.push(b'{');
    out.extend_from_slice(block);
    let mut first = block.is_empty();
    let mut login_written = false;
    if let Some(call) = call {
        for (k, v) in call.iter().filter(|(k, _)| !is_lifted(k)) {
            if sup.contains_key(k) {
                return Ok(false);
            }
            write_property(out, &mut first, k, v, is_login_id, false)?;
            login_written |= is_login_key(k);
        }
    }
    finish_properties(out, &mut first, is_login_id && !login_written);
    Ok(true)
}

fn finish_properties(out: &mut Vec<u8>, first: &mut bool, add_login: bool) {
    if add_login {
        write_name_key(out, first, IS_LOGIN_ID);
        out.extend_from_slice(b"true");
    }
    out.push(b'}');
}

/// `key == "$is_login_id"`, most keys told apart by their first byte without a compare call.
#[inline]
fn is_login_key(key: &str) -> bool {
    key.as_bytes().first() == Some(&b'$') && key == IS_LOGIN_ID
}

pub(crate) fn write_event(out: &mut Vec<u8>, ctx: &Context<'_>, r: &EventRecord<'_, '_>) -> Result<()> {
    let sup = r.merge_super.then_some(ctx.super_properties);
    let is_login_id =
        r.is_login_id || r.identities.iter().any(|i| i.key == Identity::LOGIN_ID);

    // The reference's order of checks: distinct_id, time, event name, project, properties.
    validate::check_id("distinct_id", r.distinct_id)?;
    let [time, token, project] = lifted(r.properties, sup);
    let time = event_time(time)?;
    let event = match r.event {
        Some(Ok(name)) => Some(validate::check_event_name(name).map(|()| name)?),
        Some(Err(shown)) => return Err(Error::illegal(validate::msg_event_name(shown))),
        None => None,
    };
    let project = project.filter(|v| !matches!(v, Value::Null));
    if let Some(p) = project {
        check_project_value(p)?;
    } else if let Some(p) = ctx.project_name {
        validate::check_project(p)?;
    }
    let token = token.filter(|v| !matches!(v, Value::Null));
    if let Some(t) = token {
        validate::check_value(TOKEN, t)?;
    }

    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(r.kind.as_str().as_bytes());
    out.extend_from_slice(b"\",\"time\":");
    write_i64(out, time);
    out.extend_from_slice(b",\"distinct_id\":");
    write_str(out, r.distinct_id);
    out.extend_from_slice(b",\"properties\":");
    write_event_properties(out, r.properties, sup, ctx, is_login_id)?;
    out.extend_from_slice(b",\"lib\":");
    write_lib(out, ctx);
    if !r.identities.is_empty() {
        out.extend_from_slice(b",\"identities\":{");
        let mut first = true;
        for id in r.identities {
            write_name_key(out, &mut first, &id.key);
            write_str(out, &id.value);
        }
        out.push(b'}');
    }
    let write_project = |out: &mut Vec<u8>| {
        out.extend_from_slice(b",\"project\":");
        match project {
            Some(v) => write_value(out, v),
            None => write_str(out, ctx.project_name.unwrap_or_default()),
        }
    };
    if ctx.project_name.is_some() {
        write_project(out);
    }
    if let Some(event) = event {
        out.extend_from_slice(b",\"event\":");
        write_str(out, event);
    }
    if let Some(original_id) = r.original_id {
        out.extend_from_slice(b",\"original_id\":");
        write_str(out, original_id);
    }
    if ctx.enable_time_free {
        out.extend_from_slice(b",\"time_free\":true");
    }
    if let Some(t) = token {
        out.extend_from_slice(b",\"token\":");
        write_value(out, t);
    }
    if ctx.project_name.is_none() && project.is_some() {
        write_project(out);
    }
    // **ours**: lets the server drop a batch that a retry delivered twice.
    out.extend_from_slice(b",\"_track_id\":");
    write_i64(out, crate::rand::non_negative_i32().into());
    out.push(b'}');
    Ok(())
}

pub(crate) fn write_item(
    out: &mut Vec<u8>,
    ctx: &Context<'_>,
    kind: RecordType,
    item_type: &str,
    item_id: &str,
    properties: Option<&Properties<'_>>,
) -> Result<()> {
    validate::check_item(item_type, item_id)?;
    // Items keep `$time` as a property; a non-empty `$project` moves to the top level.
    let project_prop = properties
        .and_then(|p| p.get(PROJECT))
        .filter(|v| !matches!(v, Value::Str(s) if s.is_empty()));
    if let Some(p) = project_prop {
        validate::check_value(PROJECT, p)?;
    }

    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(kind.as_str().as_bytes());
    out.extend_from_slice(b"\",\"time\":");
    write_i64(out, now_millis());
    out.extend_from_slice(b",\"lib\":");
    write_lib(out, ctx);
    out.extend_from_slice(b",\"item_type\":");
    write_str(out, item_type);
    out.extend_from_slice(b",\"item_id\":");
    write_str(out, item_id);
    if let Some(p) = project_prop {
        out.extend_from_slice(b",\"project\":");
        write_value(out, p);
    } else if let Some(p) = ctx.project_name {
        out.extend_from_slice(b",\"project\":");
        write_str(out, p);
    }
    out.extend_from_slice(b",\"properties\":{");
    let mut first = true;
    for (k, v) in properties.into_iter().flat_map(|p| p.iter()) {
        if k == PROJECT && project_prop.is_some() {
            continue;
        }
        write_property(out, &mut first, k, v, false, false)?;
    }
    out.extend_from_slice(b"}}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_digits() {
        assert_eq!(event_time(Some(&Value::Int(1_700_000_000))).unwrap(), 1_700_000_000_000);
        assert_eq!(event_time(Some(&Value::Int(1_700_000_000_123))).unwrap(), 1_700_000_000_123);
        assert_eq!(event_time(Some(&Value::Int(17_000_000_001))).unwrap(), 17_000_000_001);
        assert!(event_time(Some(&Value::Int(170_000_000))).is_err());
        assert!(event_time(Some(&Value::Int(17_000_000_000_000))).is_err());
        assert_eq!(event_time(Some(&Value::str(" 1700000000 "))).unwrap(), 1_700_000_000_000);
        assert!(event_time(Some(&Value::str("abc"))).is_err());
        assert!(event_time(Some(&Value::Int(0))).unwrap() > 1_600_000_000_000);
    }
}
