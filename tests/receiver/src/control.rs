//! The `/_…` endpoints: how tests in other languages inspect the receiver and change its faults
//! at run time without linking this crate.

use std::time::Duration;

use serde_json::{json, Value};

use crate::faults::{FaultState, Faults};
use crate::decode::parse_record;
use crate::http::Head;
use crate::server::Shared;

/// Something to do after the answer is on the wire (doing it before would cut our own answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    Nothing,
    GoDown(Duration),
    Shutdown,
}

const ROUTES: &[(&str, &str)] = &[
    ("GET", "/_records"),
    ("GET", "/_rejected"),
    ("GET", "/_requests"),
    ("GET", "/_stats"),
    ("GET", "/_faults"),
    ("GET", "/_health"),
    ("POST", "/_control"),
    ("POST", "/_clear"),
    ("POST", "/_shutdown"),
];

pub fn handle(shared: &Shared, head: &Head, body: &[u8]) -> (u16, Value, After) {
    let path = head.path();
    let method = head.method.as_str();
    let nothing = |status, v| (status, v, After::Nothing);
    match (method, path) {
        ("GET", "/_records") => {
            let records = lock(shared).records.iter().map(|r| parse_record(r)).collect();
            nothing(200, Value::Array(records))
        }
        ("GET", "/_rejected") => {
            let records = lock(shared).rejected.iter().map(|r| parse_record(r)).collect();
            nothing(200, Value::Array(records))
        }
        ("GET", "/_requests") => nothing(
            200,
            Value::Array(lock(shared).requests.iter().map(|r| r.to_json()).collect()),
        ),
        ("GET", "/_stats") => nothing(200, shared.stats()),
        ("GET", "/_faults") => nothing(200, lock(shared).faults.current().to_json()),
        ("GET", "/_health") => nothing(200, json!({"ok": true})),
        ("POST", "/_clear") => {
            lock(shared).clear();
            nothing(200, json!({"ok": true}))
        }
        ("POST", "/_shutdown") => (200, json!({"ok": true}), After::Shutdown),
        ("POST", "/_control") => match control(shared, body) {
            Ok((v, after)) => (200, v, after),
            Err(e) => nothing(400, json!({"ok": false, "error": e})),
        },
        _ if ROUTES.iter().any(|(_, p)| *p == path) => nothing(
            405,
            json!({"ok": false, "error": format!("{method} not allowed on {path}")}),
        ),
        _ => nothing(
            404,
            json!({"ok": false, "error": format!("no such endpoint: {path}")}),
        ),
    }
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, crate::store::Store> {
    shared.store.lock().unwrap_or_else(|e| e.into_inner())
}

/// `POST /_control` body: any fault keys (see README), plus
/// `reset_faults: true` (start from defaults before applying the rest), `clear: true` (forget
/// records and requests) and `down_ms: N` (go down for N ms after answering).
/// Unknown keys are refused so a typo in a test does not silently test nothing.
fn control(shared: &Shared, body: &[u8]) -> Result<(Value, After), String> {
    let v: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?
    };
    let obj = v.as_object().ok_or("body must be a JSON object")?;
    if let Some(k) = obj.keys().find(|k| {
        !Faults::JSON_KEYS.contains(&k.as_str())
            && !["reset_faults", "clear", "down_ms"].contains(&k.as_str())
    }) {
        return Err(format!("unknown key {k:?}"));
    }
    let flag = |k: &str| -> Result<bool, String> {
        match obj.get(k) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(format!("{k} must be a boolean")),
        }
    };
    let reset = flag("reset_faults")?;
    let clear = flag("clear")?;
    let down = match obj.get("down_ms") {
        None | Some(Value::Null) => None,
        Some(d) => Some(Duration::from_millis(
            d.as_u64().ok_or("down_ms must be an integer")?,
        )),
    };

    let mut store = lock(shared);
    let mut faults = if reset {
        Faults::default()
    } else {
        store.faults.current()
    };
    faults.apply_json(obj)?;
    store.faults = FaultState::new(faults.clone());
    if clear {
        store.clear();
    }
    drop(store);
    let after = down.map_or(After::Nothing, After::GoDown);
    Ok((json!({"ok": true, "faults": faults.to_json()}), after))
}
