//! Fault injection: what the receiver does to each data request instead of (or before) a plain
//! 200. Decisions are deterministic for a given seed so a flaky-looking failure can be replayed.

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::{json, Map, Value};

/// In a status sequence: read the request, then close the connection without answering.
pub const DROP: u16 = 0;
/// In a status sequence: close with a TCP reset after the head, without reading the body.
pub const RESET: u16 = 1;

/// The fault settings. `Faults::default()` is a healthy server answering 200.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Consumed one per data request, before anything else applies. Besides HTTP statuses it
    /// may hold [`DROP`] and [`RESET`].
    pub statuses: Vec<u16>,
    /// Answer once the sequence is used up and no random fault struck.
    pub default_status: u16,
    /// Probability (0..=1) of answering `fail_status` instead of `default_status`.
    pub fail_rate: f64,
    pub fail_status: u16,
    /// Probability of reading the request and closing without an answer.
    pub drop_rate: f64,
    /// Probability of resetting the connection before reading the body.
    pub reset_rate: f64,
    /// Seed of the generator behind the three rates; setting faults restarts it.
    pub seed: u64,
    /// Sent as `Retry-After: <seconds>` on every 429 and 503 answer.
    pub retry_after: Option<u64>,
    /// Wait this long before answering (or dropping), to trip client timeouts.
    pub delay: Option<Duration>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            statuses: Vec::new(),
            default_status: 200,
            fail_rate: 0.0,
            fail_status: 503,
            drop_rate: 0.0,
            reset_rate: 0.0,
            seed: 0,
            retry_after: None,
            delay: None,
        }
    }
}

/// What to do with one data request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Respond {
        status: u16,
        retry_after: Option<u64>,
    },
    Drop,
    Reset,
}

/// Faults plus the mutable part: the rest of the sequence and the generator.
#[derive(Debug, Clone)]
pub struct FaultState {
    faults: Faults,
    queue: VecDeque<u16>,
    rng: SplitMix64,
}

impl FaultState {
    pub fn new(faults: Faults) -> Self {
        FaultState {
            queue: faults.statuses.iter().copied().collect(),
            rng: SplitMix64(faults.seed),
            faults,
        }
    }

    /// The settings, with `statuses` showing what is left of the sequence.
    pub fn current(&self) -> Faults {
        Faults {
            statuses: self.queue.iter().copied().collect(),
            ..self.faults.clone()
        }
    }

    /// Decides the next data request's fate. Draws one number per configured rate, in a fixed
    /// order, so the outcome for a seed does not depend on timing.
    pub fn decide(&mut self) -> (Action, Option<Duration>) {
        let f = &self.faults;
        let action = if let Some(code) = self.queue.pop_front() {
            self.code_action(code)
        } else if f.reset_rate > 0.0 && self.rng.next_f64() < f.reset_rate {
            Action::Reset
        } else if f.drop_rate > 0.0 && self.rng.next_f64() < f.drop_rate {
            Action::Drop
        } else if f.fail_rate > 0.0 && self.rng.next_f64() < f.fail_rate {
            self.code_action(f.fail_status)
        } else {
            self.code_action(f.default_status)
        };
        (action, self.faults.delay)
    }

    fn code_action(&self, code: u16) -> Action {
        match code {
            DROP => Action::Drop,
            RESET => Action::Reset,
            status => Action::Respond {
                status,
                retry_after: if status == 429 || status == 503 {
                    self.faults.retry_after
                } else {
                    None
                },
            },
        }
    }
}

/// Tiny seeded generator (Steele et al.'s SplitMix64); good enough for fault coin flips and
/// keeps us off a rand dependency.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Parses a status-sequence item: a number, or `drop` / `reset`.
pub fn parse_code(s: &str) -> Result<u16, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "drop" => Ok(DROP),
        "reset" => Ok(RESET),
        t => match t.parse::<u16>() {
            Ok(n) if n == DROP || n == RESET || (100..=599).contains(&n) => Ok(n),
            _ => Err(format!("bad status {s:?}: want 100-599, drop or reset")),
        },
    }
}

fn code_json(code: u16) -> Value {
    match code {
        DROP => json!("drop"),
        RESET => json!("reset"),
        n => json!(n),
    }
}

impl Faults {
    pub fn to_json(&self) -> Value {
        json!({
            "statuses": self.statuses.iter().map(|&c| code_json(c)).collect::<Vec<_>>(),
            "default_status": self.default_status,
            "fail_rate": self.fail_rate,
            "fail_status": self.fail_status,
            "drop_rate": self.drop_rate,
            "reset_rate": self.reset_rate,
            "seed": self.seed,
            "retry_after": self.retry_after,
            "delay_ms": self.delay.map(|d| d.as_millis() as u64),
        })
    }

