//! CreateUserPoolClient, DescribeUserPoolClient, ListUserPoolClients, DeleteUserPoolClient.

use serde_json::{json, Value};
use warden_core::model::{AuthFlow, ClientSettings};
use warden_core::service::ClientSpec;

use crate::dispatch::Ctx;
use crate::error::{DoorError, DoorResult};
use crate::shapes::{self, unit_secs};
use crate::wire::{page, Input};

/// Reads the client members Warden honours into `s`.
fn apply_settings(input: &Input, s: &mut ClientSettings) -> DoorResult<()> {
    if let Some(flows) = input.str_list("ExplicitAuthFlows")? {
        let mut parsed = Vec::new();
        for f in &flows {
            let flow = AuthFlow::parse(f)
                .ok_or_else(|| DoorError::InvalidParameter(format!("Invalid ExplicitAuthFlows value: {f}")))?;
            if !parsed.contains(&flow) {
                parsed.push(flow);
            }
        }
        s.explicit_auth_flows = parsed;
    }
    let units = input.object("TokenValidityUnits")?;
    let unit = |key: &str, default: &str| -> DoorResult<(String, i64)> {
        let u = match &units {
            Some(u) => u.opt_str(key)?.unwrap_or(default).to_owned(),
            None => default.to_owned(),
        };
        let secs = unit_secs(&u)
            .ok_or_else(|| DoorError::InvalidParameter(format!("Invalid TokenValidityUnits.{key}: {u}")))?;
        Ok((u, secs))
    };
    // Cognito's units when none are given: hours for access and id tokens, days for refresh.
    let (au, a) = unit("AccessToken", "hours")?;
    let (iu, i) = unit("IdToken", "hours")?;
    let (ru, r) = unit("RefreshToken", "days")?;
    let mut echoed = json!({});
    if let Some(v) = input.opt_i64("AccessTokenValidity")? {
        s.token_validity.access_secs = v.saturating_mul(a);
        echoed["AccessToken"] = json!(au);
    }
    if let Some(v) = input.opt_i64("IdTokenValidity")? {
        s.token_validity.id_secs = v.saturating_mul(i);
        echoed["IdToken"] = json!(iu);
    }
    if let Some(v) = input.opt_i64("RefreshTokenValidity")? {
        s.token_validity.refresh_secs = v.saturating_mul(r);
        echoed["RefreshToken"] = json!(ru);
    }
    if echoed.as_object().is_some_and(|m| !m.is_empty()) {
        let mut merged = s.token_validity_units.clone().unwrap_or_else(|| json!({}));
        for (k, v) in echoed.as_object().into_iter().flatten() {
            merged[k] = v.clone();
        }
        s.token_validity_units = Some(merged);
    }
    if let Some(p) = input.opt_str("PreventUserExistenceErrors")? {
        s.prevent_user_existence_errors = match p {
            "ENABLED" => true,
            "LEGACY" => false,
            _ => {
                return Err(DoorError::InvalidParameter("PreventUserExistenceErrors must be ENABLED or LEGACY".into()))
            }
        };
    }
    if let Some(b) = input.opt_bool("EnableTokenRevocation")? {
        s.enable_token_revocation = b;
    }
    if let Some(v) = input.str_list("ReadAttributes")? {
        s.read_attributes = v;
    }
    if let Some(v) = input.str_list("WriteAttributes")? {
        s.write_attributes = v;
    }
    if input.opt_bool("AllowedOAuthFlowsUserPoolClient")? == Some(true) {
        return Err(DoorError::InvalidParameter("OAuth flows on app clients are not supported yet".into()));
    }
    Ok(())
}

pub async fn create_user_pool_client(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let mut settings = ClientSettings::default();
    apply_settings(input, &mut settings)?;
    let created = ctx
        .warden
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
    let client = ctx.warden.pool_client(input.str("UserPoolId")?, input.str("ClientId")?).await?;
    let secret = ctx.warden.client_secret(&client)?;
    Ok(json!({ "UserPoolClient": shapes::client(&client, secret.as_ref()) }))
}

pub async fn list_user_pool_clients(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let limit = input.limit("MaxResults", 60, 60)?;
    let after = page::decode(input.opt_str("NextToken")?)?;
    let clients = ctx.warden.list_clients(input.str("UserPoolId")?, after.as_deref(), limit).await?;
    let mut body = json!({ "UserPoolClients": clients.iter().map(shapes::client_description).collect::<Vec<_>>() });
    if clients.len() == limit as usize {
        if let Some(last) = clients.last() {
            body["NextToken"] = json!(page::encode(&last.id));
        }
    }
    Ok(body)
}

pub async fn delete_user_pool_client(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    ctx.warden.delete_client(input.str("UserPoolId")?, input.str("ClientId")?).await?;
    Ok(json!({}))
}
