//! Hosted-login browser sessions: JSON documents beside the columns their queries need.

use crate::error::{sql, R};
use crate::rows::{json, to_json};
use crate::SqlStore;
use async_trait::async_trait;
use warden_core::model::BrowserSession;
use warden_core::store::{BrowserSessionStore, StoreResult};

#[async_trait]
impl BrowserSessionStore for SqlStore {
    async fn insert_browser_session(&self, session: &BrowserSession) -> StoreResult<()> {
        let session = session.clone();
        self.detached(move |s| async move { s.insert_browser_session_tx(&session).await }).await
    }

    async fn get_browser_session(&self, hash: &[u8]) -> StoreResult<Option<BrowserSession>> {
        sql(async {
            let row = sqlx::query("SELECT doc FROM browser_sessions WHERE id_hash = $1")
                .bind(hash.to_vec())
                .fetch_optional(&self.read)
                .await?;
            row.as_ref().map(|r| json(r, "doc")).transpose()
        })
        .await
    }

    async fn delete_browser_session(&self, hash: &[u8]) -> StoreResult<bool> {
        sql(async {
            let done = sqlx::query("DELETE FROM browser_sessions WHERE id_hash = $1")
                .bind(hash.to_vec())
                .execute(&self.write)
                .await?;
            Ok(done.rows_affected() > 0)
        })
        .await
    }
}

impl SqlStore {
    async fn insert_browser_session_tx(&self, s: &BrowserSession) -> R<()> {
        let insert =
            sqlx::query("INSERT INTO browser_sessions (id_hash, user_id, doc, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(s.id_hash.clone())
                .bind(&s.user_id)
                .bind(to_json(s))
                .bind(s.expires_at);
        self.write_in_session(&s.user_id, s.user_epoch, insert).await
    }
}
