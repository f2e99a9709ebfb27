//! Attributes after sign-up: AdminUpdateUserAttributes, AdminDeleteUserAttributes,
//! UpdateUserAttributes, DeleteUserAttributes, GetUserAttributeVerificationCode,
//! VerifyUserAttribute; AdminConfirmSignUp; DeleteUser.

use serde_json::{json, Value};

use crate::ctx::Ctx;
use crate::error::{DoorError, DoorResult};
use crate::shapes;
use crate::wire::Input;

fn names(input: &Input) -> DoorResult<Vec<String>> {
    input
        .str_list("UserAttributeNames")?
        .ok_or_else(|| DoorError::InvalidParameter("Missing required parameter UserAttributeNames".into()))
}

pub async fn admin_update_user_attributes(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let attributes = input.attributes("UserAttributes")?;
    ctx.warden
        .directory
        .admin_update_user_attributes(input.str("UserPoolId")?, input.str("Username")?, attributes, &ctx.attempt_id)
        .await?;
    Ok(json!({}))
}

pub async fn admin_delete_user_attributes(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    ctx.warden
        .directory
        .admin_delete_user_attributes(input.str("UserPoolId")?, input.str("Username")?, &names(input)?)
        .await?;
    Ok(json!({}))
}

pub async fn admin_confirm_sign_up(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    ctx.warden.directory.admin_confirm_sign_up(input.str("UserPoolId")?, input.str("Username")?).await?;
    Ok(json!({}))
}

pub async fn update_user_attributes(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let attributes = input.attributes("UserAttributes")?;
    let sent =
        ctx.warden.directory.update_user_attributes(input.str("AccessToken")?, attributes, &ctx.attempt_id).await?;
    Ok(json!({ "CodeDeliveryDetailsList": sent.iter().map(shapes::delivery).collect::<Vec<_>>() }))
}

pub async fn delete_user_attributes(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    ctx.warden.directory.delete_user_attributes(input.str("AccessToken")?, &names(input)?).await?;
    Ok(json!({}))
}

pub async fn get_user_attribute_verification_code(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let sent = ctx
        .warden
        .directory
        .get_user_attribute_verification_code(input.str("AccessToken")?, input.str("AttributeName")?, &ctx.attempt_id)
        .await?;
    Ok(json!({ "CodeDeliveryDetails": shapes::delivery(&sent) }))
}

pub async fn verify_user_attribute(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    ctx.warden
        .directory
        .verify_user_attribute(input.str("AccessToken")?, input.str("AttributeName")?, input.str("Code")?)
        .await?;
    Ok(json!({}))
}

pub async fn delete_user(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    ctx.warden.directory.delete_self(input.str("AccessToken")?).await?;
    Ok(json!({}))
}
