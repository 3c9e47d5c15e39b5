//! `SensorsAnalytics`: the public methods of docs/SPEC.md §1. Each builds one record into a
//! per-thread buffer and hands it to the consumer.

use std::cell::Cell;
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::consumer::Consumer;
use crate::error::{Error, Result};
use crate::record::{self, CallSite, Context, EventName, EventRecord, RecordType};
use crate::validate;
use crate::value::{Identity, Properties, Value};

/// The SDK's version, written as `$lib_version`.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// How a client is set up: the constructor arguments of the reference, plus the `$lib` name a
/// binding writes for its language.
#[derive(Debug, Clone)]
pub struct Config {
    pub project_name: Option<String>,
    pub enable_time_free: bool,
    /// `$lib`: "python", "Node", "C", "Swift", "Kotlin"; "Rust" for Rust callers.
    pub lib_name: String,
    pub lib_version: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            project_name: None,
            enable_time_free: false,
            lib_name: "Rust".to_owned(),
            lib_version: SDK_VERSION.to_owned(),
        }
    }
}

/// A Sensors Analytics client. `Send + Sync`: share it (in an `Arc`) across threads.
pub struct Client {
    consumer: Arc<dyn Consumer>,
    config: Config,
    /// Swapped whole on register/clear so that tracking threads read it without a lock.
    super_properties: ArcSwap<SuperProperties>,
}

/// The super properties and whether they passed validation when registered: valid ones are
/// not checked again on every event (the hot path); invalid ones fail each event, in order,
/// as in the reference.
struct SuperProperties {
    props: Properties<'static>,
    valid: bool,
    /// The start of every record's `lib` object, which holds `$app_version`.
    lib_head: Vec<u8>,
    /// The super properties, written ahead for events that do not override them.
    block: Option<Vec<u8>>,
}

impl SuperProperties {
    fn new(props: Properties<'static>, config: &Config) -> Arc<Self> {
        let valid = validate::check_properties(&props).is_ok();
        let lib_head = record::lib_head(&config.lib_name, &config.lib_version, &props);
        let block = record::super_block(&props, valid);
        Arc::new(SuperProperties { props, valid, lib_head, block })
    }
}

/// Profile operations that take a property map; `Delete` takes none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileOp {
    Set,
    SetOnce,
    Increment,
    Append,
    Unset,
    Delete,
}

impl ProfileOp {
    /// Every operation, in the order of their numeric codes (`ALL[code]`): the numbers a
    /// binding passes across its boundary (Node's `ProfileOp.Set` is 0, ...).
    pub const ALL: [ProfileOp; 6] =
        [ProfileOp::Set, ProfileOp::SetOnce, ProfileOp::Increment, ProfileOp::Append, ProfileOp::Unset, ProfileOp::Delete];

    /// The operation a numeric code names; a code no operation has is an error (never a
    /// guess: a wrong guess could delete a profile).
    pub fn from_code(code: u32) -> Result<ProfileOp> {
        usize::try_from(code)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
            .ok_or_else(|| Error::illegal(format!("unknown profile operation {code}")))
    }

    /// This operation's numeric code (its index in [`ProfileOp::ALL`]).
    pub fn code(self) -> u32 {
        self as u32
    }

    /// Its name as the bindings spell it (`"SetOnce"`).
    pub fn name(self) -> &'static str {
        match self {
            ProfileOp::Set => "Set",
            ProfileOp::SetOnce => "SetOnce",
            ProfileOp::Increment => "Increment",
            ProfileOp::Append => "Append",
            ProfileOp::Unset => "Unset",
            ProfileOp::Delete => "Delete",
        }
    }

    fn record_type(self) -> RecordType {
        match self {
            ProfileOp::Set => RecordType::ProfileSet,
            ProfileOp::SetOnce => RecordType::ProfileSetOnce,
            ProfileOp::Increment => RecordType::ProfileIncrement,
            ProfileOp::Append => RecordType::ProfileAppend,
            ProfileOp::Unset => RecordType::ProfileUnset,
            ProfileOp::Delete => RecordType::ProfileDelete,
        }
    }

    /// The type checks the reference makes before anything else; increment and append
    /// need a dict (None is not one).
    pub(crate) fn check_values(self, props: Option<&Properties<'_>>) -> Result<()> {
        match (self, props) {
            (ProfileOp::Increment, Some(p)) => validate::check_increment(p),
            (ProfileOp::Append, Some(p)) => validate::check_append(p),
            (ProfileOp::Increment | ProfileOp::Append, None) => {
                Err(Error::IllegalData(validate::MSG_PROFILES_NOT_DICT.to_owned()))
            }
            _ => Ok(()),
        }
    }
}

