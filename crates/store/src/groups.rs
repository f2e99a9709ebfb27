//! User-pool groups and their members.

use sqlx::any::AnyRow;
use sqlx::Row;
use warden_core::error::StoreError;
use warden_core::model::{Group, RefreshFamily, User};
use warden_core::store::FamilyKey;

use crate::error::map_err;
use crate::rows;
use crate::{Backend, SqlStore};

type R<T> = Result<T, StoreError>;

fn group(row: &AnyRow) -> R<Group> {
    Ok(Group {
        pool_id: row.try_get("pool_id").map_err(map_err)?,
        name: row.try_get("name").map_err(map_err)?,
        description: row.try_get("description").map_err(map_err)?,
        precedence: row.try_get("precedence").map_err(map_err)?,
        role_arn: row.try_get("role_arn").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        updated_at: row.try_get("updated_at").map_err(map_err)?,
    })
}

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

impl SqlStore {
    pub(crate) async fn do_get_family_with_user_and_groups(
        &self,
        key: FamilyKey<'_>,
    ) -> R<Option<(RefreshFamily, User, Vec<Group>)>> {
        let sql = match (self.backend, key) {
            (Backend::Sqlite, FamilyKey::Id(_)) => sqlite_groups!("WHERE f.id = $1"),
            (Backend::Sqlite, FamilyKey::TokenHash(_)) => sqlite_groups!("WHERE f.token_hash = $1"),
            (Backend::Postgres, FamilyKey::Id(_)) => postgres_groups!("families", "WHERE f.id = $1"),
            (Backend::Postgres, FamilyKey::TokenHash(_)) => POSTGRES_BY_TOKEN_HASH,
        };
        self.read_family_row(sql, key, |row| family_user_groups(row), family_user_groups).await
    }

    pub(crate) async fn do_insert_group(&self, g: &Group) -> R<()> {
        sqlx::query(
            "INSERT INTO groups (pool_id, name, description, precedence, role_arn, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&g.pool_id)
        .bind(&g.name)
        .bind(g.description.clone())
        .bind(g.precedence)
        .bind(g.role_arn.clone())
        .bind(g.created_at)
        .bind(g.updated_at)
        .execute(&self.write)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub(crate) async fn do_get_group(&self, pool_id: &str, name: &str) -> R<Option<Group>> {
        let row = sqlx::query("SELECT * FROM groups WHERE pool_id = $1 AND name = $2")
            .bind(pool_id)
            .bind(name)
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.as_ref().map(group).transpose()
    }

    pub(crate) async fn do_list_groups(&self, pool_id: &str, after: Option<&str>, limit: u32) -> R<Vec<Group>> {
        let rows = sqlx::query("SELECT * FROM groups WHERE pool_id = $1 AND name > $2 ORDER BY name LIMIT $3")
            .bind(pool_id)
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(map_err)?;
        rows.iter().map(group).collect()
    }

    pub(crate) async fn do_update_group(&self, g: &Group) -> R<bool> {
        let done = sqlx::query(
            "UPDATE groups SET description = $3, precedence = $4, role_arn = $5, updated_at = $6 \
             WHERE pool_id = $1 AND name = $2",
        )
        .bind(&g.pool_id)
        .bind(&g.name)
        .bind(g.description.clone())
        .bind(g.precedence)
        .bind(g.role_arn.clone())
        .bind(g.updated_at)
        .execute(&self.write)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    /// The memberships go by `ON DELETE CASCADE`, in the same statement.
    pub(crate) async fn do_delete_group(&self, pool_id: &str, name: &str) -> R<bool> {
        let done = sqlx::query("DELETE FROM groups WHERE pool_id = $1 AND name = $2")
            .bind(pool_id)
            .bind(name)
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    /// One statement: the row is inserted only if both the group and the user exist in the pool,
    /// so a concurrent delete of either leaves nothing behind.
    pub(crate) async fn do_add_user_to_group(&self, pool_id: &str, name: &str, user_id: &str) -> R<bool> {
        let done = sqlx::query(
            "INSERT INTO user_groups (user_id, pool_id, group_name) \
             SELECT u.id, g.pool_id, g.name FROM users u, groups g \
             WHERE u.id = $1 AND u.pool_id = $2 AND g.pool_id = $3 AND g.name = $4 \
             ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(pool_id)
        .bind(pool_id)
        .bind(name)
        .execute(&self.write)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    pub(crate) async fn do_remove_user_from_group(&self, pool_id: &str, name: &str, user_id: &str) -> R<bool> {
        let done = sqlx::query("DELETE FROM user_groups WHERE user_id = $1 AND pool_id = $2 AND group_name = $3")
            .bind(user_id)
            .bind(pool_id)
            .bind(name)
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() > 0)
    }

    /// A range scan of `user_groups`' primary key joined to `groups` by theirs.
    pub(crate) async fn do_list_groups_for_user(
        &self,
        user_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> R<Vec<Group>> {
        let rows = sqlx::query(
            "SELECT g.* FROM user_groups m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
             WHERE m.user_id = $1 AND m.group_name > $2 ORDER BY m.group_name LIMIT $3",
        )
        .bind(user_id)
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(group).collect()
    }

    pub(crate) async fn do_list_users_in_group(
        &self,
        pool_id: &str,
        name: &str,
        after: Option<&str>,
        limit: u32,
    ) -> R<Vec<User>> {
        let rows = sqlx::query(
            "SELECT u.* FROM user_groups m JOIN users u ON u.id = m.user_id \
             WHERE m.pool_id = $1 AND m.group_name = $2 AND u.username_lc > $3 ORDER BY u.username_lc LIMIT $4",
        )
        .bind(pool_id)
        .bind(name)
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(rows::user).collect()
    }
}
