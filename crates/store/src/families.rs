//! Refresh-token families: insertion, the family-with-user reads of the token hot paths,
//! revocation, rotation with reuse detection.

use crate::error::{sql, Error, R};
use crate::{rows, Backend, SqlStore};
use async_trait::async_trait;
use sqlx::Row;
use warden_core::model::{Group, RefreshFamily, User};
use warden_core::store::{FamilyKey, FamilyStore, StoreResult};

/// The family-and-user read of the refresh paths with the user's groups as a JSON array (each
/// element a `Group`), aggregated per engine, so a refresh still costs one statement.
macro_rules! family_user_groups {
    ($agg:literal, $from:literal, $filter:literal) => {
        concat!(
            "SELECT f.id AS f_id, f.pool_id AS f_pool_id, f.client_id AS f_client_id, ",
            "f.user_id AS f_user_id, f.token_hash AS f_token_hash, f.auth_time AS f_auth_time, ",
            "f.created_at AS f_created_at, f.expires_at AS f_expires_at, f.revoked_at AS f_revoked_at, ",
            "f.scope AS f_scope, f.amr AS f_amr, u.*, (",
            $agg,
            " FROM user_groups m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name ",
            "WHERE m.user_id = f.user_id) AS user_groups_json ",
            "FROM ",
            $from,
            " f JOIN users u ON u.id = f.user_id ",
            $filter
        )
    };
}

macro_rules! sqlite_groups {
    ($filter:literal) => {
        family_user_groups!(
            "SELECT json_group_array(json_object('pool_id', g.pool_id, 'name', g.name, \
             'description', g.description, 'precedence', g.precedence, 'role_arn', g.role_arn, \
             'created_at', g.created_at, 'updated_at', g.updated_at))",
            "families",
            $filter
        )
    };
}

macro_rules! postgres_groups {
    ($from:literal, $filter:literal) => {
        family_user_groups!(
            "SELECT COALESCE(json_agg(json_build_object('pool_id', g.pool_id, 'name', g.name, \
             'description', g.description, 'precedence', g.precedence, 'role_arn', g.role_arn, \
             'created_at', g.created_at, 'updated_at', g.updated_at))::text, '[]')",
            $from,
            $filter
        )
    };
}

/// The family-user-groups read over the families a rotation CTE named `rotated` returns
/// (`rotation.rs`).
pub(crate) const POSTGRES_ROTATED: &str = postgres_groups!("rotated", "");

pub(crate) fn family_user_groups(row: &impl rows::Cols) -> R<(RefreshFamily, User, Vec<Group>)> {
    Ok((rows::family_prefixed(row, "f_")?, rows::user(row)?, rows::json(row, "user_groups_json")?))
}

/// PostgreSQL: a family with its user and groups, by its current refresh-token hash.
pub(crate) const POSTGRES_BY_TOKEN_HASH: &str = postgres_groups!("families", "WHERE f.token_hash = $1");

const INSERT_FAMILY: &str = "INSERT INTO families \
    (id, pool_id, client_id, user_id, token_hash, auth_time, created_at, expires_at, revoked_at, scope, amr) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

fn bind_family<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    f: &'q RefreshFamily,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(&f.id)
        .bind(&f.pool_id)
        .bind(&f.client_id)
        .bind(&f.user_id)
        .bind(f.token_hash.clone())
        .bind(f.auth_time)
        .bind(f.created_at)
        .bind(f.expires_at)
        .bind(f.revoked_at)
        .bind(f.scope.clone())
        .bind(&f.amr)
}

/// Inserts a family inside a transaction another operation opened.
pub(crate) async fn insert_family_in(tx: &mut sqlx::Transaction<'_, sqlx::Any>, f: &RefreshFamily) -> R<()> {
    bind_family(sqlx::query(INSERT_FAMILY), f).execute(&mut **tx).await?;
    Ok(())
}

fn family_and_user(row: &impl rows::Cols) -> R<(RefreshFamily, User)> {
    Ok((rows::family_prefixed(row, "f_")?, rows::user(row)?))
}

#[async_trait]
impl FamilyStore for SqlStore {
    async fn insert_family(&self, family: &RefreshFamily, user_epoch: i64) -> StoreResult<()> {
        let family = family.clone();
        self.detached(move |s| async move { s.insert_family_tx(&family, user_epoch).await }).await
    }

    async fn get_family(&self, id: &str) -> StoreResult<Option<RefreshFamily>> {
        sql(async {
            let row = sqlx::query("SELECT * FROM families WHERE id = $1").bind(id).fetch_optional(&self.read).await?;
            row.as_ref().map(rows::family).transpose()
        })
        .await
    }

    async fn get_family_by_token_hash(&self, hash: &[u8]) -> StoreResult<Option<RefreshFamily>> {
        sql(async {
            let row = sqlx::query("SELECT * FROM families WHERE token_hash = $1")
                .bind(hash.to_vec())
                .fetch_optional(&self.read)
                .await?;
            row.as_ref().map(rows::family).transpose()
        })
        .await
    }

