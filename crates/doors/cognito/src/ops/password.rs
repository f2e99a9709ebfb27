//! ChangePassword, ForgotPassword, ConfirmForgotPassword.

use serde_json::{json, Value};

use crate::ctx::Ctx;
use crate::error::DoorResult;
use crate::shapes;
use crate::wire::Input;

pub async fn change_password(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let token = input.str("AccessToken")?;
    let previous = input.secret("PreviousPassword")?;
    let proposed = input.secret("ProposedPassword")?;
    ctx.warden.accounts.change_password(token, &previous, &proposed, &ctx.source, &ctx.attempt_id).await?;
    Ok(json!({}))
}

pub async fn forgot_password(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let delivery = ctx
        .warden
        .accounts
        .forgot_password(
            input.str("ClientId")?,
            input.opt_str("SecretHash")?,
            input.str("Username")?,
            &ctx.source,
            &ctx.attempt_id,
        )
        .await?;
    Ok(json!({ "CodeDeliveryDetails": shapes::delivery(&delivery) }))
}

pub async fn confirm_forgot_password(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let password = input.secret("Password")?;
    ctx.warden
        .accounts
        .confirm_forgot_password(
            input.str("ClientId")?,
            input.opt_str("SecretHash")?,
            input.str("Username")?,
            input.str("ConfirmationCode")?,
            &password,
        )
        .await?;
    Ok(json!({}))
}
