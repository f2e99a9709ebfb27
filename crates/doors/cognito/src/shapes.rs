//! Domain records in Cognito's output shapes.

use serde_json::{json, Value};
use warden_core::model::{Client, Group, Pool, ResourceServer, User};
use warden_core::service::{CodeDelivery, DeliveryMedium};
use warden_core::{Secret, Warden};

pub fn delivery(d: &CodeDelivery) -> Value {
    let medium = match d.medium {
        DeliveryMedium::Email => "EMAIL",
    };
    json!({ "Destination": d.destination, "DeliveryMedium": medium, "AttributeName": d.attribute })
}

pub fn pool(w: &Warden, p: &Pool) -> Value {
    let pp = &p.settings.password_policy;
    json!({
        "Id": p.id,
        "Name": p.name,
        "Arn": format!("arn:aws:cognito-idp:{}:000000000000:userpool/{}", w.kernel.config().region, p.id),
        "Policies": { "PasswordPolicy": {
            "MinimumLength": pp.minimum_length,
            "RequireUppercase": pp.require_uppercase,
            "RequireLowercase": pp.require_lowercase,
            "RequireNumbers": pp.require_numbers,
            "RequireSymbols": pp.require_symbols,
            "TemporaryPasswordValidityDays": pp.temporary_password_validity_days,
        }},
        "DeletionProtection": if p.settings.deletion_protection { "ACTIVE" } else { "INACTIVE" },
        "MfaConfiguration": p.settings.mfa_configuration.as_str(),
        "AutoVerifiedAttributes": p.settings.auto_verified_attributes,
        "UsernameAttributes": p.settings.username_attributes,
        "AdminCreateUserConfig": { "AllowAdminCreateUserOnly": p.settings.allow_admin_create_user_only },
        "CreationDate": p.created_at,
        "LastModifiedDate": p.updated_at,
    })
}

pub fn pool_description(p: &Pool) -> Value {
    json!({ "Id": p.id, "Name": p.name, "CreationDate": p.created_at, "LastModifiedDate": p.updated_at })
}

/// Seconds in a token-validity unit.
pub fn unit_secs(unit: &str) -> Option<i64> {
    Some(match unit {
        "seconds" => 1,
        "minutes" => 60,
        "hours" => 3600,
        "days" => 86_400,
        _ => return None,
    })
}

pub fn client(c: &Client, secret: Option<&Secret<String>>) -> Value {
    let s = &c.settings;
    let units = s.token_validity_units.clone().unwrap_or_else(|| json!({}));
    let unit = |key: &str, default: &str| units.get(key).and_then(Value::as_str).unwrap_or(default).to_owned();
    let (au, iu, ru) = (unit("AccessToken", "minutes"), unit("IdToken", "minutes"), unit("RefreshToken", "days"));
    let per = |u: &str| unit_secs(u).unwrap_or(1);
    let mut v = json!({
        "UserPoolId": c.pool_id,
        "ClientName": c.name,
        "ClientId": c.id,
        "CreationDate": c.created_at,
        "LastModifiedDate": c.updated_at,
        "ExplicitAuthFlows": s.explicit_auth_flows.iter().map(|f| crate::names::auth_flow_name(*f)).collect::<Vec<_>>(),
        "AccessTokenValidity": s.token_validity.access_secs / per(&au),
        "IdTokenValidity": s.token_validity.id_secs / per(&iu),
        "RefreshTokenValidity": s.token_validity.refresh_secs / per(&ru),
        "TokenValidityUnits": { "AccessToken": au, "IdToken": iu, "RefreshToken": ru },
        "PreventUserExistenceErrors": if s.prevent_user_existence_errors { "ENABLED" } else { "LEGACY" },
        "EnableTokenRevocation": s.enable_token_revocation,
        "AllowedOAuthFlowsUserPoolClient": s.allowed_oauth_flows_user_pool_client,
        "ReadAttributes": s.read_attributes,
        "WriteAttributes": s.write_attributes,
        "RefreshTokenRotation": {
            "Feature": if s.refresh_token_rotation { "ENABLED" } else { "DISABLED" },
            "RetryGracePeriodSeconds": 0,
        },
    });
    // Cognito leaves out the OAuth lists a client does not have.
    let lists = [
        ("AllowedOAuthFlows", s.allowed_oauth_flows.iter().map(|f| f.as_str().to_owned()).collect::<Vec<_>>()),
        ("AllowedOAuthScopes", s.allowed_oauth_scopes.clone()),
        ("CallbackURLs", s.callback_urls.clone()),
        ("LogoutURLs", s.logout_urls.clone()),
        ("SupportedIdentityProviders", s.supported_identity_providers.clone()),
    ];
    for (member, list) in lists {
        if !list.is_empty() {
            v[member] = json!(list);
        }
    }
    if let Some(uri) = &s.default_redirect_uri {
        v["DefaultRedirectURI"] = json!(uri);
    }
    if let Some(secret) = secret {
        v["ClientSecret"] = Value::String(secret.expose().clone());
    }
    v
}