    async fn get_family_with_user(&self, key: FamilyKey<'_>) -> StoreResult<Option<(RefreshFamily, User)>> {
        sql(async {
            macro_rules! concat_select {
                ($filter:literal) => {
                    concat!(
                        "SELECT f.id AS f_id, f.pool_id AS f_pool_id, f.client_id AS f_client_id, ",
                        "f.user_id AS f_user_id, f.token_hash AS f_token_hash, f.auth_time AS f_auth_time, ",
                        "f.created_at AS f_created_at, f.expires_at AS f_expires_at, f.revoked_at AS f_revoked_at, ",
                        "f.scope AS f_scope, f.amr AS f_amr, u.* ",
                        "FROM families f JOIN users u ON u.id = f.user_id ",
                        $filter
                    )
                };
            }
            let sql = match key {
                FamilyKey::Id(_) => concat_select!("WHERE f.id = $1"),
                FamilyKey::TokenHash(_) => concat_select!("WHERE f.token_hash = $1"),
            };
            self.read_family_row(sql, key, |row| family_and_user(row), family_and_user).await
        })
        .await
    }

    async fn revoke_family(&self, id: &str, at: i64) -> StoreResult<bool> {
        sql(async {
            sqlx::query("UPDATE families SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id)
                .bind(at)
                .execute(&self.write)
                .await?;
            Ok(self.get_family(id).await?.is_some())
        })
        .await
    }

    async fn revoke_user_families(&self, user_id: &str, at: i64) -> StoreResult<u64> {
        let user_id = user_id.to_owned();
        self.detached(move |s| async move { s.revoke_user_families_tx(&user_id, at).await }).await
    }

    async fn rotate_refresh_token(&self, family_id: &str, old: &[u8], new: &[u8], at: i64) -> StoreResult<bool> {
        Ok(self.rotate_batched(family_id, old, new, at).await?)
    }

    async fn rotate_refresh_token_by_hash(
        &self,
        old: &[u8],
        new: &[u8],
        client_id: &str,
        at: i64,
    ) -> StoreResult<Option<(RefreshFamily, User, Vec<Group>)>> {
        match self.backend {
            // One round trip instead of a read and then a write.
            crate::Backend::Postgres => Ok(self.rotate_checked_batched(old, new, client_id, at).await?),
            // Reads are answered inline on SQLite: a read and then a rotation costs nothing more.
            crate::Backend::Sqlite => self.read_then_rotate(old, new, client_id, at).await,
        }
    }

    async fn get_retired_refresh_token(&self, hash: &[u8]) -> StoreResult<Option<String>> {
        sql(async {
            let row = sqlx::query("SELECT family_id FROM retired_refresh_tokens WHERE token_hash = $1")
                .bind(hash.to_vec())
                .fetch_optional(&self.read)
                .await?;
            row.map(|r| r.try_get("family_id").map_err(Error::from)).transpose()
        })
        .await
    }

    async fn get_family_with_user_and_groups(
        &self,
        key: FamilyKey<'_>,
    ) -> StoreResult<Option<(RefreshFamily, User, Vec<Group>)>> {
        sql(async {
            let sql = match (self.backend, key) {
                (Backend::Sqlite, FamilyKey::Id(_)) => sqlite_groups!("WHERE f.id = $1"),
                (Backend::Sqlite, FamilyKey::TokenHash(_)) => sqlite_groups!("WHERE f.token_hash = $1"),
                (Backend::Postgres, FamilyKey::Id(_)) => postgres_groups!("families", "WHERE f.id = $1"),
                (Backend::Postgres, FamilyKey::TokenHash(_)) => POSTGRES_BY_TOKEN_HASH,
            };
            self.read_family_row(sql, key, |row| family_user_groups(row), family_user_groups).await
        })
        .await
    }
}

impl SqlStore {
    async fn revoke_user_families_tx(&self, user_id: &str, at: i64) -> R<u64> {
        let mut tx = self.write.begin().await?;
        let revoked = crate::sessions::end_sessions_in(&mut tx, user_id, at).await?;
        tx.commit().await?;
        Ok(revoked)
    }

    async fn insert_family_tx(&self, f: &RefreshFamily, user_epoch: i64) -> R<()> {
        self.write_in_session(&f.user_id, user_epoch, bind_family(sqlx::query(INSERT_FAMILY), f)).await
    }
}

impl SqlStore {
    /// A whole refresh as a read and then a rotation (SQLite, whose reads are answered inline).
    async fn read_then_rotate(
        &self,
        old_hash: &[u8],
        new_hash: &[u8],
        client_id: &str,
        at: i64,
    ) -> StoreResult<Option<(RefreshFamily, User, Vec<Group>)>> {
        let Some((mut family, user, groups)) =
            self.get_family_with_user_and_groups(FamilyKey::TokenHash(old_hash)).await?
        else {
            return Ok(None);
        };
        if family.client_id != client_id || family.revoked_at.is_some() || family.expires_at <= at || !user.enabled {
            return Ok(None);
        }
        if !self.rotate_refresh_token(&family.id, old_hash, new_hash, at).await? {
            return Ok(None);
        }
        family.token_hash = new_hash.to_vec();
        Ok(Some((family, user, groups)))
    }
}
