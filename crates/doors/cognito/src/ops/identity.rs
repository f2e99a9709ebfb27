//! The Cognito identity service (`AWSCognitoIdentityService.<Op>`): identity pools, GetId,
//! GetCredentialsForIdentity, GetOpenIdToken.

use serde_json::{json, Value};
use warden_core::model::{IdentityPool, IdentityProvider};
use warden_core::service::IdentityPoolSpec;

use crate::ctx::Ctx;
use crate::error::{DoorError, DoorResult};
use crate::wire::{page, Input};

pub const TARGET_PREFIX: &str = "AWSCognitoIdentityService.";
pub const SIGNING_NAME: &str = "cognito-identity";

pub fn requires_signature(op: &str) -> Option<bool> {
    Some(match op {
        "GetId" | "GetCredentialsForIdentity" | "GetOpenIdToken" => false,
        "CreateIdentityPool"
        | "DescribeIdentityPool"
        | "ListIdentityPools"
        | "DeleteIdentityPool"
        | "SetIdentityPoolRoles"
        | "GetIdentityPoolRoles" => true,
        _ => return None,
    })
}

pub async fn call(ctx: &Ctx<'_>, op: &str, input: &Input) -> DoorResult<Value> {
    match op {
        "CreateIdentityPool" => create_identity_pool(ctx, input).await,
        "DescribeIdentityPool" => Ok(shape(&ctx.warden.federation.identity_pool(input.str("IdentityPoolId")?).await?)),
        "ListIdentityPools" => list_identity_pools(ctx, input).await,
        "DeleteIdentityPool" => {
            ctx.warden.federation.delete_identity_pool(input.str("IdentityPoolId")?).await?;
            Ok(json!({}))
        }
        "SetIdentityPoolRoles" => {
            if input.has("RoleMappings") {
                // Rules- and token-based mappings are not implemented: refusing beats ignoring
                // a mapping meant to deny.
                return Err(DoorError::InvalidParameter(
                    "RoleMappings are not supported: set the authenticated and unauthenticated Roles".into(),
                ));
            }
            if !input.has("Roles") {
                return Err(DoorError::InvalidParameter(
                    "1 validation error detected: Value null at 'roles' failed to satisfy constraint: Member must not be null".into(),
                ));
            }
            let roles = input.str_map("Roles")?;
            ctx.warden.federation.set_identity_pool_roles(input.str("IdentityPoolId")?, roles).await?;
            Ok(json!({}))
        }
        "GetIdentityPoolRoles" => {
            let pool = ctx.warden.federation.identity_pool(input.str("IdentityPoolId")?).await?;
            Ok(json!({ "IdentityPoolId": pool.id, "Roles": pool.roles }))
        }
        "GetId" => {
            let logins = input.str_map("Logins")?;
            let id = ctx
                .warden
                .federation
                .get_id(input.str("IdentityPoolId")?, &logins, &ctx.source, &ctx.attempt_id)
                .await?;
            Ok(json!({ "IdentityId": id }))
        }
        "GetCredentialsForIdentity" => {
            let c = ctx
                .warden
                .federation
                .get_credentials_for_identity(input.str("IdentityId")?, &input.str_map("Logins")?)
                .await?;
            Ok(json!({
                "IdentityId": c.identity_id,
                "Credentials": {
                    "AccessKeyId": c.access_key_id,
                    "SecretKey": c.secret_key.expose(),
                    "SessionToken": c.session_token.expose(),
                    "Expiration": c.expiration,
                },
            }))
        }
        "GetOpenIdToken" => {
            let identity_id = input.str("IdentityId")?;
            let token = ctx.warden.federation.get_open_id_token(identity_id, &input.str_map("Logins")?).await?;
            Ok(json!({ "IdentityId": identity_id, "Token": token }))
        }
        other => Err(DoorError::UnknownOperation(format!("Unknown operation {other}"))),
    }
}

fn shape(p: &IdentityPool) -> Value {
    json!({
        "IdentityPoolId": p.id,
        "IdentityPoolName": p.name,
        "AllowUnauthenticatedIdentities": p.allow_unauthenticated,
        "CognitoIdentityProviders": p.providers.iter().map(|pr| json!({
            "ProviderName": pr.provider_name,
            "ClientId": pr.client_id,
            "ServerSideTokenCheck": pr.server_side_token_check,
        })).collect::<Vec<_>>(),
    })
}

async fn create_identity_pool(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let allow_unauthenticated = input.opt_bool("AllowUnauthenticatedIdentities")?.ok_or_else(|| {
        DoorError::InvalidParameter("Missing required parameter AllowUnauthenticatedIdentities".into())
    })?;
    let mut providers = Vec::new();
    for p in input.object_list("CognitoIdentityProviders")? {
        providers.push(IdentityProvider {
            provider_name: p.str("ProviderName")?.to_owned(),
            client_id: p.opt_str("ClientId")?.unwrap_or_default().to_owned(),
            server_side_token_check: p.opt_bool("ServerSideTokenCheck")?.unwrap_or(false),
        });
    }
    let pool = ctx
        .warden
        .federation
        .create_identity_pool(IdentityPoolSpec {
            name: input.str("IdentityPoolName")?.to_owned(),
            allow_unauthenticated,
            providers,
        })
        .await?;
    Ok(shape(&pool))
}

async fn list_identity_pools(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let limit = match input.opt_i64("MaxResults")? {
        Some(n) if (1..=60).contains(&n) => n as u32,
        Some(_) => return Err(DoorError::InvalidParameter("MaxResults must be between 1 and 60".into())),
        None => return Err(DoorError::InvalidParameter("Missing required parameter MaxResults".into())),
    };
    let after = page::decode(input.opt_str("NextToken")?)?;
    let pools = ctx.warden.federation.list_identity_pools(after.as_deref(), limit).await?;
    let mut body = json!({
        "IdentityPools": pools.iter().map(|p| json!({ "IdentityPoolId": p.id, "IdentityPoolName": p.name })).collect::<Vec<_>>(),
    });
    if pools.len() == limit as usize {
        if let Some(last) = pools.last() {
            body["NextToken"] = json!(page::encode(&last.id));
        }
    }
    Ok(body)
}
