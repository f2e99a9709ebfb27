//! CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup, AdminAddUserToGroup,
//! AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup.

use serde_json::{json, Value};
use warden_core::model::User;
use warden_core::service::GroupSpec;

use crate::ctx::Ctx;
use crate::error::DoorResult;
use crate::shapes;
use crate::wire::{page, Input};

/// The members Create and Update share; Update changes only those given.
fn spec(input: &Input) -> DoorResult<GroupSpec> {
    Ok(GroupSpec {
        pool_id: input.str("UserPoolId")?.to_owned(),
        name: input.str("GroupName")?.to_owned(),
        description: input.opt_str("Description")?.map(str::to_owned),
        precedence: input.opt_i64("Precedence")?,
        role_arn: input.opt_str("RoleArn")?.map(str::to_owned),
    })
}

/// Limit is optional (QueryLimitType); without it a page holds 60.
fn paging(input: &Input) -> DoorResult<(u32, Option<String>)> {
    Ok((input.limit("Limit", 60, 60)?, page::decode(input.opt_str("NextToken")?)?))
}

/// A NextToken when the page is full (the next page may be empty, as with Cognito).
fn next_token(body: &mut Value, full: bool, last: Option<String>) {
    if let (true, Some(last)) = (full, last) {
        body["NextToken"] = json!(page::encode(&last));
    }
}

pub async fn create_group(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let group = ctx.warden.directory.create_group(spec(input)?).await?;
    Ok(json!({ "Group": shapes::group(&group) }))
}

pub async fn get_group(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let group = ctx.warden.directory.group(input.str("UserPoolId")?, input.str("GroupName")?).await?;
    Ok(json!({ "Group": shapes::group(&group) }))
}

pub async fn list_groups(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let pool_id = input.str("UserPoolId")?;
    let (limit, after) = paging(input)?;
    let groups = ctx.warden.directory.list_groups(pool_id, after.as_deref(), limit).await?;
    let mut body = json!({ "Groups": groups.iter().map(shapes::group).collect::<Vec<_>>() });
    next_token(&mut body, groups.len() == limit as usize, groups.last().map(|g| g.name.clone()));
    Ok(body)
}

pub async fn update_group(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let group = ctx.warden.directory.update_group(spec(input)?).await?;
    Ok(json!({ "Group": shapes::group(&group) }))
}

pub async fn delete_group(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    ctx.warden.directory.delete_group(input.str("UserPoolId")?, input.str("GroupName")?).await?;
    Ok(json!({}))
}

pub async fn admin_add_user_to_group(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let (pool_id, username, group) = (input.str("UserPoolId")?, input.str("Username")?, input.str("GroupName")?);
    ctx.warden.directory.admin_add_user_to_group(pool_id, username, group).await?;
    Ok(json!({}))
}

pub async fn admin_remove_user_from_group(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let (pool_id, username, group) = (input.str("UserPoolId")?, input.str("Username")?, input.str("GroupName")?);
    ctx.warden.directory.admin_remove_user_from_group(pool_id, username, group).await?;
    Ok(json!({}))
}

pub async fn admin_list_groups_for_user(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let (pool_id, username) = (input.str("UserPoolId")?, input.str("Username")?);
    let (limit, after) = paging(input)?;
    let groups = ctx.warden.directory.admin_list_groups_for_user(pool_id, username, after.as_deref(), limit).await?;
    let mut body = json!({ "Groups": groups.iter().map(shapes::group).collect::<Vec<_>>() });
    next_token(&mut body, groups.len() == limit as usize, groups.last().map(|g| g.name.clone()));
    Ok(body)
}

pub async fn list_users_in_group(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let (pool_id, group) = (input.str("UserPoolId")?, input.str("GroupName")?);
    let (limit, after) = paging(input)?;
    let users = ctx.warden.directory.list_users_in_group(pool_id, group, after.as_deref(), limit).await?;
    let mut body = json!({ "Users": users.iter().map(shapes::user_type).collect::<Vec<_>>() });
    next_token(&mut body, users.len() == limit as usize, users.last().map(|u| User::normalise_username(&u.username)));
    Ok(body)
}