/// ResourceServerType.
pub fn resource_server(rs: &ResourceServer) -> Value {
    json!({
        "UserPoolId": rs.pool_id,
        "Identifier": rs.identifier,
        "Name": rs.name,
        "Scopes": rs.scopes.iter()
            .map(|s| json!({ "ScopeName": s.name, "ScopeDescription": s.description }))
            .collect::<Vec<_>>(),
    })
}

/// GroupType; Description, RoleArn and Precedence only when the group has them.
pub fn group(g: &Group) -> Value {
    let mut v = json!({
        "GroupName": g.name,
        "UserPoolId": g.pool_id,
        "LastModifiedDate": g.updated_at,
        "CreationDate": g.created_at,
    });
    if let Some(d) = &g.description {
        v["Description"] = json!(d);
    }
    if let Some(arn) = &g.role_arn {
        v["RoleArn"] = json!(arn);
    }
    if let Some(p) = g.precedence {
        v["Precedence"] = json!(p);
    }
    v
}

pub fn client_description(c: &Client) -> Value {
    json!({ "ClientId": c.id, "UserPoolId": c.pool_id, "ClientName": c.name })
}

fn attributes(u: &User) -> Vec<Value> {
    std::iter::once(json!({ "Name": "sub", "Value": u.id }))
        .chain(u.attributes.iter().map(|(k, v)| json!({ "Name": k, "Value": v })))
        .collect()
}

fn mfa_settings(u: &User) -> Vec<&'static str> {
    if u.totp_enabled {
        vec!["SOFTWARE_TOKEN_MFA"]
    } else {
        vec![]
    }
}

/// UserType, as in AdminCreateUser and ListUsers.
pub fn user_type(u: &User) -> Value {
    json!({
        "Username": u.username,
        "Attributes": attributes(u),
        "UserCreateDate": u.created_at,
        "UserLastModifiedDate": u.updated_at,
        "Enabled": u.enabled,
        "UserStatus": u.status.as_str(),
    })
}

/// AdminGetUser's output.
pub fn admin_get_user(u: &User) -> Value {
    let mut v = json!({
        "Username": u.username,
        "UserAttributes": attributes(u),
        "UserCreateDate": u.created_at,
        "UserLastModifiedDate": u.updated_at,
        "Enabled": u.enabled,
        "UserStatus": u.status.as_str(),
        "UserMFASettingList": mfa_settings(u),
    });
    if u.totp_enabled {
        v["PreferredMfaSetting"] = json!("SOFTWARE_TOKEN_MFA");
    }
    v
}

/// GetUser's output.
pub fn get_user(u: &User) -> Value {
    let mut v = json!({
        "Username": u.username,
        "UserAttributes": attributes(u),
        "UserMFASettingList": mfa_settings(u),
    });
    if u.totp_enabled {
        v["PreferredMfaSetting"] = json!("SOFTWARE_TOKEN_MFA");
    }
    v
}
