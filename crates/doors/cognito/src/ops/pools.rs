//! CreateUserPool, DescribeUserPool, ListUserPools, UpdateUserPool, DeleteUserPool,
//! SetUserPoolMfaConfig, GetUserPoolMfaConfig.

use serde_json::{json, Value};
use warden_core::model::{MfaConfiguration, PoolSettings};
use warden_core::service::PoolSpec;

use crate::ctx::Ctx;
use crate::error::{DoorError, DoorResult};
use crate::shapes;
use crate::wire::{page, Input};

fn mfa(value: &str) -> DoorResult<MfaConfiguration> {
    match MfaConfiguration::parse(value) {
        Some(MfaConfiguration::On) => Err(DoorError::InvalidParameter(
            "MfaConfiguration ON is not supported yet (users without TOTP could not sign in); use OPTIONAL".into(),
        )),
        Some(m) => Ok(m),
        None => Err(DoorError::InvalidParameter(format!("Invalid MfaConfiguration: {value}"))),
    }
}

/// Applies the members of CreateUserPool/UpdateUserPool that Warden honours.
fn apply_settings(input: &Input, s: &mut PoolSettings) -> DoorResult<()> {
    if let Some(policies) = input.object("Policies")? {
        if let Some(pp) = policies.object("PasswordPolicy")? {
            let p = &mut s.password_policy;
            if let Some(n) = pp.opt_i64("MinimumLength")? {
                if !(6..=99).contains(&n) {
                    return Err(DoorError::InvalidParameter("MinimumLength must be between 6 and 99".into()));
                }
                p.minimum_length = n as u32;
            }
            p.require_uppercase = pp.opt_bool("RequireUppercase")?.unwrap_or(p.require_uppercase);
            p.require_lowercase = pp.opt_bool("RequireLowercase")?.unwrap_or(p.require_lowercase);
            p.require_numbers = pp.opt_bool("RequireNumbers")?.unwrap_or(p.require_numbers);
            p.require_symbols = pp.opt_bool("RequireSymbols")?.unwrap_or(p.require_symbols);
            if let Some(d) = pp.opt_i64("TemporaryPasswordValidityDays")? {
                if !(0..=365).contains(&d) {
                    return Err(DoorError::InvalidParameter(
                        "TemporaryPasswordValidityDays must be between 0 and 365".into(),
                    ));
                }
                // 0 means Cognito's default of seven days, not an already-expired password.
                p.temporary_password_validity_days = if d == 0 { 7 } else { d as u32 };
            }
        }
    }
    if let Some(m) = input.opt_str("MfaConfiguration")? {
        s.mfa_configuration = mfa(m)?;
    }
    let allowed = |list: &[String]| list.iter().all(|a| a == "email" || a == "phone_number");
    if let Some(v) = input.str_list("AutoVerifiedAttributes")? {
        if !allowed(&v) {
            return Err(DoorError::InvalidParameter("AutoVerifiedAttributes may be email and phone_number".into()));
        }
        s.auto_verified_attributes = v;
    }
    if let Some(v) = input.str_list("UsernameAttributes")? {
        if !allowed(&v) {
            return Err(DoorError::InvalidParameter("UsernameAttributes may be email and phone_number".into()));
        }
        s.username_attributes = v;
    }
    if let Some(d) = input.opt_str("DeletionProtection")? {
        s.deletion_protection = match d {
            "ACTIVE" => true,
            "INACTIVE" => false,
            _ => return Err(DoorError::InvalidParameter("DeletionProtection must be ACTIVE or INACTIVE".into())),
        };
    }
    if let Some(c) = input.object("AdminCreateUserConfig")? {
        if let Some(only) = c.opt_bool("AllowAdminCreateUserOnly")? {
            s.allow_admin_create_user_only = only;
        }
    }
    Ok(())
}

pub async fn create_user_pool(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let mut settings = PoolSettings::default();
    apply_settings(input, &mut settings)?;
    let pool = ctx.warden.directory.create_pool(PoolSpec { name: input.str("PoolName")?.to_owned(), settings }).await?;
    Ok(json!({ "UserPool": shapes::pool(ctx.warden, &pool) }))
}

pub async fn describe_user_pool(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let pool = ctx.warden.kernel.pool(input.str("UserPoolId")?).await?;
    Ok(json!({ "UserPool": shapes::pool(ctx.warden, &pool) }))
}

pub async fn list_user_pools(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let limit = match input.opt_i64("MaxResults")? {
        Some(n) if (1..=60).contains(&n) => n as u32,
        Some(_) => return Err(DoorError::InvalidParameter("MaxResults must be between 1 and 60".into())),
        None => return Err(DoorError::InvalidParameter(
            "1 validation error detected: Value null at 'maxResults' failed to satisfy constraint: Member must not be null".into(),
        )),
    };
    let after = page::decode(input.opt_str("NextToken")?)?;
    let pools = ctx.warden.directory.list_pools(after.as_deref(), limit).await?;
    let mut body = json!({ "UserPools": pools.iter().map(shapes::pool_description).collect::<Vec<_>>() });
    if pools.len() == limit as usize {
        if let Some(last) = pools.last() {
            body["NextToken"] = json!(page::encode(&last.id));
        }
    }
    Ok(body)
}

pub async fn update_user_pool(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    if input.has("UsernameAttributes") {
        // Fixed at creation, as on Cognito: turning sign-in by address on or off would strand
        // users or make addresses ambiguous.
        return Err(DoorError::InvalidParameter(
            "UsernameAttributes cannot be changed after the pool is created".into(),
        ));
    }
    let mut pool = ctx.warden.kernel.pool(input.str("UserPoolId")?).await?;
    apply_settings(input, &mut pool.settings)?;
    ctx.warden.directory.update_pool(pool).await?;
    Ok(json!({}))
}

pub async fn delete_user_pool(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    ctx.warden.directory.delete_pool(input.str("UserPoolId")?).await?;
    Ok(json!({}))
}

pub async fn set_user_pool_mfa_config(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let mut pool = ctx.warden.kernel.pool(input.str("UserPoolId")?).await?;
    if let Some(m) = input.opt_str("MfaConfiguration")? {
        pool.settings.mfa_configuration = mfa(m)?;
    }
    let pool = ctx.warden.directory.update_pool(pool).await?;
    Ok(mfa_config(&pool))
}

pub async fn get_user_pool_mfa_config(ctx: &Ctx<'_>, input: &Input) -> DoorResult<Value> {
    let pool = ctx.warden.kernel.pool(input.str("UserPoolId")?).await?;
    Ok(mfa_config(&pool))
}

fn mfa_config(pool: &warden_core::model::Pool) -> Value {
    let on = pool.settings.mfa_configuration != MfaConfiguration::Off;
    json!({
        "MfaConfiguration": pool.settings.mfa_configuration.as_str(),
        "SoftwareTokenMfaConfiguration": { "Enabled": on },
    })
}
