//! CreateResourceServer, DescribeResourceServer, ListResourceServers, UpdateResourceServer,
//! DeleteResourceServer.

use serde_json::{json, Value};
use warden_core::model::ResourceServerScope;
use warden_core::service::ResourceServerSpec;

use crate::ctx::Ctx;
use crate::error::DoorResult;
use crate::shapes;
use crate::wire::{page, Input};

/// The members Create and Update share; Update replaces the name and scopes, as Cognito does.
fn spec(input: &Input) -> DoorResult<ResourceServerSpec> {
    let pool_id = input.str("UserPoolId")?.to_owned();
    let identifier = input.str("Identifier")?.to_owned();
    let name = input.str("Name")?.to_owned();
    let scopes = input
        .object_list("Scopes")?
        .iter()
        .map(|s| {
            Ok(ResourceServerScope {
                name: s.str("ScopeName")?.to_owned(),
                description: s.str("ScopeDescription")?.to_owned(),
            })
        })
        .collect::<DoorResult<Vec<_>>>()?;
    Ok(ResourceServerSpec { pool_id, identifier, name, scopes })
}

pub async fn create_resource_server(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let server = ctx.warden.directory.create_resource_server(spec(input)?).await?;
    Ok(json!({ "ResourceServer": shapes::resource_server(&server) }))
}

pub async fn describe_resource_server(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let server = ctx.warden.directory.resource_server(input.str("UserPoolId")?, input.str("Identifier")?).await?;
    Ok(json!({ "ResourceServer": shapes::resource_server(&server) }))
}

/// MaxResults is optional in the service model (1 to 50); without it a page holds 50.
pub async fn list_resource_servers(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let limit = input.limit("MaxResults", 50, 50)?;
    let after = page::decode(input.opt_str("NextToken")?)?;
    let servers = ctx.warden.directory.list_resource_servers(input.str("UserPoolId")?, after.as_deref(), limit).await?;
    let mut body = json!({ "ResourceServers": servers.iter().map(shapes::resource_server).collect::<Vec<_>>() });
    if servers.len() == limit as usize {
        if let Some(last) = servers.last() {
            body["NextToken"] = json!(page::encode(&last.identifier));
        }
    }
    Ok(body)
}

pub async fn update_resource_server(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let server = ctx.warden.directory.update_resource_server(spec(input)?).await?;
    Ok(json!({ "ResourceServer": shapes::resource_server(&server) }))
}

pub async fn delete_resource_server(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    ctx.warden.directory.delete_resource_server(input.str("UserPoolId")?, input.str("Identifier")?).await?;
    Ok(json!({}))
}