thread_local! {
    /// The line being built; taken out while in use, so a consumer that calls back into the
    /// client (a user consumer tracking from `send`) gets a fresh one instead of a panic.
    static LINE: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

impl Client {
    pub fn new(consumer: Arc<dyn Consumer>, config: Config) -> Self {
        let empty = SuperProperties::new(Properties::new(), &config);
        let client = Client { consumer, config, super_properties: ArcSwap::new(empty) };
        client.clear_super_properties();
        client
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn consumer(&self) -> &Arc<dyn Consumer> {
        &self.consumer
    }

    /// The current super properties (starting with `$lib` and `$lib_version`).
    pub fn super_properties(&self) -> Properties<'static> {
        self.super_properties.load().props.clone()
    }

    /// Merges `props` into the super properties (`dict.update`). Not validated here: as in the
    /// reference, a bad super property fails every later event.
    pub fn register_super_properties(&self, props: &Properties<'_>) {
        let props = props.clone().into_owned();
        self.super_properties.rcu(|current| {
            let mut next = current.props.clone();
            next.update(&props);
            SuperProperties::new(next, &self.config)
        });
    }

    /// Resets the super properties to `$lib` and `$lib_version`.
    pub fn clear_super_properties(&self) {
        let mut p = Properties::with_capacity(2);
        p.insert("$lib", Value::str(self.config.lib_name.clone()));
        p.insert("$lib_version", Value::str(self.config.lib_version.clone()));
        self.super_properties.store(SuperProperties::new(p, &self.config));
    }

    fn emit(
        &self,
        site: Option<&CallSite<'_>>,
        build: impl FnOnce(&mut Vec<u8>, &Context<'_>) -> Result<()>,
    ) -> Result<()> {
        let sup = self.super_properties.load();
        let ctx = Context {
            lib_head: &sup.lib_head,
            project_name: self.config.project_name.as_deref(),
            enable_time_free: self.config.enable_time_free,
            super_properties: &sup.props,
            super_properties_valid: sup.valid,
            super_block: sup.block.as_deref(),
            site,
        };
        let mut line = LINE.with(Cell::take);
        line.clear();
        let result = build(&mut line, &ctx).and_then(|()| {
            debug_assert!(std::str::from_utf8(&line).is_ok());
            // SAFETY: the record writer only appends whole `&str`s, ASCII punctuation and
            // ASCII escapes, so the line is valid UTF-8 (checked in debug builds above and by
            // the property tests). Skipping the re-check saves ~10% of a record's cost.
            let text = unsafe { std::str::from_utf8_unchecked(&line) };
            self.consumer.send(text)
        });
        LINE.with(|cell| cell.set(line));
        result
    }

    fn event(&self, site: Option<&CallSite<'_>>, r: EventRecord<'_, '_>) -> Result<()> {
        self.emit(site, |out, ctx| record::write_event(out, ctx, &r))
    }

    /// `track(distinct_id, event_name, properties=None, is_login_id=False)`
    pub fn track(
        &self,
        site: Option<&CallSite<'_>>,
        distinct_id: &str,
        event_name: &str,
        properties: Option<&Properties<'_>>,
        is_login_id: bool,
    ) -> Result<()> {
        self.track_named(site, distinct_id, Ok(event_name), properties, is_login_id)
    }

    /// `track` with an event name that may not be a string (see [`EventName`]).
    pub(crate) fn track_named(
        &self,
        site: Option<&CallSite<'_>>,
        distinct_id: &str,
        event_name: EventName<'_>,
        properties: Option<&Properties<'_>>,
        is_login_id: bool,
    ) -> Result<()> {
        self.event(site, EventRecord {
            kind: RecordType::Track,
            event: Some(event_name),
            distinct_id,
            original_id: None,
            properties,
            merge_super: true,
            is_login_id,
            identities: &[],
        })
    }

    /// `track_signup(distinct_id, original_id, properties=None)`: the `$SignUp` event.
    pub fn track_signup(
        &self,
        site: Option<&CallSite<'_>>,
        distinct_id: &str,
        original_id: &str,
        properties: Option<&Properties<'_>>,
    ) -> Result<()> {
        validate::check_id("original_id", original_id)?;
        self.event(site, EventRecord {
            kind: RecordType::TrackSignup,
            event: Some(Ok("$SignUp")),
            distinct_id,
            original_id: Some(original_id),
            properties,
            merge_super: true,
            is_login_id: false,
            identities: &[],
        })
    }

    /// `profile_set`, `profile_set_once`, `profile_increment`, `profile_append`,
    /// `profile_unset` (with `{key: true}`, see [`Properties::from_keys`]) and `profile_delete`
    /// (its properties are ignored).
    pub fn profile(
        &self,
        site: Option<&CallSite<'_>>,
        op: ProfileOp,
        distinct_id: &str,
        profiles: Option<&Properties<'_>>,
        is_login_id: bool,
    ) -> Result<()> {
        let profiles = if op == ProfileOp::Delete { None } else { profiles };
        op.check_values(profiles)?;
        self.event(site, EventRecord {
            kind: op.record_type(),
            event: None,
            distinct_id,
            original_id: None,
            properties: profiles,
            merge_super: false,
            is_login_id,
            identities: &[],
        })
    }

    pub fn profile_set(&self, site: Option<&CallSite<'_>>, distinct_id: &str, profiles: &Properties<'_>, is_login_id: bool) -> Result<()> {
        self.profile(site, ProfileOp::Set, distinct_id, Some(profiles), is_login_id)
    }

    pub fn profile_delete(&self, site: Option<&CallSite<'_>>, distinct_id: &str, is_login_id: bool) -> Result<()> {
        self.profile(site, ProfileOp::Delete, distinct_id, None, is_login_id)
    }

    /// `item_set(item_type, item_id, properties=None)`
    pub fn item_set(&self, site: Option<&CallSite<'_>>, item_type: &str, item_id: &str, properties: Option<&Properties<'_>>) -> Result<()> {
        self.emit(site, |out, ctx| record::write_item(out, ctx, RecordType::ItemSet, item_type, item_id, properties))
    }

    /// `item_delete(item_type, item_id, properties=None)`
    pub fn item_delete(&self, site: Option<&CallSite<'_>>, item_type: &str, item_id: &str, properties: Option<&Properties<'_>>) -> Result<()> {
        self.emit(site, |out, ctx| record::write_item(out, ctx, RecordType::ItemDelete, item_type, item_id, properties))
    }

    /// ID-Mapping 3.0 distinct_id: the login id if present, else `key+value` of the first.
    fn identity_distinct_id(identities: &[Identity<'_>]) -> String {
        match identities.iter().find(|i| i.key == Identity::LOGIN_ID) {
            Some(login) => login.value.to_string(),
            None => identities.first().map(|i| format!("{}+{}", i.key, i.value)).unwrap_or_default(),
        }
    }

    fn identity_event(
        &self,
        site: Option<&CallSite<'_>>,
        kind: RecordType,
        event: Option<EventName<'_>>,
        properties: Option<&Properties<'_>>,
        merge_super: bool,
        identities: &[Identity<'_>],
    ) -> Result<()> {
        let distinct_id = Self::identity_distinct_id(identities);
        self.event(site, EventRecord {
            kind,
            event,
            distinct_id: &distinct_id,
            original_id: None,
            properties,
            merge_super,
            is_login_id: false,
            identities,
        })
    }

    /// `bind(first_identity, second_identity, *other_identities)`: at least two identities.
    pub fn bind(&self, site: Option<&CallSite<'_>>, identities: &[Identity<'_>]) -> Result<()> {
        validate::check_identities(identities, 2)?;
        self.identity_event(site, RecordType::TrackIdBind, Some(Ok("$BindID")), None, true, identities)
    }

    /// `unbind(identity)`
    pub fn unbind(&self, site: Option<&CallSite<'_>>, identity: &Identity<'_>) -> Result<()> {
        let identities = std::slice::from_ref(identity);
        validate::check_identities(identities, 1)?;
        self.identity_event(site, RecordType::TrackIdUnbind, Some(Ok("$UnbindID")), None, true, identities)
    }

    /// `track_by_id(event_name, properties, *identities)`
    pub fn track_by_id(
        &self,
        site: Option<&CallSite<'_>>,
        event_name: &str,
        properties: Option<&Properties<'_>>,
        identities: &[Identity<'_>],
    ) -> Result<()> {
        self.track_by_id_named(site, Ok(event_name), properties, identities)
    }

    /// `track_by_id` with an event name that may not be a string (see [`EventName`]).
    pub(crate) fn track_by_id_named(
        &self,
        site: Option<&CallSite<'_>>,
        event_name: EventName<'_>,
        properties: Option<&Properties<'_>>,
        identities: &[Identity<'_>],
    ) -> Result<()> {
        validate::check_identities(identities, 1)?;
        self.identity_event(site, RecordType::Track, Some(event_name), properties, true, identities)
    }

    /// `profile_set_by_id`, `profile_set_once_by_id`, `profile_increment_by_id`,
    /// `profile_append_by_id`, `profile_unset_by_id` (`{key: true}`) and `profile_delete_by_id`.
    pub fn profile_by_id(
        &self,
        site: Option<&CallSite<'_>>,
        op: ProfileOp,
        properties: Option<&Properties<'_>>,
        identities: &[Identity<'_>],
    ) -> Result<()> {
        let properties = if op == ProfileOp::Delete { None } else { properties };
        op.check_values(properties)?;
        if op != ProfileOp::Delete && properties.map_or(true, Properties::is_empty) {
            return Err(Error::IllegalData(validate::MSG_PROPERTIES_EMPTY_BY_ID.to_owned()));
        }
        validate::check_identities(identities, 1)?;
        self.identity_event(site, op.record_type(), None, properties, false, identities)
    }

    /// Sends what the consumer buffers.
    pub fn flush(&self) -> Result<()> {
        self.consumer.flush()
    }

    /// Flushes and releases the consumer.
    pub fn close(&self) -> Result<()> {
        self.consumer.close()
    }
}
