//! Rows to domain records. Booleans are stored as 0/1 and JSON settings as text, so one schema
//! reads the same on both engines.

use sqlx::any::AnyRow;
use sqlx::Row;
use warden_core::error::StoreError;
use warden_core::model::{
    AccessKey, Challenge, ChallengeKind, Client, Pool, RefreshFamily, SigningKeyRecord, User, UserStatus,
};

use crate::error::map_err;

type R<T> = Result<T, StoreError>;

pub fn json<T: serde::de::DeserializeOwned>(row: &AnyRow, col: &str) -> R<T> {
    let text: String = row.try_get(col).map_err(map_err)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Other(format!("column {col}: {e}")))
}

pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("domain records serialise")
}

pub fn pool(row: &AnyRow) -> R<Pool> {
    Ok(Pool {
        id: row.try_get("id").map_err(map_err)?,
        name: row.try_get("name").map_err(map_err)?,
        settings: json(row, "settings")?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        updated_at: row.try_get("updated_at").map_err(map_err)?,
    })
}

pub fn client(row: &AnyRow) -> R<Client> {
    Ok(Client {
        id: row.try_get("id").map_err(map_err)?,
        pool_id: row.try_get("pool_id").map_err(map_err)?,
        name: row.try_get("name").map_err(map_err)?,
        secret_enc: row.try_get("secret_enc").map_err(map_err)?,
        settings: json(row, "settings")?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        updated_at: row.try_get("updated_at").map_err(map_err)?,
    })
}

pub fn user(row: &AnyRow) -> R<User> {
    let status: String = row.try_get("status").map_err(map_err)?;
    Ok(User {
        id: row.try_get("id").map_err(map_err)?,
        pool_id: row.try_get("pool_id").map_err(map_err)?,
        username: row.try_get("username").map_err(map_err)?,
        status: UserStatus::parse(&status).ok_or_else(|| StoreError::Other(format!("bad user status {status}")))?,
        enabled: row.try_get::<i64, _>("enabled").map_err(map_err)? != 0,
        password_hash: row.try_get("password_hash").map_err(map_err)?,
        temporary_password_expires_at: row.try_get("temp_expires_at").map_err(map_err)?,
        attributes: json(row, "attributes")?,
        totp_secret_enc: row.try_get("totp_secret_enc").map_err(map_err)?,
        totp_verified: row.try_get::<i64, _>("totp_verified").map_err(map_err)? != 0,
        totp_enabled: row.try_get::<i64, _>("totp_enabled").map_err(map_err)? != 0,
        totp_last_step: row.try_get("totp_last_step").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        updated_at: row.try_get("updated_at").map_err(map_err)?,
        version: row.try_get("version").map_err(map_err)?,
    })
}

pub fn family(row: &AnyRow) -> R<RefreshFamily> {
    family_prefixed(row, "")
}

/// A family whose columns carry `prefix` (in a join with users).
pub fn family_prefixed(row: &AnyRow, prefix: &str) -> R<RefreshFamily> {
    let col = |name: &str| format!("{prefix}{name}");
    Ok(RefreshFamily {
        id: row.try_get(col("id").as_str()).map_err(map_err)?,
        pool_id: row.try_get(col("pool_id").as_str()).map_err(map_err)?,
        client_id: row.try_get(col("client_id").as_str()).map_err(map_err)?,
        user_id: row.try_get(col("user_id").as_str()).map_err(map_err)?,
        token_hash: row.try_get(col("token_hash").as_str()).map_err(map_err)?,
        auth_time: row.try_get(col("auth_time").as_str()).map_err(map_err)?,
        created_at: row.try_get(col("created_at").as_str()).map_err(map_err)?,
        expires_at: row.try_get(col("expires_at").as_str()).map_err(map_err)?,
        revoked_at: row.try_get(col("revoked_at").as_str()).map_err(map_err)?,
        scope: row.try_get(col("scope").as_str()).map_err(map_err)?,
        amr: row.try_get(col("amr").as_str()).map_err(map_err)?,
    })
}

pub fn challenge(row: &AnyRow) -> R<Challenge> {
    let kind: String = row.try_get("kind").map_err(map_err)?;
    Ok(Challenge {
        id_hash: row.try_get("id_hash").map_err(map_err)?,
        pool_id: row.try_get("pool_id").map_err(map_err)?,
        client_id: row.try_get("client_id").map_err(map_err)?,
        user_id: row.try_get("user_id").map_err(map_err)?,
        kind: ChallengeKind::parse(&kind).ok_or_else(|| StoreError::Other(format!("bad challenge kind {kind}")))?,
        failures: row.try_get::<i64, _>("failures").map_err(map_err)? as u32,
        auth_time: row.try_get("auth_time").map_err(map_err)?,
        expires_at: row.try_get("expires_at").map_err(map_err)?,
        hosted: row.try_get::<i64, _>("hosted").map_err(map_err)? != 0,
    })
}

pub fn access_key(row: &AnyRow) -> R<AccessKey> {
    Ok(AccessKey {
        id: row.try_get("id").map_err(map_err)?,
        secret_enc: row.try_get("secret_enc").map_err(map_err)?,
        description: row.try_get("description").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
    })
}

pub fn signing_key(row: &AnyRow) -> R<SigningKeyRecord> {
    Ok(SigningKeyRecord {
        kid: row.try_get("kid").map_err(map_err)?,
        alg: row.try_get("alg").map_err(map_err)?,
        private_enc: row.try_get("private_enc").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        retired_at: row.try_get("retired_at").map_err(map_err)?,
    })
}
