//! What every access-token check reads, held briefly in memory: the token's verified claims, and
//! its family with the user. Userinfo, introspection, the gateway's bearer tokens and the
//! Cognito self-service operations all ask these of each request; without the cache each
//! request costs a signature verification and a store read.
//!
//! - Verified claims are keyed by the SHA-256 of the token. Whether a given string carries a
//!   valid signature changes only when its key leaves the ring: after every token it signed has
//!   expired, or when an operator withdraws it (a re-read that finds a key gone forgets every
//!   verified claim). So they are kept for `CLAIMS_TTL`; expiry, issuer and the family are still
//!   checked on every request by the callers.
//! - A family and its user can change at any time (revocation, sign-out, a disabled user, new
//!   attributes). They are kept for `FAMILY_TTL`, and every write of this process that could
//!   change them empties the cache at once (`Stored`, below); a write through another instance
//!   sharing the store is seen within `FAMILY_TTL`, as the gateway's one-second memory is.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::clock::Timestamp;
use crate::model::{CodeOutcome, RefreshFamily, User};
use crate::store::{CodeRedemption, Store, StoreResult};

/// Seconds, on the `Clock`.
pub(crate) const CLAIMS_TTL: Timestamp = 60;
/// Seconds, on the `Clock`: an entry read at second `t` serves only during `t`.
pub(crate) const FAMILY_TTL: Timestamp = 1;
const MAX_CLAIMS: usize = 20_000;
const MAX_FAMILIES: usize = 50_000;

/// Entries that expire after `ttl`, bounded in number: when full, expired entries go first and,
/// if that is not enough, everything (the cache refills from the source of truth).
struct Recent<K, V> {
    ttl: Timestamp,
    max: usize,
    inner: Mutex<Entries<K, V>>,
}

/// The entries, and how many times they were emptied (a read remembers the generation it saw).
struct Entries<K, V> {
    generation: u64,
    map: HashMap<K, (Timestamp, V)>,
}

impl<K: std::hash::Hash + Eq, V: Clone> Recent<K, V> {
    fn new(ttl: Timestamp, max: usize) -> Self {
        Self { ttl, max, inner: Mutex::new(Entries { generation: 0, map: HashMap::new() }) }
    }

    /// The value, and the generation to hand back to `put` after a miss.
    fn get<Q>(&self, key: &Q, now: Timestamp) -> (Option<V>, u64)
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        let inner = self.inner.lock().expect("token state lock");
        let found = inner.map.get(key).filter(|(at, _)| (0..self.ttl).contains(&(now - at))).map(|(_, v)| v.clone());
        (found, inner.generation)
    }

    /// Remembers `value`, read when the generation was `generation`, unless the cache was
    /// emptied since: what was read before a write must not outlive it.
    fn put(&self, key: K, value: V, generation: u64, now: Timestamp) {
        let mut inner = self.inner.lock().expect("token state lock");
        if inner.generation != generation {
            return;
        }
        if inner.map.len() >= self.max {
            let ttl = self.ttl;
            inner.map.retain(|_, (at, _)| (0..ttl).contains(&(now - *at)));
            if inner.map.len() >= self.max {
                inner.map.clear();
            }
        }
        inner.map.insert(key, (now, value));
    }

    fn clear(&self) {
        let mut inner = self.inner.lock().expect("token state lock");
        inner.generation += 1;
        inner.map.clear();
    }
}

pub(crate) type FamilyAndUser = Arc<(RefreshFamily, User)>;

/// The two caches.
pub(crate) struct TokenState {
    claims: Recent<Vec<u8>, Arc<Value>>,
    families: Recent<String, Option<FamilyAndUser>>,
}

impl Default for TokenState {
    fn default() -> Self {
        Self { claims: Recent::new(CLAIMS_TTL, MAX_CLAIMS), families: Recent::new(FAMILY_TTL, MAX_FAMILIES) }
    }
}

impl TokenState {
    pub fn claims(&self, token_hash: &[u8], now: Timestamp) -> (Option<Arc<Value>>, u64) {
        self.claims.get(token_hash, now)
    }

    pub fn put_claims(&self, token_hash: Vec<u8>, claims: Arc<Value>, generation: u64, now: Timestamp) {
        self.claims.put(token_hash, claims, generation, now);
    }

    pub fn family(&self, id: &str, now: Timestamp) -> (Option<Option<FamilyAndUser>>, u64) {
        self.families.get(id, now)
    }

    pub fn put_family(&self, id: &str, found: Option<FamilyAndUser>, generation: u64, now: Timestamp) {
        self.families.put(id.to_owned(), found, generation, now);
    }

