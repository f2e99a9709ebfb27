//! RevokeToken, GlobalSignOut, AdminUserGlobalSignOut, GetUser, GetTokensFromRefreshToken.

use serde_json::{json, Value};
use warden_core::service::AuthOutcome;
use warden_core::Secret;

use crate::ctx::Ctx;
use crate::error::DoorResult;
use crate::shapes;
use crate::wire::Input;

pub async fn revoke_token(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    ctx.warden.tokens.revoke_token(input.str("ClientId")?, input.opt_str("ClientSecret")?, input.str("Token")?).await?;
    Ok(json!({}))
}

pub async fn global_sign_out(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    ctx.warden.tokens.global_sign_out(input.str("AccessToken")?).await?;
    Ok(json!({}))
}

pub async fn admin_user_global_sign_out(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    ctx.warden.directory.admin_user_global_sign_out(input.str("UserPoolId")?, input.str("Username")?).await?;
    Ok(json!({}))
}

pub async fn get_user(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let user = ctx.warden.directory.get_user(input.str("AccessToken")?).await?;
    Ok(shapes::get_user(&user))
}

pub async fn get_tokens_from_refresh_token(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let secret = input.opt_str("ClientSecret")?.map(|s| Secret::new(s.to_owned()));
    let tokens =
        ctx.warden.oauth.refresh_with_client_secret(input.str("ClientId")?, secret, input.str("RefreshToken")?).await?;
    let mut answer = super::auth::outcome(AuthOutcome::Tokens(tokens))?;
    Ok(json!({ "AuthenticationResult": answer["AuthenticationResult"].take() }))
}
