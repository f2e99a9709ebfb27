//! User-pool groups and their members.

use crate::error::{sql, R};
use crate::{rows, SqlStore};
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;
use warden_core::model::{Group, User};
use warden_core::store::{GroupStore, StoreResult};

fn group(row: &AnyRow) -> R<Group> {
    Ok(Group {
        pool_id: row.try_get("pool_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        precedence: row.try_get("precedence")?,
        role_arn: row.try_get("role_arn")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

#[async_trait]
impl GroupStore for SqlStore {
    async fn insert_group(&self, g: &Group) -> StoreResult<()> {
        sql(async {
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
            .await?;
            Ok(())
        })
        .await
    }

    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>> {
        sql(async {
            let row = sqlx::query("SELECT * FROM groups WHERE pool_id = $1 AND name = $2")
                .bind(pool_id)
                .bind(name)
                .fetch_optional(&self.read)
                .await?;
            row.as_ref().map(group).transpose()
        })
        .await
    }

    async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<Group>> {
        sql(async {
            let rows = sqlx::query("SELECT * FROM groups WHERE pool_id = $1 AND name > $2 ORDER BY name LIMIT $3")
                .bind(pool_id)
                .bind(after.unwrap_or(""))
                .bind(i64::from(limit))
                .fetch_all(&self.read)
                .await?;
            rows.iter().map(group).collect()
        })
        .await
    }

    async fn update_group(&self, g: &Group) -> StoreResult<bool> {
        sql(async {
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
            .await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }

    /// The memberships go by `ON DELETE CASCADE`, in the same statement.
    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
        sql(async {
            let done = sqlx::query("DELETE FROM groups WHERE pool_id = $1 AND name = $2")
                .bind(pool_id)
                .bind(name)
                .execute(&self.write)
                .await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }

    /// One statement: the row is inserted only if both the group and the user exist in the pool,
    /// so a concurrent delete of either leaves nothing behind.
    async fn add_user_to_group(&self, pool_id: &str, name: &str, user_id: &str) -> StoreResult<bool> {
        sql(async {
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
            .await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }

    async fn remove_user_from_group(&self, pool_id: &str, name: &str, user_id: &str) -> StoreResult<bool> {
        sql(async {
            let done = sqlx::query("DELETE FROM user_groups WHERE user_id = $1 AND pool_id = $2 AND group_name = $3")
                .bind(user_id)
                .bind(pool_id)
                .bind(name)
                .execute(&self.write)
                .await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }

    /// A range scan of `user_groups`' primary key joined to `groups` by theirs.
    async fn list_groups_for_user(&self, user_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<Group>> {
        sql(async {
            let rows = sqlx::query(
                "SELECT g.* FROM user_groups m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
                 WHERE m.user_id = $1 AND m.group_name > $2 ORDER BY m.group_name LIMIT $3",
            )
            .bind(user_id)
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await?;
            rows.iter().map(group).collect()
        })
        .await
    }

    async fn list_users_in_group(
        &self,
        pool_id: &str,
        name: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<User>> {
        sql(async {
            let rows = sqlx::query(
                "SELECT u.* FROM user_groups m JOIN users u ON u.id = m.user_id \
                 WHERE m.pool_id = $1 AND m.group_name = $2 AND u.username_lc > $3 ORDER BY u.username_lc LIMIT $4",
            )
            .bind(pool_id)
            .bind(name)
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await?;
            rows.iter().map(rows::user).collect()
        })
        .await
    }
}
