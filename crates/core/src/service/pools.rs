//! User pools: create, describe, list, update, delete.

use crate::crypto::random;
use crate::error::{CoreError, CoreResult};
use crate::model::{Pool, PoolSettings};
use crate::service::services::Directory;

#[derive(Debug, Clone, Default)]
pub struct PoolSpec {
    pub name: String,
    pub settings: PoolSettings,
}

impl Directory {
    pub async fn create_pool(&self, spec: PoolSpec) -> CoreResult<Pool> {
        let name = spec.name.trim();
        if name.is_empty() || name.chars().count() > 128 {
            return Err(CoreError::invalid("PoolName must be 1 to 128 characters"));
        }
        let now = self.kernel.clock.now();
        let pool = Pool {
            id: random::pool_id(&self.kernel.config.region),
            name: name.to_owned(),
            settings: spec.settings,
            created_at: now,
            updated_at: now,
        };
        self.kernel.store.insert_pool(&pool).await?;
        Ok(pool)
    }

    pub async fn list_pools(&self, after: Option<&str>, limit: u32) -> CoreResult<Vec<Pool>> {
        if !(1..=60).contains(&limit) {
            return Err(CoreError::invalid("MaxResults must be between 1 and 60"));
        }
        Ok(self.kernel.store.list_pools(after, limit).await?)
    }

    pub async fn update_pool(&self, mut pool: Pool) -> CoreResult<Pool> {
        pool.updated_at = self.kernel.clock.now();
        self.kernel.store.update_pool(&pool).await?;
        self.kernel.forget_pool(&pool.id);
        Ok(pool)
    }

    pub async fn delete_pool(&self, pool_id: &str) -> CoreResult<()> {
        let pool = self.kernel.pool(pool_id).await?;
        if pool.settings.deletion_protection {
            return Err(CoreError::invalid(
                "The user pool cannot be deleted because deletion protection is activated.",
            ));
        }
        self.kernel.store.delete_pool(&pool.id).await?;
        self.kernel.forget_pool(&pool.id);
        Ok(())
    }
}
