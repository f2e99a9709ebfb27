//! Deleting what has expired, so tables hold what is live (and what replay detection needs)
//! instead of growing for ever.

use warden_core::error::StoreError;
use warden_core::store::SweepBefore;

use crate::error::map_err;
use crate::SqlStore;

type R<T> = Result<T, StoreError>;

// A revocation deletes only a user's live rows (`sessions::end_sessions_in`), this only expired
// ones, so the two never lock the same rows.
impl SqlStore {
    pub(crate) async fn do_sweep(&self, before: &SweepBefore) -> R<u64> {
        // Deleting a family deletes its retired refresh tokens (ON DELETE CASCADE).
        let deletes: [(&str, i64); 8] = [
            ("DELETE FROM families WHERE expires_at <= $1", before.families),
            ("DELETE FROM challenges WHERE expires_at <= $1", before.short_lived),
            ("DELETE FROM codes WHERE expires_at <= $1", before.short_lived),
            ("DELETE FROM browser_sessions WHERE expires_at <= $1", before.short_lived),
            ("DELETE FROM authorization_codes WHERE expires_at <= $1", before.authorization_codes),
            ("DELETE FROM temporary_credentials WHERE expires_at <= $1", before.short_lived),
            ("DELETE FROM client_assertions WHERE expires_at <= $1", before.short_lived),
            ("DELETE FROM failures WHERE at <= $1", before.failures),
        ];
        let mut swept = 0;
        for (sql, cutoff) in deletes {
            swept += sqlx::query(sql).bind(cutoff).execute(&self.write).await.map_err(map_err)?.rows_affected();
        }
        Ok(swept)
    }
}
