//! AdminCreateUser, AdminGetUser, AdminDeleteUser, AdminDisableUser/AdminEnableUser,
//! AdminSetUserPassword, AdminResetUserPassword, ListUsers.

use serde_json::{json, Value};
use warden_core::service::CreateUser;

use crate::ctx::Ctx;
use crate::error::{DoorError, DoorResult};
use crate::shapes;
use crate::wire::{page, Input};

pub async fn admin_create_user(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let message_action = input.opt_str("MessageAction")?.map(str::to_owned);
    if let Some(a) = &message_action {
        if a != "SUPPRESS" && a != "RESEND" {
            return Err(DoorError::InvalidParameter(format!("Invalid MessageAction: {a}")));
        }
    }
    let user = ctx
        .warden
        .directory
        .admin_create_user(CreateUser {
            pool_id: input.str("UserPoolId")?.to_owned(),
            username: input.str("Username")?.to_owned(),
            temporary_password: input.opt_str("TemporaryPassword")?.filter(|p| !p.is_empty()).map(Into::into),
            attributes: input.attributes("UserAttributes")?,
            message_action,
        })
        .await?;
    Ok(json!({ "User": shapes::user_type(&user) }))
}

pub async fn admin_get_user(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let user = ctx.warden.directory.admin_get_user(input.str("UserPoolId")?, input.str("Username")?).await?;
    Ok(shapes::admin_get_user(&user))
}

pub async fn admin_delete_user(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    ctx.warden.directory.admin_delete_user(input.str("UserPoolId")?, input.str("Username")?).await?;
    Ok(json!({}))
}

pub async fn admin_set_enabled(ctx: &Ctx<'_>, input: &Input, enabled: bool) -> DoorResult<Value> {
    ctx.warden.directory.admin_set_enabled(input.str("UserPoolId")?, input.str("Username")?, enabled).await?;
    Ok(json!({}))
}

pub async fn admin_set_user_password(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let password = input.secret("Password")?;
    let permanent = input.opt_bool("Permanent")?.unwrap_or(false);
    ctx.warden
        .directory
        .admin_set_user_password(input.str("UserPoolId")?, input.str("Username")?, &password, permanent)
        .await?;
    Ok(json!({}))
}

pub async fn admin_reset_user_password(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    ctx.warden
        .directory
        .admin_reset_user_password(input.str("UserPoolId")?, input.str("Username")?, &ctx.attempt_id)
        .await?;
    Ok(json!({}))
}

pub async fn list_users(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let limit = input.limit("Limit", 60, 60)?;
    let after = page::decode(input.opt_str("PaginationToken")?)?;
    let page_ = ctx
        .warden
        .directory
        .list_users(input.str("UserPoolId")?, input.opt_str("Filter")?, limit, after.as_deref())
        .await?;
    let mut body = json!({ "Users": page_.users.iter().map(shapes::user_type).collect::<Vec<_>>() });
    if let Some(next) = page_.next {
        body["PaginationToken"] = json!(page::encode(&next));
    }
    Ok(body)
}
