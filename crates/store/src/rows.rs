//! Rows to domain records. Booleans are stored as 0/1 and JSON settings as text, so one schema
//! reads the same on both engines.

use crate::error::{other, Error, R};
use sqlx::any::AnyRow;
use sqlx::Row;
use warden_core::model::{
    AccessKey, Challenge, ChallengeKind, Client, Pool, RefreshFamily, SigningKeyRecord, User, UserStatus,
};

/// A row of either driver: sqlx's (`AnyRow`, both engines) or rusqlite's (`sqlite_reads`), so a
/// record is decoded by one function whichever driver read it.
pub trait Cols {
    fn col<T: Value>(&self, name: &str) -> R<T>;
}

/// A column value both drivers can decode.
pub trait Value: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql {}
impl<T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql> Value for T {}

impl Cols for AnyRow {
    fn col<T: Value>(&self, name: &str) -> R<T> {
        self.try_get(name).map_err(Error::from)
    }
}

impl Cols for rusqlite::Row<'_> {
    fn col<T: Value>(&self, name: &str) -> R<T> {
        self.get(name).map_err(|e| other(format!("column {name}: {e}")))
    }
}

pub fn json<T: serde::de::DeserializeOwned>(row: &impl Cols, col: &str) -> R<T> {
    let text: String = row.col(col)?;
    serde_json::from_str(&text).map_err(|e| other(format!("column {col}: {e}")))
}

pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("domain records serialise")
}

pub fn pool(row: &AnyRow) -> R<Pool> {
    Ok(Pool {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        settings: json(row, "settings")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub fn client(row: &AnyRow) -> R<Client> {
    Ok(Client {
        id: row.try_get("id")?,
        pool_id: row.try_get("pool_id")?,
        name: row.try_get("name")?,
        secret_enc: row.try_get("secret_enc")?,
        settings: json(row, "settings")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub fn user(row: &impl Cols) -> R<User> {
    let status: String = row.col("status")?;
    Ok(User {
        id: row.col("id")?,
        pool_id: row.col("pool_id")?,
        username: row.col("username")?,
        status: UserStatus::parse(&status).ok_or_else(|| other(format!("bad user status {status}")))?,
        enabled: row.col::<i64>("enabled")? != 0,
        password_hash: row.col("password_hash")?,
        temporary_password_expires_at: row.col("temp_expires_at")?,
        attributes: json(row, "attributes")?,
        totp_secret_enc: row.col("totp_secret_enc")?,
        totp_verified: row.col::<i64>("totp_verified")? != 0,
        totp_enabled: row.col::<i64>("totp_enabled")? != 0,
        totp_last_step: row.col("totp_last_step")?,
        created_at: row.col("created_at")?,
        updated_at: row.col("updated_at")?,
        version: row.col("version")?,
        session_epoch: row.col("session_epoch")?,
    })
}

pub fn family(row: &AnyRow) -> R<RefreshFamily> {
    family_prefixed(row, "")
}

/// A family whose columns carry `prefix` (in a join with users).
pub fn family_prefixed(row: &impl Cols, prefix: &str) -> R<RefreshFamily> {
    let col = |name: &str| format!("{prefix}{name}");
    Ok(RefreshFamily {
        id: row.col(col("id").as_str())?,
        pool_id: row.col(col("pool_id").as_str())?,
        client_id: row.col(col("client_id").as_str())?,
        user_id: row.col(col("user_id").as_str())?,
        token_hash: row.col(col("token_hash").as_str())?,
        auth_time: row.col(col("auth_time").as_str())?,
        created_at: row.col(col("created_at").as_str())?,
        expires_at: row.col(col("expires_at").as_str())?,
        revoked_at: row.col(col("revoked_at").as_str())?,
        scope: row.col(col("scope").as_str())?,
        amr: row.col(col("amr").as_str())?,
    })
}

pub fn challenge(row: &AnyRow) -> R<Challenge> {
    let kind: String = row.try_get("kind")?;
    Ok(Challenge {
        id_hash: row.try_get("id_hash")?,
        pool_id: row.try_get("pool_id")?,
        client_id: row.try_get("client_id")?,
        user_id: row.try_get("user_id")?,
        kind: ChallengeKind::parse(&kind).ok_or_else(|| other(format!("bad challenge kind {kind}")))?,
        failures: row.try_get::<i64, _>("failures")? as u32,
        auth_time: row.try_get("auth_time")?,
        expires_at: row.try_get("expires_at")?,
        hosted: row.try_get::<i64, _>("hosted")? != 0,
    })
}

pub fn access_key(row: &AnyRow) -> R<AccessKey> {
    Ok(AccessKey {
        id: row.try_get("id")?,
        secret_enc: row.try_get("secret_enc")?,
        description: row.try_get("description")?,
        created_at: row.try_get("created_at")?,
    })
}

pub fn signing_key(row: &AnyRow) -> R<SigningKeyRecord> {
    Ok(SigningKeyRecord {
        kid: row.try_get("kid")?,
        alg: row.try_get("alg")?,
        private_enc: row.try_get("private_enc")?,
        created_at: row.try_get("created_at")?,
        retired_at: row.try_get("retired_at")?,
    })
}
