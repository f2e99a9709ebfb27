//! Refresh-token families, challenge sessions and one-time codes.

use sqlx::Row;
use warden_core::error::StoreError;
use warden_core::model::{Challenge, Code, CodeOutcome, RefreshFamily, User};
use warden_core::store::{CodeRedemption, FamilyKey};

use crate::error::map_err;
use crate::rows;
use crate::SqlStore;

type R<T> = Result<T, StoreError>;

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
    bind_family(sqlx::query(INSERT_FAMILY), f).execute(&mut **tx).await.map_err(map_err)?;
    Ok(())
}

fn family_and_user(row: &impl rows::Cols) -> R<(RefreshFamily, User)> {
    Ok((rows::family_prefixed(row, "f_")?, rows::user(row)?))
}

impl SqlStore {
    pub(crate) async fn do_insert_family(&self, f: &RefreshFamily, user_epoch: i64) -> R<()> {
        self.write_in_session(&f.user_id, user_epoch, bind_family(sqlx::query(INSERT_FAMILY), f)).await
    }

    pub(crate) async fn do_get_family(&self, id: &str) -> R<Option<RefreshFamily>> {
        let row = sqlx::query("SELECT * FROM families WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.as_ref().map(rows::family).transpose()
    }

    pub(crate) async fn do_get_family_by_token_hash(&self, hash: &[u8]) -> R<Option<RefreshFamily>> {
        let row = sqlx::query("SELECT * FROM families WHERE token_hash = $1")
            .bind(hash.to_vec())
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.as_ref().map(rows::family).transpose()
    }

    pub(crate) async fn do_get_family_with_user(&self, key: FamilyKey<'_>) -> R<Option<(RefreshFamily, User)>> {
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
    }

    pub(crate) async fn do_revoke_family(&self, id: &str, at: i64) -> R<bool> {
        sqlx::query("UPDATE families SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(at)
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        Ok(self.do_get_family(id).await?.is_some())
    }

    pub(crate) async fn do_revoke_user_families(&self, user_id: &str, at: i64) -> R<u64> {
        let mut tx = self.write.begin().await.map_err(map_err)?;
        let revoked = crate::sessions::end_sessions_in(&mut tx, user_id, at).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(revoked)
    }

    pub(crate) async fn do_insert_challenge(&self, c: &Challenge, user_epoch: i64) -> R<()> {
        let insert = sqlx::query(
            "INSERT INTO challenges (id_hash, pool_id, client_id, user_id, kind, failures, auth_time, expires_at, hosted) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(c.id_hash.clone())
        .bind(&c.pool_id)
        .bind(&c.client_id)
        .bind(&c.user_id)
        .bind(c.kind.as_str())
        .bind(i64::from(c.failures))
        .bind(c.auth_time)
        .bind(c.expires_at)
        .bind(i64::from(c.hosted));
        self.write_in_session(&c.user_id, user_epoch, insert).await
    }

    pub(crate) async fn do_get_challenge(&self, id_hash: &[u8]) -> R<Option<Challenge>> {
        let row = sqlx::query("SELECT * FROM challenges WHERE id_hash = $1")
            .bind(id_hash.to_vec())
            .fetch_optional(&self.read)
            .await
            .map_err(map_err)?;
        row.as_ref().map(rows::challenge).transpose()
    }

    pub(crate) async fn do_consume_challenge(&self, id_hash: &[u8]) -> R<bool> {
        let done = sqlx::query("DELETE FROM challenges WHERE id_hash = $1")
            .bind(id_hash.to_vec())
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn do_record_challenge_failure(&self, id_hash: &[u8]) -> R<u32> {
        let row = sqlx::query("UPDATE challenges SET failures = failures + 1 WHERE id_hash = $1 RETURNING failures")
            .bind(id_hash.to_vec())
            .fetch_optional(&self.write)
            .await
            .map_err(map_err)?;
        Ok(match row {
            Some(r) => r.try_get::<i64, _>("failures").map_err(map_err)? as u32,
            None => u32::MAX,
        })
    }

    pub(crate) async fn do_put_code(&self, c: &Code) -> R<()> {
        sqlx::query(
            "INSERT INTO codes (user_id, purpose, code_hash, attempts, expires_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (user_id, purpose) DO UPDATE SET code_hash = excluded.code_hash, \
             attempts = excluded.attempts, expires_at = excluded.expires_at",
        )
        .bind(&c.user_id)
        .bind(c.purpose.as_str())
        .bind(c.code_hash.clone())
        .bind(i64::from(c.attempts))
        .bind(c.expires_at)
        .execute(&self.write)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    /// The attempt is counted by a conditional UPDATE that holds the code's row, so concurrent
    /// redemptions queue on it: of two with the right code exactly one wins on either engine,
    /// and no more than `max_attempts` guesses are ever compared.
    pub(crate) async fn do_redeem_code(&self, r: &CodeRedemption) -> R<CodeOutcome> {
        let CodeRedemption { purpose, ref code_hash, now, max_attempts, ref then, ends_sessions } = *r;
        let user_id = then.id.as_str();
        // The attempt is counted first, holding the code's row: concurrent guesses queue behind
        // it, and each is checked against what the ones before it left (a fifth wrong guess
        // drops the code before a sixth is looked at).
        let mut tx = self.write.begin().await.map_err(map_err)?;
        let counted = sqlx::query(
            "UPDATE codes SET attempts = attempts + 1 \
             WHERE user_id = $1 AND purpose = $2 AND expires_at > $3 AND attempts < $4 RETURNING code_hash, attempts",
        )
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(now)
        .bind(i64::from(max_attempts))
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let (outcome, drop_code) = match counted {
            Some(row) => {
                let stored: Vec<u8> = row.try_get("code_hash").map_err(map_err)?;
                let attempts: i64 = row.try_get("attempts").map_err(map_err)?;
                if bool::from(subtle::ConstantTimeEq::ct_eq(stored.as_slice(), code_hash.as_slice())) {
                    if let Err(e) = crate::users::update_user_in(&mut tx, then).await {
                        tx.rollback().await.map_err(map_err)?;
                        return Err(e);
                    }
                    if ends_sessions {
                        crate::sessions::end_sessions_in(&mut tx, user_id, now).await?;
                    }
                    (CodeOutcome::Redeemed, true)
                } else {
                    (CodeOutcome::Mismatch, attempts >= i64::from(max_attempts))
                }
            }
            // None live: expired, spent, or never sent.
            None => (CodeOutcome::Expired, false),
        };
        if drop_code || outcome == CodeOutcome::Expired {
            // Only this code, or one that is dead: a code sent meanwhile stays.
            sqlx::query(
                "DELETE FROM codes WHERE user_id = $1 AND purpose = $2 \
                 AND (expires_at <= $3 OR attempts >= $4 OR $5 = 1)",
            )
            .bind(user_id)
            .bind(purpose.as_str())
            .bind(now)
            .bind(i64::from(max_attempts))
            .bind(i64::from(drop_code))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(outcome)
    }
}
