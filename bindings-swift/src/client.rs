//! `SensorsAnalytics` over the FFI: one exported object whose methods mirror the core client's
//! (docs/SPEC.md §1), taking [`Property`] lists and [`Identity`]s instead of core types.

use std::sync::Arc;

use sensorsanalytics::{Client, Config, Consumer, ProfileOp, Properties};

use crate::consumer::{ForeignBridge, ForeignConsumer, NativeConsumer};
use crate::error::Result;
use crate::value::{to_identities, to_properties, Identity, Property};

/// Where the user called the SDK: `$lib_detail` is `class##function##file##line`. The
/// idiomatic layers fill it from their runtime (Kotlin: the stack; Swift: `#fileID`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct CallSite {
    pub class_name: String,
    pub function: String,
    pub file: String,
    pub line: u32,
}

/// The core's view of an optional call site (`at(&site).as_ref()` is what the core takes).
fn at(site: &Option<CallSite>) -> Option<sensorsanalytics::CallSite<'_>> {
    let s = site.as_ref()?;
    Some(sensorsanalytics::CallSite { class: &s.class_name, function: &s.function, file: &s.file, line: s.line })
}

/// The profile operations that share one signature.
// The core's own `ProfileOp`, exposed as it is: uniffi's remote form restates the variants,
// and the compiler checks them against the core's (no second enum, no mapping).
#[uniffi::remote(Enum)]
pub enum ProfileOp {
    Set,
    SetOnce,
    Increment,
    Append,
    Unset,
    Delete,
}

#[derive(uniffi::Object)]
pub struct CoreClient {
    pub(crate) client: Client,
}

/// Both constructors: the core's client of `consumer`, the rest of its config the core's default.
fn client(consumer: Arc<dyn Consumer>, project_name: Option<String>, enable_time_free: bool, lib_name: String) -> Arc<CoreClient> {
    let config = Config { project_name, enable_time_free, lib_name, ..Config::default() };
    Arc::new(CoreClient { client: Client::new(consumer, config) })
}

fn props(p: &Option<Vec<Property>>) -> Option<Properties<'_>> {
    p.as_deref().map(to_properties)
}

#[uniffi::export]
impl CoreClient {
    /// `SensorsAnalytics(consumer, project_name, enable_time_free)` with one of our consumers.
    /// `lib_name` is the `$lib` the calling language writes ("Kotlin", "Swift").
    #[uniffi::constructor]
    pub fn new(
        consumer: Arc<NativeConsumer>,
        project_name: Option<String>,
        enable_time_free: bool,
        lib_name: String,
    ) -> Arc<Self> {
        client(Arc::clone(&consumer.inner), project_name, enable_time_free, lib_name)
    }

    /// The same with a consumer written in the foreign language.
    #[uniffi::constructor]
    pub fn with_foreign_consumer(
        consumer: Arc<dyn ForeignConsumer>,
        project_name: Option<String>,
        enable_time_free: bool,
        lib_name: String,
    ) -> Arc<Self> {
        client(Arc::new(ForeignBridge(consumer)), project_name, enable_time_free, lib_name)
    }

    pub fn track(
        &self,
        site: Option<CallSite>,
        distinct_id: String,
        event_name: String,
        properties: Option<Vec<Property>>,
        is_login_id: bool,
    ) -> Result<()> {
        Ok(self.client.track(at(&site).as_ref(), &distinct_id, &event_name, props(&properties).as_ref(), is_login_id)?)
    }

    pub fn track_signup(
        &self,
        site: Option<CallSite>,
        distinct_id: String,
        original_id: String,
        properties: Option<Vec<Property>>,
    ) -> Result<()> {
        Ok(self.client.track_signup(at(&site).as_ref(), &distinct_id, &original_id, props(&properties).as_ref())?)
    }

    /// profile_set, profile_set_once, profile_increment, profile_append, profile_unset (as
    /// `{key: true}`) and profile_delete (`profiles` ignored).
    pub fn profile(
        &self,
        site: Option<CallSite>,
        op: ProfileOp,
        distinct_id: String,
        profiles: Option<Vec<Property>>,
        is_login_id: bool,
    ) -> Result<()> {
        Ok(self.client.profile(at(&site).as_ref(), op, &distinct_id, props(&profiles).as_ref(), is_login_id)?)
    }

    /// profile_unset with a key list: the core's `{key: true}` form.
    pub fn profile_unset(
        &self,
        site: Option<CallSite>,
        distinct_id: String,
        profile_keys: Vec<String>,
        is_login_id: bool,
    ) -> Result<()> {
        let keys = Properties::from_keys(profile_keys.iter().map(String::as_str));
        Ok(self.client.profile(at(&site).as_ref(), ProfileOp::Unset, &distinct_id, Some(&keys), is_login_id)?)
    }

    pub fn item_set(
        &self,
        site: Option<CallSite>,
        item_type: String,
        item_id: String,
        properties: Option<Vec<Property>>,
    ) -> Result<()> {
        Ok(self.client.item_set(at(&site).as_ref(), &item_type, &item_id, props(&properties).as_ref())?)
    }

    pub fn item_delete(
        &self,
        site: Option<CallSite>,
        item_type: String,
        item_id: String,
        properties: Option<Vec<Property>>,
    ) -> Result<()> {
        Ok(self.client.item_delete(at(&site).as_ref(), &item_type, &item_id, props(&properties).as_ref())?)
    }

