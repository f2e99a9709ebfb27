//! One-time codes: confirmation, reset and attribute-verification codes.

use crate::error::{sql, R};
use crate::SqlStore;
use async_trait::async_trait;
use sqlx::Row;
use warden_core::model::{Code, CodeOutcome};
use warden_core::store::{CodeRedemption, CodeStore, StoreResult};

#[async_trait]
impl CodeStore for SqlStore {
    async fn put_code(&self, c: &Code) -> StoreResult<()> {
        sql(async {
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
            .await?;
            Ok(())
        })
        .await
    }

    async fn redeem_code(&self, redemption: &CodeRedemption) -> StoreResult<CodeOutcome> {
        let redemption = redemption.clone();
        self.detached(move |s| async move { s.redeem_code_tx(&redemption).await }).await
    }
}

impl SqlStore {
    /// The attempt is counted by a conditional UPDATE that holds the code's row, so concurrent
    /// redemptions queue on it: of two with the right code exactly one wins on either engine,
    /// and no more than `max_attempts` guesses are ever compared.
    async fn redeem_code_tx(&self, r: &CodeRedemption) -> R<CodeOutcome> {
        let CodeRedemption { purpose, ref code_hash, now, max_attempts, ref then, ends_sessions } = *r;
        let user_id = then.id.as_str();
        // The attempt is counted first, holding the code's row: concurrent guesses queue behind
        // it, and each is checked against what the ones before it left (a fifth wrong guess
        // drops the code before a sixth is looked at).
        let mut tx = self.write.begin().await?;
        let counted = sqlx::query(
            "UPDATE codes SET attempts = attempts + 1 \
             WHERE user_id = $1 AND purpose = $2 AND expires_at > $3 AND attempts < $4 RETURNING code_hash, attempts",
        )
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(now)
        .bind(i64::from(max_attempts))
        .fetch_optional(&mut *tx)
        .await?;
        let (outcome, drop_code) = match counted {
            Some(row) => {
                let stored: Vec<u8> = row.try_get("code_hash")?;
                let attempts: i64 = row.try_get("attempts")?;
                if bool::from(subtle::ConstantTimeEq::ct_eq(stored.as_slice(), code_hash.as_slice())) {
                    if let Err(e) = crate::users::update_user_in(&mut tx, then).await {
                        tx.rollback().await?;
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
            .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }
}