    /// Applies the fault keys of a `/_control` body on top of `self`; keys not given keep their
    /// value. Unknown keys are the caller's business (it also handles `down_ms` etc.).
    pub fn apply_json(&mut self, obj: &Map<String, Value>) -> Result<(), String> {
        fn num(v: &Value, k: &str) -> Result<u64, String> {
            v.as_u64()
                .ok_or_else(|| format!("{k} must be a non-negative integer"))
        }
        fn rate(v: &Value, k: &str) -> Result<f64, String> {
            match v.as_f64() {
                Some(r) if (0.0..=1.0).contains(&r) => Ok(r),
                _ => Err(format!("{k} must be a number in 0..=1")),
            }
        }
        fn status(v: &Value, k: &str) -> Result<u16, String> {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return Err(format!("{k} must be a status")),
            };
            parse_code(&s)
        }
        for (k, v) in obj {
            match k.as_str() {
                "statuses" => {
                    let items = v.as_array().ok_or("statuses must be an array")?;
                    self.statuses = items
                        .iter()
                        .map(|i| status(i, k))
                        .collect::<Result<_, _>>()?;
                }
                "default_status" => self.default_status = status(v, k)?,
                "fail_status" => self.fail_status = status(v, k)?,
                "fail_rate" => self.fail_rate = rate(v, k)?,
                "drop_rate" => self.drop_rate = rate(v, k)?,
                "reset_rate" => self.reset_rate = rate(v, k)?,
                "seed" => self.seed = num(v, k)?,
                "retry_after" => {
                    self.retry_after = if v.is_null() { None } else { Some(num(v, k)?) }
                }
                "delay_ms" => {
                    self.delay = match v {
                        Value::Null => None,
                        _ => Some(Duration::from_millis(num(v, k)?)).filter(|d| !d.is_zero()),
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Keys that [`Faults::apply_json`] understands.
    pub const JSON_KEYS: &'static [&'static str] = &[
        "statuses",
        "default_status",
        "fail_status",
        "fail_rate",
        "drop_rate",
        "reset_rate",
        "seed",
        "retry_after",
        "delay_ms",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(a: Action) -> u16 {
        match a {
            Action::Respond { status, .. } => status,
            Action::Drop => DROP,
            Action::Reset => RESET,
        }
    }

    #[test]
    fn sequence_then_default() {
        let mut s = FaultState::new(Faults {
            statuses: vec![503, DROP, 429],
            ..Faults::default()
        });
        let got: Vec<u16> = (0..4).map(|_| status_of(s.decide().0)).collect();
        assert_eq!(got, vec![503, DROP, 429, 200]);
    }

    #[test]
    fn retry_after_only_on_429_and_503() {
        let mut s = FaultState::new(Faults {
            statuses: vec![429, 500],
            retry_after: Some(2),
            ..Faults::default()
        });
        assert_eq!(
            s.decide().0,
            Action::Respond {
                status: 429,
                retry_after: Some(2)
            }
        );
        assert_eq!(
            s.decide().0,
            Action::Respond {
                status: 500,
                retry_after: None
            }
        );
    }

    #[test]
    fn fail_rate_is_seeded_and_roughly_right() {
        let f = Faults {
            fail_rate: 0.5,
            seed: 7,
            ..Faults::default()
        };
        let run = |f: &Faults| {
            let mut s = FaultState::new(f.clone());
            (0..1000)
                .map(|_| status_of(s.decide().0))
                .collect::<Vec<_>>()
        };
        let a = run(&f);
        assert_eq!(a, run(&f));
        let fails = a.iter().filter(|&&c| c == 503).count();
        assert!((400..600).contains(&fails), "{fails}");
    }

    #[test]
    fn json_roundtrip() {
        let f = Faults {
            statuses: vec![503, DROP, RESET],
            fail_rate: 0.25,
            retry_after: Some(1),
            delay: Some(Duration::from_millis(50)),
            ..Faults::default()
        };
        let mut g = Faults::default();
        g.apply_json(f.to_json().as_object().unwrap()).unwrap();
        assert_eq!(f, g);
        assert!(g
            .apply_json(json!({"fail_rate": 2}).as_object().unwrap())
            .is_err());
        assert!(g
            .apply_json(json!({"statuses": [700]}).as_object().unwrap())
            .is_err());
    }
}
