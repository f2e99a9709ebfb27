//! The members of CreateUserPoolClient and UpdateUserPoolClient, read into `ClientSettings`.
//! Only their shape is checked here; the rules on their values and combinations are the core's.

use serde_json::json;
use warden_core::model::{ClientSettings, OAuthFlow};

use crate::error::{DoorError, DoorResult};
use crate::names::parse_auth_flow;
use crate::shapes::unit_secs;
use crate::wire::Input;

/// Reads the client members Warden honours into `s`.
pub(super) fn apply_settings(input: &Input, s: &mut ClientSettings) -> DoorResult<()> {
    if let Some(flows) = input.str_list("ExplicitAuthFlows")? {
        let mut parsed = Vec::new();
        for f in &flows {
            let flow = parse_auth_flow(f)
                .ok_or_else(|| DoorError::InvalidParameter(format!("Invalid ExplicitAuthFlows value: {f}")))?;
            if !parsed.contains(&flow) {
                parsed.push(flow);
            }
        }
        s.explicit_auth_flows = parsed;
    }
    let units = input.object("TokenValidityUnits")?;
    let unit = |key: &str, default: &str| -> DoorResult<(String, i64)> {
        let u = match &units {
            Some(u) => u.opt_str(key)?.unwrap_or(default).to_owned(),
            None => default.to_owned(),
        };
        let secs = unit_secs(&u)
            .ok_or_else(|| DoorError::InvalidParameter(format!("Invalid TokenValidityUnits.{key}: {u}")))?;
        Ok((u, secs))
    };
    // Cognito's units when none are given: hours for access and id tokens, days for refresh.
    let (au, a) = unit("AccessToken", "hours")?;
    let (iu, i) = unit("IdToken", "hours")?;
    let (ru, r) = unit("RefreshToken", "days")?;
    let mut echoed = json!({});
    if let Some(v) = input.opt_i64("AccessTokenValidity")? {
        s.token_validity.access_secs = v.saturating_mul(a);
        echoed["AccessToken"] = json!(au);
    }
    if let Some(v) = input.opt_i64("IdTokenValidity")? {
        s.token_validity.id_secs = v.saturating_mul(i);
        echoed["IdToken"] = json!(iu);
    }
    if let Some(v) = input.opt_i64("RefreshTokenValidity")? {
        s.token_validity.refresh_secs = v.saturating_mul(r);
        echoed["RefreshToken"] = json!(ru);
    }
    if echoed.as_object().is_some_and(|m| !m.is_empty()) {
        let mut merged = s.token_validity_units.clone().unwrap_or_else(|| json!({}));
        for (k, v) in echoed.as_object().into_iter().flatten() {
            merged[k] = v.clone();
        }
        s.token_validity_units = Some(merged);
    }
    if let Some(p) = input.opt_str("PreventUserExistenceErrors")? {
        s.prevent_user_existence_errors = match p {
            "ENABLED" => true,
            "LEGACY" => false,
            _ => {
                return Err(DoorError::InvalidParameter("PreventUserExistenceErrors must be ENABLED or LEGACY".into()))
            }
        };
    }
    if let Some(b) = input.opt_bool("EnableTokenRevocation")? {
        s.enable_token_revocation = b;
    }
    if let Some(v) = input.str_list("ReadAttributes")? {
        s.read_attributes = v;
    }
    if let Some(v) = input.str_list("WriteAttributes")? {
        s.write_attributes = v;
    }
    apply_oauth(input, s)
}

/// Drops repeats, keeping the first occurrence's place.
fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The OAuth members, read as given; the rules on their combination are the core's.
fn apply_oauth(input: &Input, s: &mut ClientSettings) -> DoorResult<()> {
    if let Some(flows) = input.str_list("AllowedOAuthFlows")? {
        let parsed = flows.iter().map(|f| OAuthFlow::parse(f)).collect::<Option<Vec<_>>>();
        match parsed {
            Some(p) if flows.len() <= 3 => s.allowed_oauth_flows = dedup(p),
            Some(_) => return Err(DoorError::InvalidParameter(
                "1 validation error detected: Value at 'allowedOAuthFlows' failed to satisfy constraint: Member must have length less than or equal to 3".into(),
            )),
            None => return Err(DoorError::InvalidParameter(format!(
                "1 validation error detected: Value '[{}]' at 'allowedOAuthFlows' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [implicit, client_credentials, code]]",
                flows.join(", ")
            ))),
        }
    }
    if let Some(v) = input.str_list("AllowedOAuthScopes")? {
        s.allowed_oauth_scopes = dedup(v);
    }
    if let Some(b) = input.opt_bool("AllowedOAuthFlowsUserPoolClient")? {
        s.allowed_oauth_flows_user_pool_client = b;
    }
    if let Some(v) = input.str_list("CallbackURLs")? {
        s.callback_urls = dedup(v);
    }
    if let Some(v) = input.str_list("LogoutURLs")? {
        s.logout_urls = dedup(v);
    }
    if let Some(v) = input.opt_str("DefaultRedirectURI")? {
        s.default_redirect_uri = Some(v.to_owned());
    }
    if let Some(v) = input.str_list("SupportedIdentityProviders")? {
        s.supported_identity_providers = dedup(v);
    }
    if let Some(r) = input.object("RefreshTokenRotation")? {
        s.refresh_token_rotation = match r.str("Feature")? {
            "ENABLED" => true,
            "DISABLED" => false,
            other => {
                return Err(DoorError::InvalidParameter(format!(
                    "1 validation error detected: Value '{other}' at 'refreshTokenRotation.feature' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]"
                )))
            }
        };
        match r.opt_i64("RetryGracePeriodSeconds")? {
            None | Some(0) => {}
            Some(1..=60) => {
                // Rotation invalidates the old token at once; a grace period is not kept yet.
                return Err(DoorError::InvalidParameter(
                    "RetryGracePeriodSeconds other than 0 is not supported yet".into(),
                ));
            }
            Some(_) => {
                return Err(DoorError::InvalidParameter(
                    "1 validation error detected: Value at 'refreshTokenRotation.retryGracePeriodSeconds' failed to satisfy constraint: Member must have value between 0 and 60".into(),
                ))
            }
        }
    }
    Ok(())
}

/// `existing` with every setting UpdateUserPoolClient has a member for back at its default;
/// settings of Warden's own, which the Cognito API cannot express, are kept.
pub(super) fn cognito_members_reset(existing: &ClientSettings) -> ClientSettings {
    let d = ClientSettings::default();
    ClientSettings {
        explicit_auth_flows: d.explicit_auth_flows,
        token_validity: d.token_validity,
        token_validity_units: d.token_validity_units,
        prevent_user_existence_errors: d.prevent_user_existence_errors,
        enable_token_revocation: d.enable_token_revocation,
        read_attributes: d.read_attributes,
        write_attributes: d.write_attributes,
        allowed_oauth_flows: d.allowed_oauth_flows,
        allowed_oauth_scopes: d.allowed_oauth_scopes,
        allowed_oauth_flows_user_pool_client: d.allowed_oauth_flows_user_pool_client,
        callback_urls: d.callback_urls,
        logout_urls: d.logout_urls,
        default_redirect_uri: d.default_redirect_uri,
        supported_identity_providers: d.supported_identity_providers,
        refresh_token_rotation: d.refresh_token_rotation,
        ..existing.clone()
    }
}