    pub fn register_super_properties(&self, properties: Vec<Property>) {
        self.client.register_super_properties(&to_properties(&properties));
    }

    pub fn clear_super_properties(&self) {
        self.client.clear_super_properties();
    }

    /// `bind(first, second, *more)`: the core checks there are at least two.
    pub fn bind(&self, site: Option<CallSite>, identities: Vec<Identity>) -> Result<()> {
        Ok(self.client.bind(at(&site).as_ref(), &to_identities(&identities))?)
    }

    pub fn unbind(&self, site: Option<CallSite>, identity: Identity) -> Result<()> {
        let identity = sensorsanalytics::Identity::new(identity.key.as_str(), identity.value.as_str());
        Ok(self.client.unbind(at(&site).as_ref(), &identity)?)
    }

    pub fn track_by_id(
        &self,
        site: Option<CallSite>,
        event_name: String,
        properties: Option<Vec<Property>>,
        identities: Vec<Identity>,
    ) -> Result<()> {
        Ok(self.client.track_by_id(at(&site).as_ref(), &event_name, props(&properties).as_ref(), &to_identities(&identities))?)
    }

    /// profile_set_by_id, ..., profile_unset_by_id (`{key: true}`), profile_delete_by_id.
    pub fn profile_by_id(
        &self,
        site: Option<CallSite>,
        op: ProfileOp,
        properties: Option<Vec<Property>>,
        identities: Vec<Identity>,
    ) -> Result<()> {
        Ok(self.client.profile_by_id(at(&site).as_ref(), op, props(&properties).as_ref(), &to_identities(&identities))?)
    }

    /// profile_unset_by_id with a key list.
    pub fn profile_unset_by_id(
        &self,
        site: Option<CallSite>,
        profile_keys: Vec<String>,
        identities: Vec<Identity>,
    ) -> Result<()> {
        let keys = Properties::from_keys(profile_keys.iter().map(String::as_str));
        Ok(self.client.profile_by_id(
            at(&site).as_ref(),
            ProfileOp::Unset,
            Some(&keys),
            &to_identities(&identities),
        )?)
    }

    pub fn flush(&self) -> Result<()> {
        Ok(self.client.flush()?)
    }

    /// The reference's `close()`: flushes and releases the consumer. Named `shutdown` because
    /// generated Kotlin objects already have `close()` (it frees the native handle).
    pub fn shutdown(&self) -> Result<()> {
        Ok(self.client.close()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consumer::Capture;
    use crate::error::SaError;
    use crate::value::PropertyValue;

    #[test]
    fn lib_name_site_and_values_reach_the_record() {
        let capture = Arc::new(Capture::default());
        let client = CoreClient::with_foreign_consumer(capture.clone(), Some("p".into()), false, "Kotlin".into());
        let site = CallSite { class_name: "C".into(), function: "f".into(), file: "F.kt".into(), line: 7 };
        let props = vec![
            Property { key: "n".into(), value: PropertyValue::Int { value: 1 } },
            Property { key: "l".into(), value: PropertyValue::StrList { items: vec!["a".into()] } },
        ];
        client.track(Some(site), "u1".into(), "E".into(), Some(props), true).unwrap();
        let line = capture.0.lock().unwrap()[0].clone();
        assert!(line.contains(r#""properties":{"$lib":"Kotlin","$lib_version":"#), "{line}");
        assert!(line.contains(r#""n":1,"l":["a"],"$is_login_id":true}"#), "{line}");
        assert!(line.contains(r#""$lib_detail":"C##f##F.kt##7""#), "{line}");
        assert!(line.contains(r#""project":"p""#), "{line}");
    }

    #[test]
    fn errors_keep_their_kind_both_ways() {
        let client = CoreClient::with_foreign_consumer(Arc::new(Capture::default()), None, false, "Swift".into());
        let bad = client.track(None, "u1".into(), "1bad".into(), None, false).unwrap_err();
        assert_eq!(bad, SaError::IllegalData { reason: "event name must be a valid variable name. [name=1bad]".into() });
        let unsupported = vec![Property { key: "k".into(), value: PropertyValue::Unsupported { type_name: "<class 'dict'>".into() } }];
        let e = client.profile(None, ProfileOp::Set, "u1".into(), Some(unsupported), false).unwrap_err();
        assert_eq!(
            e,
            SaError::IllegalData { reason: "property value must be a str/int/float/datetime/date/list. [value=<class 'dict'>]".into() }
        );
        // A foreign consumer's error comes back out of the core unchanged.
        assert_eq!(client.shutdown().unwrap_err(), SaError::Network { reason: "closing failed".into() });
    }

    #[test]
    fn profile_unset_keys_and_bind_minimum() {
        let capture = Arc::new(Capture::default());
        let client = CoreClient::with_foreign_consumer(capture.clone(), None, false, "Kotlin".into());
        client.profile_unset(None, "u1".into(), vec!["a".into(), "b".into()], false).unwrap();
        assert!(capture.0.lock().unwrap()[0].contains(r#""properties":{"a":true,"b":true}"#));
        let one = vec![Identity { key: "$identity_login_id".into(), value: "L".into() }];
        let e = client.bind(None, one).unwrap_err();
        assert_eq!(e, SaError::IllegalData { reason: "bind needs at least two identities".into() });
    }
}
