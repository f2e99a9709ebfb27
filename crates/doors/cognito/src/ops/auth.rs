//! InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge, AdminRespondToAuthChallenge.

use serde_json::{json, Value};
use warden_core::service::{AuthOutcome, InitiateAuth, RespondToChallenge};

use crate::dispatch::Ctx;
use crate::error::{DoorError, DoorResult};
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
        AuthOutcome::Challenge { kind, session, parameters } => json!({
            "ChallengeName": kind.as_str(),
            "Session": session,
            "ChallengeParameters": parameters,
        }),
        // Only hosted challenges end this way, and this door never answers those.
        AuthOutcome::SignedIn { .. } => {
            return Err(DoorError::Core(warden_core::CoreError::not_authorized("Invalid session for the user.")));
        }
    })
}

fn initiate(ctx: &Ctx<'_>, input: &Input) -> DoorResult<InitiateAuth> {
    let flow = input.str("AuthFlow")?.to_owned();
    let parameters = input.str_map("AuthParameters")?;
    Ok(InitiateAuth {
        client_id: input.str("ClientId")?.to_owned(),
        flow,
        parameters,
        source: ctx.source.clone(),
        attempt_id: ctx.attempt_id.clone(),
    })
}

fn respond(ctx: &Ctx<'_>, input: &Input) -> DoorResult<RespondToChallenge> {
    let session = input.opt_str("Session")?.unwrap_or_default().to_owned();
    if session.is_empty() {
        return Err(DoorError::InvalidParameter("Missing required parameter Session".into()));
    }
    Ok(RespondToChallenge {
        client_id: input.str("ClientId")?.to_owned(),
        challenge_name: input.str("ChallengeName")?.to_owned(),
        session,
        responses: input.str_map("ChallengeResponses")?,
        source: ctx.source.clone(),
        attempt_id: ctx.attempt_id.clone(),
        hosted: false,
    })
}

pub async fn initiate_auth(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let req = initiate(ctx, input)?;
    outcome(ctx.warden.initiate_auth(req).await?)
}

pub async fn admin_initiate_auth(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let pool_id = input.str("UserPoolId")?;
    let req = initiate(ctx, input)?;
    outcome(ctx.warden.admin_initiate_auth(pool_id, req).await?)
}

pub async fn respond_to_auth_challenge(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let req = respond(ctx, input)?;
    outcome(ctx.warden.respond_to_auth_challenge(req).await?)
}

pub async fn admin_respond_to_auth_challenge(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let pool_id = input.str("UserPoolId")?;
    let req = respond(ctx, input)?;
    outcome(ctx.warden.admin_respond_to_auth_challenge(pool_id, req).await?)
}
