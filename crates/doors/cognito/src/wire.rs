//! Reading AWS JSON 1.1 input members with the protocol's errors: a missing required member is
//! an InvalidParameterException, a member of the wrong JSON type a SerializationException.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use warden_core::Secret;

use crate::error::{DoorError, DoorResult};

pub struct Input(Map<String, Value>);

fn camel(member: &str) -> String {
    let mut c = member.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn missing(member: &str) -> DoorError {
    DoorError::InvalidParameter(format!(
        "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
        camel(member)
    ))
}

fn wrong_type(member: &str, expected: &str) -> DoorError {
    DoorError::Serialization(format!("Member {member} must be {expected}"))
}

impl Input {
    pub fn parse(body: &[u8]) -> DoorResult<Self> {
        let body = if body.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { body };
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => {
                if let Some((member, _)) = m.iter().find(|(k, v)| k.contains('\0') || holds_nul(v)) {
                    return Err(DoorError::InvalidParameter(format!(
                        "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must not contain a NUL character",
                        camel(member)
                    )));
                }
                Ok(Self(m))
            }
            Ok(_) => Err(DoorError::Serialization("Request body must be a JSON object".into())),
            Err(_) => Err(DoorError::Serialization("Request body is not valid JSON".into())),
        }
    }

    /// Whether the member is present and not null.
    pub fn has(&self, member: &str) -> bool {
        self.0.get(member).is_some_and(|v| !v.is_null())
    }

    pub fn opt_str(&self, member: &str) -> DoorResult<Option<&str>> {
        match self.0.get(member) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(wrong_type(member, "a string")),
        }
    }

    /// A required, non-empty string.
    pub fn str(&self, member: &str) -> DoorResult<&str> {
        match self.opt_str(member)? {
            Some(s) if !s.is_empty() => Ok(s),
            Some(_) => Err(DoorError::InvalidParameter(format!(
                "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must have length greater than or equal to 1",
                camel(member)
            ))),
            None => Err(missing(member)),
        }
    }

    pub fn secret(&self, member: &str) -> DoorResult<Secret<String>> {
        self.str(member).map(Secret::from)
    }

    pub fn opt_bool(&self, member: &str) -> DoorResult<Option<bool>> {
        match self.0.get(member) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(wrong_type(member, "a boolean")),
        }
    }

    pub fn opt_i64(&self, member: &str) -> DoorResult<Option<i64>> {
        match self.0.get(member) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| wrong_type(member, "an integer")),
            Some(_) => Err(wrong_type(member, "an integer")),
        }
    }

    /// A map of strings (AuthParameters, ChallengeResponses, ClientMetadata).
    pub fn str_map(&self, member: &str) -> DoorResult<BTreeMap<String, String>> {
        match self.0.get(member) {
            None | Some(Value::Null) => Ok(BTreeMap::new()),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    _ => Err(wrong_type(&format!("{member}.{k}"), "a string")),
                })
                .collect(),
            Some(_) => Err(wrong_type(member, "a map of strings")),
        }
    }

    /// A list of strings (ExplicitAuthFlows, AutoVerifiedAttributes).
    pub fn str_list(&self, member: &str) -> DoorResult<Option<Vec<String>>> {
        match self.0.get(member) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| wrong_type(member, "a list of strings")))
                .collect::<DoorResult<Vec<_>>>()
                .map(Some),
            Some(_) => Err(wrong_type(member, "a list of strings")),
        }
    }

    /// A list of `{"Name", "Value"}` attributes.
    pub fn attributes(&self, member: &str) -> DoorResult<BTreeMap<String, String>> {
        match self.0.get(member) {
            None | Some(Value::Null) => Ok(BTreeMap::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    let name = item
                        .get("Name")
                        .and_then(Value::as_str)
                        .ok_or_else(|| wrong_type(member, "a list of {Name, Value}"))?;
                    let value = match item.get("Value") {
                        None | Some(Value::Null) => String::new(),
                        Some(Value::String(s)) => s.clone(),
                        Some(_) => return Err(wrong_type(member, "a list of {Name, Value}")),
                    };
                    Ok((name.to_owned(), value))
                })
                .collect(),
            Some(_) => Err(wrong_type(member, "a list of {Name, Value}")),
        }
    }

    /// A nested structure.
    pub fn object(&self, member: &str) -> DoorResult<Option<Input>> {
        match self.0.get(member) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) => Ok(Some(Input(m.clone()))),
            Some(_) => Err(wrong_type(member, "a structure")),
        }
    }

    /// A list of structures.
    pub fn object_list(&self, member: &str) -> DoorResult<Vec<Input>> {
        match self.0.get(member) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::Object(m) => Ok(Input(m.clone())),
                    _ => Err(wrong_type(member, "a list of structures")),
                })
                .collect(),
            Some(_) => Err(wrong_type(member, "a list of structures")),
        }
    }

    /// MaxResults/Limit within 1..=max, `default` when absent.
    pub fn limit(&self, member: &str, default: u32, max: u32) -> DoorResult<u32> {
        match self.opt_i64(member)? {
            None => Ok(default),
            Some(n) if n >= 1 && n <= i64::from(max) => Ok(n as u32),
            Some(_) => Err(DoorError::InvalidParameter(format!(
                "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must have value between 1 and {max}",
                camel(member)
            ))),
        }
    }
}

/// Opaque pagination tokens: the last key seen, base64url-encoded.
pub mod page {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    use crate::error::{DoorError, DoorResult};

    pub fn encode(key: &str) -> String {
        URL_SAFE_NO_PAD.encode(key.as_bytes())
    }

    pub fn decode(token: Option<&str>) -> DoorResult<Option<String>> {
        token
            .map(|t| {
                URL_SAFE_NO_PAD
                    .decode(t)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .filter(|key| !key.contains('\0'))
                    .ok_or_else(|| DoorError::InvalidParameter("Invalid pagination token".into()))
            })
            .transpose()
    }
}

/// Whether a string anywhere in the value (keys included) holds a NUL character, which no
/// Cognito field allows and PostgreSQL cannot store.
fn holds_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(m) => m.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}