    /// Something a token's worth depends on changed.
    pub fn families_changed(&self) {
        self.families.clear();
    }

    /// A signing key was withdrawn: what it verified is no longer known to be valid.
    pub fn keys_withdrawn(&self) {
        self.claims.clear();
    }
}

/// The store as the services see it: every method of `Store` (through `Deref`), except that the
/// writes which can change what an access token is worth also empty the family cache. Inherent
/// methods win over the trait's, so `self.store.revoke_family(..)` anywhere in the services
/// lands here; a new such write belongs in this list.
pub(crate) struct Stored {
    inner: Arc<dyn Store>,
    pub(crate) tokens: TokenState,
}

impl Stored {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self { inner, tokens: TokenState::default() }
    }

    /// Runs a write, then forgets every cached family, whether or not the write succeeded (a
    /// failed commit may still have happened).
    async fn changing<T>(&self, write: impl std::future::Future<Output = StoreResult<T>>) -> StoreResult<T> {
        let result = write.await;
        self.tokens.families_changed();
        result
    }

    pub async fn revoke_family(&self, id: &str, at: Timestamp) -> StoreResult<bool> {
        self.changing(self.inner.revoke_family(id, at)).await
    }

    /// A user signed out everywhere: every token family revoked, and every hosted-login browser
    /// session, open challenge, unredeemed code and sign-in under way ended (one transaction),
    /// so none can mint tokens afterwards.
    pub async fn revoke_user_families(&self, user_id: &str, at: Timestamp) -> StoreResult<u64> {
        self.changing(self.inner.revoke_user_families(user_id, at)).await
    }

    pub async fn update_user(&self, user: &mut User) -> StoreResult<()> {
        self.changing(self.inner.update_user(user)).await
    }

    /// A user changed (a new password, a reset) and signed out everywhere, sign-ins under way
    /// included.
    pub async fn update_user_revoking_families(&self, user: &mut User, at: Timestamp) -> StoreResult<()> {
        self.changing(self.inner.update_user_revoking_families(user, at)).await
    }

    pub async fn delete_user(&self, pool_id: &str, user_id: &str) -> StoreResult<bool> {
        self.changing(self.inner.delete_user(pool_id, user_id)).await
    }

    pub async fn delete_client(&self, id: &str) -> StoreResult<bool> {
        self.changing(self.inner.delete_client(id)).await
    }

    pub async fn delete_pool(&self, id: &str) -> StoreResult<bool> {
        self.changing(self.inner.delete_pool(id)).await
    }

    pub async fn redeem_code(&self, redemption: &CodeRedemption) -> StoreResult<CodeOutcome> {
        self.changing(self.inner.redeem_code(redemption)).await
    }

    pub async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
        self.changing(self.inner.delete_group(pool_id, name)).await
    }

    pub async fn add_user_to_group(&self, pool_id: &str, name: &str, user_id: &str) -> StoreResult<bool> {
        self.changing(self.inner.add_user_to_group(pool_id, name, user_id)).await
    }

    pub async fn remove_user_from_group(&self, pool_id: &str, name: &str, user_id: &str) -> StoreResult<bool> {
        self.changing(self.inner.remove_user_from_group(pool_id, name, user_id)).await
    }
}

impl Deref for Stored {
    type Target = dyn Store;

    fn deref(&self) -> &Self::Target {
        self.inner.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_from_before_a_write_is_not_kept() {
        let r: Recent<String, u32> = Recent::new(60, 10);
        let (found, generation) = r.get("a", 100);
        assert_eq!(found, None);
        r.clear(); // a write lands while the read is in flight
        r.put("a".into(), 1, generation, 100);
        assert_eq!(r.get("a", 100).0, None, "stale read dropped");
        let (_, generation) = r.get("a", 100);
        r.put("a".into(), 2, generation, 100);
        assert_eq!(r.get("a", 100).0, Some(2));
    }

    #[test]
    fn expiring_on_the_clock_and_bounded() {
        let r: Recent<u32, u32> = Recent::new(1, 2);
        r.put(1, 1, 0, 100);
        assert_eq!(r.get(&1, 100).0, Some(1));
        assert_eq!(r.get(&1, 101).0, None, "a second later");
        assert_eq!(r.get(&1, 99).0, None, "the clock went back");
        for k in 0..5 {
            r.put(k, k, 0, 200);
        }
        assert!(r.inner.lock().unwrap().map.len() <= 2);
        assert_eq!(r.get(&4, 200).0, Some(4));
    }
}
