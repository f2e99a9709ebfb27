//! AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference.

use serde_json::{json, Value};

use crate::ctx::Ctx;
use crate::error::{DoorError, DoorResult};
use crate::wire::Input;

fn access_token(input: &Input) -> DoorResult<&str> {
    match input.opt_str("AccessToken")? {
        Some(t) if !t.is_empty() => Ok(t),
        _ if input.opt_str("Session")?.is_some() => Err(DoorError::InvalidParameter(
            "Associating a software token through a challenge Session (MFA_SETUP) is not supported yet; sign in and use an AccessToken".into(),
        )),
        _ => Err(DoorError::InvalidParameter("Missing required parameter AccessToken".into())),
    }
}

pub async fn associate_software_token(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let secret = ctx.warden.accounts.associate_software_token(access_token(input)?).await?;
    Ok(json!({ "SecretCode": secret.expose() }))
}

pub async fn verify_software_token(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let status = ctx.warden.accounts.verify_software_token(access_token(input)?, input.str("UserCode")?).await?;
    Ok(json!({ "Status": status }))
}

pub async fn set_user_mfa_preference(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let token = input.str("AccessToken")?;
    if let Some(sms) = input.object("SMSMfaSettings")? {
        if sms.opt_bool("Enabled")?.unwrap_or(false) {
            return Err(DoorError::InvalidParameter("SMS MFA is not supported by this server".into()));
        }
    }
    if let Some(email) = input.object("EmailMfaSettings")? {
        if email.opt_bool("Enabled")?.unwrap_or(false) {
            return Err(DoorError::InvalidParameter("Email MFA is not supported by this server".into()));
        }
    }
    if let Some(totp) = input.object("SoftwareTokenMfaSettings")? {
        let enabled = totp.opt_bool("Enabled")?.unwrap_or(false) || totp.opt_bool("PreferredMfa")?.unwrap_or(false);
        ctx.warden.accounts.set_software_token_mfa(token, enabled).await?;
    } else {
        // Still checks the token, as Cognito does.
        ctx.warden.directory.get_user(token).await?;
    }
    Ok(json!({}))
}
