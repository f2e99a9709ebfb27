//! CreateUserPoolClient, DescribeUserPoolClient, ListUserPoolClients, UpdateUserPoolClient,
//! DeleteUserPoolClient.

use serde_json::{json, Value};
use warden_core::model::ClientSettings;
use warden_core::service::ClientSpec;

use super::client_settings::{apply_settings, cognito_members_reset};
use crate::ctx::Ctx;
use crate::error::DoorResult;
use crate::shapes;
use crate::wire::{page, Input};

pub async fn create_user_pool_client(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let mut settings = ClientSettings::default();
    apply_settings(input, &mut settings)?;
    let created = ctx
        .warden
        .directory
        .create_client(ClientSpec {
            pool_id: input.str("UserPoolId")?.to_owned(),
            name: input.str("ClientName")?.to_owned(),
            generate_secret: input.opt_bool("GenerateSecret")?.unwrap_or(false),
            settings,
        })
        .await?;
    Ok(json!({ "UserPoolClient": shapes::client(&created.client, created.secret.as_ref()) }))
}

pub async fn describe_user_pool_client(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let client = ctx.warden.kernel.pool_client(input.str("UserPoolId")?, input.str("ClientId")?).await?;
    let secret = ctx.warden.kernel.client_secret(&client)?;
    Ok(json!({ "UserPoolClient": shapes::client(&client, secret.as_ref()) }))
}

pub async fn list_user_pool_clients(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let limit = input.limit("MaxResults", 60, 60)?;
    let after = page::decode(input.opt_str("NextToken")?)?;
    let clients = ctx.warden.directory.list_clients(input.str("UserPoolId")?, after.as_deref(), limit).await?;
    let mut body = json!({ "UserPoolClients": clients.iter().map(shapes::client_description).collect::<Vec<_>>() });
    if clients.len() == limit as usize {
        if let Some(last) = clients.last() {
            body["NextToken"] = json!(page::encode(&last.id));
        }
    }
    Ok(body)
}

/// Cognito's semantics: every member not given goes back to its default (the name and the
/// secret stay). Nothing is written if the new settings are refused.
pub async fn update_user_pool_client(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let mut client = ctx.warden.kernel.pool_client(input.str("UserPoolId")?, input.str("ClientId")?).await?;
    let mut settings = cognito_members_reset(&client.settings);
    apply_settings(input, &mut settings)?;
    if let Some(name) = input.opt_str("ClientName")? {
        client.name = name.to_owned();
    }
    client.settings = settings;
    let client = ctx.warden.directory.update_client(client).await?;
    let secret = ctx.warden.kernel.client_secret(&client)?;
    Ok(json!({ "UserPoolClient": shapes::client(&client, secret.as_ref()) }))
}

pub async fn delete_user_pool_client(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    ctx.warden.directory.delete_client(input.str("UserPoolId")?, input.str("ClientId")?).await?;
    Ok(json!({}))
}
