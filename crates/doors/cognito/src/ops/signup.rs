//! SignUp, ConfirmSignUp, ResendConfirmationCode.

use serde_json::{json, Value};
use warden_core::service::SignUpRequest;

use crate::ctx::Ctx;
use crate::error::DoorResult;
use crate::shapes;
use crate::wire::Input;

pub async fn sign_up(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let password = input.secret("Password")?;
    let out = ctx
        .warden
        .accounts
        .sign_up(SignUpRequest {
            client_id: input.str("ClientId")?.to_owned(),
            secret_hash: input.opt_str("SecretHash")?.map(str::to_owned),
            username: input.str("Username")?.to_owned(),
            password,
            attributes: input.attributes("UserAttributes")?,
            source: ctx.source.clone(),
            attempt_id: ctx.attempt_id.clone(),
        })
        .await?;
    let mut body = json!({ "UserConfirmed": out.confirmed, "UserSub": out.user_sub });
    if let Some(d) = out.delivery {
        body["CodeDeliveryDetails"] = shapes::delivery(&d);
    }
    Ok(body)
}

pub async fn confirm_sign_up(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    ctx.warden
        .accounts
        .confirm_sign_up(
            input.str("ClientId")?,
            input.opt_str("SecretHash")?,
            input.str("Username")?,
            input.str("ConfirmationCode")?,
        )
        .await?;
    Ok(json!({}))
}

pub async fn resend_confirmation_code(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let d = ctx
        .warden
        .accounts
        .resend_confirmation_code(
            input.str("ClientId")?,
            input.opt_str("SecretHash")?,
            input.str("Username")?,
            &ctx.attempt_id,
        )
        .await?;
    Ok(json!({ "CodeDeliveryDetails": shapes::delivery(&d) }))
}
