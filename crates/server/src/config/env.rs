//! The environment layer of the configuration, derived from the configuration's own structure:
//! every key has a variable, `WARDEN_` and its path upper-cased with sections joined by `__`
//! (`WARDEN_THROTTLE__WINDOW_SECS`). The single-underscore form (`WARDEN_THROTTLE_WINDOW_SECS`)
//! is read too, since the variables were named so before; the `__` form wins when both are set.
//! A value is read as its key's default is typed: a whole number, `true`/`false`, a string, or
//! JSON for a list or a table (the gateway's routes, roles and scopes).

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// One configuration key and the variables that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvKey {
    /// The key's path in the configuration (`["throttle", "window_secs"]`).
    pub path: Vec<String>,
    /// `WARDEN_THROTTLE__WINDOW_SECS`.
    pub name: String,
    /// `WARDEN_THROTTLE_WINDOW_SECS`.
    pub legacy: String,
}

/// Every key of `defaults` (the default configuration as JSON), in order.
pub fn keys(defaults: &Value) -> Vec<EnvKey> {
    let mut out = Vec::new();
    walk(defaults, &mut Vec::new(), &mut out);
    out
}

fn walk(value: &Value, path: &mut Vec<String>, out: &mut Vec<EnvKey>) {
    match value {
        // A section (a struct): its keys. An empty table (a map) is a key of its own.
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                path.push(k.clone());
                walk(v, path, out);
                path.pop();
            }
        }
        _ => {
            let upper: Vec<String> = path.iter().map(|p| p.to_ascii_uppercase()).collect();
            out.push(EnvKey {
                path: path.clone(),
                name: format!("WARDEN_{}", upper.join("__")),
                legacy: format!("WARDEN_{}", upper.join("_")),
            });
        }
    }
}

/// The file layer `base` with every variable `env` sets laid over it, read into `T`. The
/// defaults fill what neither sets (`T` is `#[serde(default)]`).
pub fn apply<T: DeserializeOwned>(
    mut base: Value,
    defaults: &Value,
    env: impl Fn(&str) -> Option<String>,
) -> Result<T, String> {
    for key in keys(defaults) {
        let Some((name, raw)) = env(&key.name)
            .map(|v| (&key.name, v))
            .or_else(|| (key.legacy != key.name).then(|| env(&key.legacy).map(|v| (&key.legacy, v))).flatten())
        else {
            continue;
        };
        let default = pointer(defaults, &key.path).unwrap_or(&Value::Null);
        let mut refused = None;
        let mut placed = false;
        for candidate in candidates(name, &raw, default)? {
            let mut trial = base.clone();
            set(&mut trial, &key.path, candidate);
            match serde_json::from_value::<T>(trial.clone()) {
                Ok(_) => {
                    base = trial;
                    placed = true;
                    break;
                }
                Err(e) => refused = refused.or(Some(e)),
            }
        }
        if !placed {
            return Err(describe(name, &raw, refused.map(|e| e.to_string()).unwrap_or_default()));
        }
    }
    serde_json::from_value(base).map_err(|e| e.to_string())
}

/// The values `raw` may stand for, as the key's default is typed.
fn candidates(name: &str, raw: &str, default: &Value) -> Result<Vec<Value>, String> {
    let whole = || raw.parse::<u64>().ok().map(Value::from);
    Ok(match default {
        Value::Number(_) => vec![whole().ok_or_else(|| format!("{name} must be a whole number, got {raw:?}"))?],
        Value::Bool(_) => match raw {
            "true" | "1" => vec![Value::Bool(true)],
            "false" | "0" => vec![Value::Bool(false)],
            _ => return Err(format!("{name} must be true or false")),
        },
        Value::String(_) => vec![Value::String(raw.to_owned())],
        // Unset by default: a string, or else a number.
        Value::Null => [Some(Value::String(raw.to_owned())), whole()].into_iter().flatten().collect(),
        Value::Array(_) | Value::Object(_) => {
            let parsed: Value =
                serde_json::from_str(raw).map_err(|_| format!("{name} must be JSON (a list or a table)"))?;
            vec![parsed]
        }
    })
}

/// Why a value does not fit, without repeating it unless it is a number.
fn describe(name: &str, raw: &str, error: String) -> String {
    let maxima = [
        ("u8", u8::MAX as u64),
        ("u16", u16::MAX as u64),
        ("u32", u32::MAX as u64),
        ("i32", i32::MAX as u64),
        ("i64", i64::MAX as u64),
    ];
    for (ty, max) in maxima {
        if error.contains(&format!("expected {ty}")) {
            return format!("{name} must be at most {max}, got {raw}");
        }
    }
    format!("{name} does not fit its setting's type")
}

fn pointer<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, k| v.get(k))
}

fn set(value: &mut Value, path: &[String], leaf: Value) {
    let Some((last, sections)) = path.split_last() else { return };
    let mut here = value;
    for k in sections {
        if !here.is_object() {
            *here = Value::Object(Map::new());
        }
        here = here.as_object_mut().expect("an object").entry(k.clone()).or_insert_with(|| Value::Object(Map::new()));
    }
    if !here.is_object() {
        *here = Value::Object(Map::new());
    }
    here.as_object_mut().expect("an object").insert(last.clone(), leaf);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_key_gets_a_variable_in_both_forms() {
        let defaults = json!({ "listen": "x", "throttle": { "window_secs": 900 }, "roles": {} });
        let names: Vec<(String, String)> = keys(&defaults).into_iter().map(|k| (k.name, k.legacy)).collect();
        assert_eq!(
            names,
            [
                ("WARDEN_LISTEN".to_owned(), "WARDEN_LISTEN".to_owned()),
                ("WARDEN_ROLES".to_owned(), "WARDEN_ROLES".to_owned()),
                ("WARDEN_THROTTLE__WINDOW_SECS".to_owned(), "WARDEN_THROTTLE_WINDOW_SECS".to_owned()),
            ]
        );
    }

    #[test]
    fn a_value_is_set_where_its_section_is_missing() {
        let mut v = json!({});
        set(&mut v, &["gateway".into(), "listen".into()], json!("a"));
        assert_eq!(v, json!({ "gateway": { "listen": "a" } }));
    }
}
