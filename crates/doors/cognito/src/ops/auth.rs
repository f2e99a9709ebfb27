//! InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge, AdminRespondToAuthChallenge: Cognito's
//! flow names, `AuthParameters` and `ChallengeResponses` parsed into the core's typed sign-in.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use warden_core::model::ChallengeKind;
use warden_core::service::{AuthOutcome, ChallengeAnswer, Credential, RespondToChallenge, SignIn};
use warden_core::Secret;

use crate::ctx::Ctx;
use crate::error::{DoorError, DoorResult};
use crate::names::challenge_name;
use crate::wire::Input;

pub fn outcome(o: AuthOutcome) -> DoorResult<Value> {
    Ok(match o {
        AuthOutcome::Tokens(t) => {
            let mut result = json!({
                "AccessToken": t.access_token,
                "ExpiresIn": t.expires_in,
                "TokenType": "Bearer",
            });
            if let Some(id) = t.id_token {
                result["IdToken"] = Value::String(id);
            }
            if let Some(r) = t.refresh_token {
                result["RefreshToken"] = Value::String(r);
            }
            json!({ "AuthenticationResult": result, "ChallengeParameters": {} })
        }
        AuthOutcome::Challenge { kind, session, username, attributes } => {
            let mut parameters = json!({ "USER_ID_FOR_SRP": username });
            if kind == ChallengeKind::NewPasswordRequired {
                parameters["requiredAttributes"] = json!("[]");
                parameters["userAttributes"] =
                    json!(serde_json::to_string(&attributes).unwrap_or_else(|_| "{}".into()));
            }
            json!({ "ChallengeName": challenge_name(kind), "Session": session, "ChallengeParameters": parameters })
        }
        // Only hosted challenges end this way, and this door never answers those.
        AuthOutcome::SignedIn { .. } => {
            return Err(DoorError::Core(warden_core::CoreError::refused(
                warden_core::error::Refusal::SessionExpired,
                "Invalid session for the user.",
            )));
        }
    })
}

fn missing(name: &str) -> DoorError {
    DoorError::InvalidParameter(format!("Missing required parameter {name}"))
}

fn required(parameters: &BTreeMap<String, String>, name: &str) -> DoorResult<String> {
    parameters.get(name).cloned().ok_or_else(|| missing(name))
}

/// The flows each operation takes; `admin` is AdminInitiateAuth.
fn credential(flow: &str, parameters: &BTreeMap<String, String>, admin: bool) -> DoorResult<Credential> {
    let password = || -> DoorResult<Credential> {
        let username = parameters.get("USERNAME").filter(|u| !u.is_empty()).ok_or_else(|| missing("USERNAME"))?;
        Ok(Credential::Password {
            username: username.clone(),
            password: Secret::new(required(parameters, "PASSWORD")?),
        })
    };
    match flow {
        "USER_PASSWORD_AUTH" if !admin => password(),
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" if admin => password(),
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
            Ok(Credential::RefreshToken(Secret::new(required(parameters, "REFRESH_TOKEN")?)))
        }
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => Err(DoorError::InvalidParameter(format!(
            "Initiate Auth method not supported: {flow} is only for AdminInitiateAuth"
        ))),
        "USER_PASSWORD_AUTH" | "USER_SRP_AUTH" | "CUSTOM_AUTH" | "USER_AUTH" => {
            Err(DoorError::InvalidParameter(format!("Initiate Auth method not supported: {flow}")))
        }
        other if admin => Err(DoorError::InvalidParameter(format!("Initiate Auth method not supported: {other}"))),
        other => Err(DoorError::InvalidParameter(format!(
            "1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set"
        ))),
    }
}

fn initiate(ctx: &Ctx<'_>, input: &Input, admin: bool) -> DoorResult<SignIn> {
    let client_id = input.str("ClientId")?.to_owned();
    let flow = input.str("AuthFlow")?;
    let parameters = input.str_map("AuthParameters")?;
    Ok(SignIn {
        client_id,
        credential: credential(flow, &parameters, admin)?,
        secret_hash: parameters.get("SECRET_HASH").cloned(),
        source: ctx.source.clone(),
        attempt_id: ctx.attempt_id.clone(),
        // Remembered devices (DEVICE_KEY) will vouch here; until then an address the user
        // signed in from before is what is familiar.
        remembered: None,
    })
}

fn answer(name: &str, responses: &BTreeMap<String, String>) -> DoorResult<ChallengeAnswer> {
    match name {
        "NEW_PASSWORD_REQUIRED" => Ok(ChallengeAnswer::NewPassword {
            password: Secret::new(required(responses, "NEW_PASSWORD")?),
            attributes: responses
                .iter()
                .filter_map(|(k, v)| k.strip_prefix("userAttributes.").map(|name| (name.to_owned(), v.clone())))
                .collect(),
        }),
        "SOFTWARE_TOKEN_MFA" => Ok(ChallengeAnswer::Totp { code: required(responses, "SOFTWARE_TOKEN_MFA_CODE")? }),
        other => Err(DoorError::InvalidParameter(format!("Unsupported challenge: {other}"))),
    }
}

fn respond(ctx: &Ctx<'_>, input: &Input) -> DoorResult<RespondToChallenge> {
    let client_id = input.str("ClientId")?.to_owned();
    let name = input.str("ChallengeName")?;
    let session = input.opt_str("Session")?.unwrap_or_default().to_owned();
    if session.is_empty() {
        return Err(missing("Session"));
    }
    let responses = input.str_map("ChallengeResponses")?;
    Ok(RespondToChallenge {
        client_id,
        session,
        answer: answer(name, &responses)?,
        username: required(&responses, "USERNAME")?,
        secret_hash: responses.get("SECRET_HASH").cloned(),
        source: ctx.source.clone(),
        attempt_id: ctx.attempt_id.clone(),
        hosted: false,
    })
}

pub async fn initiate_auth(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let req = initiate(ctx, input, false)?;
    outcome(ctx.warden.accounts.sign_in(req).await?)
}

pub async fn admin_initiate_auth(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let pool_id = input.str("UserPoolId")?;
    let req = initiate(ctx, input, true)?;
    outcome(ctx.warden.accounts.admin_sign_in(pool_id, req).await?)
}

pub async fn respond_to_auth_challenge(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let req = respond(ctx, input)?;
    outcome(ctx.warden.accounts.respond_to_auth_challenge(req).await?)
}

pub async fn admin_respond_to_auth_challenge(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let pool_id = input.str("UserPoolId")?;
    let req = respond(ctx, input)?;
    outcome(ctx.warden.accounts.admin_respond_to_auth_challenge(pool_id, req).await?)
}
