//! Self-managed issuers held in memory with their keys parsed, so verifying a self-signed token
//! (the gateway, the tower layer, introspection) reads no store and parses no key.
//!
//! The cache is a snapshot of the whole issuers table: issuers are few and registered by an
//! operator, while the `iss` of a token is whatever its sender wrote. This instance's own changes
//! (add, remove, a key refresh) update the snapshot at once. The snapshot is re-read from the
//! store when a lookup finds it older than `FRESH_SECS`, so changes made through another
//! instance sharing the store (or by `warden issuer` run beside a server) are seen within five
//! seconds, as for pools and clients: removing a compromised issuer must not wait long. An `iss` the snapshot does not know is
//! looked for in the store again (by re-reading the table) only when the snapshot is older than
//! `MISS_SECS`: a flood of tokens naming unknown issuers, even a different one each time, costs
//! the store at most one read per `MISS_SECS`, at the price of an issuer registered on another
//! instance being refused here for up to that long.

use crate::clock::Timestamp;
use crate::model::Issuer;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use jsonwebtoken::{Algorithm, DecodingKey};

use super::issuer_keys::{jwk_key, pem_key};

/// The snapshot is re-read from the store when older than this.
pub(crate) const FRESH_SECS: i64 = 5;
/// An `iss` missing from a snapshot younger than this is unknown without asking the store.
pub(crate) const MISS_SECS: i64 = 5;

/// One usable public key of an issuer.
pub(crate) struct IssuerKey {
    pub alg: Algorithm,
    /// The JWK's `kid`; `None` for PEM keys and JWKs without one.
    pub kid: Option<String>,
    /// A JWK (matched by `kid`) rather than a PEM key (always tried).
    pub jwk: bool,
    pub key: DecodingKey,
}

/// An issuer as stored, and its keys parsed.
pub(crate) struct ParsedIssuer {
    pub record: Issuer,
    pub keys: Vec<IssuerKey>,
}

impl ParsedIssuer {
    /// Keys that cannot be parsed are left out (the store holds only keys that could be when they
    /// were written).
    pub fn parse(record: Issuer) -> Self {
        let mut keys = Vec::new();
        for pem in &record.public_keys_pem {
            for alg in [Algorithm::RS256, Algorithm::ES256] {
                if let Some(key) = pem_key(alg, pem) {
                    keys.push(IssuerKey { alg, kid: None, jwk: false, key });
                    break;
                }
            }
        }
        for jwk in &record.jwks {
            for alg in [Algorithm::RS256, Algorithm::ES256] {
                if let Some(key) = jwk_key(alg, None, jwk) {
                    let kid = jwk.get("kid").and_then(|k| k.as_str()).map(str::to_owned);
                    keys.push(IssuerKey { alg, kid, jwk: true, key });
                    break;
                }
            }
        }
        Self { record, keys }
    }

    /// The keys that may have signed a token with `alg` and `kid`: every PEM key for `alg`, and
    /// the JWKs for `alg` with that `kid` (all of them when the token names none).
    pub fn candidates<'a>(&'a self, alg: Algorithm, kid: Option<&'a str>) -> impl Iterator<Item = &'a DecodingKey> {
        self.keys
            .iter()
            .filter(move |k| k.alg == alg && (!k.jwk || kid.is_none() || k.kid.as_deref() == kid))
            .map(|k| &k.key)
    }

    /// Whether one of the JWKs is `kid` (whatever its algorithm).
    pub fn knows_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.jwk && k.kid.as_deref() == Some(kid))
    }
}

#[derive(Default)]
struct Snapshot {
    loaded_at: Option<Timestamp>,
    issuers: HashMap<String, Arc<ParsedIssuer>>,
}

/// Per issuer, when an unknown `kid` last made Warden fetch its JWKS. The lock is held during
/// the fetch, so concurrent tokens with the new `kid` wait for one fetch rather than each
/// starting one.
pub(crate) type KidFetchSlot = Arc<tokio::sync::Mutex<Option<Timestamp>>>;

#[derive(Default)]
pub(crate) struct IssuerCache {
    snapshot: RwLock<Snapshot>,
    /// Held while issuers are written to the store or the table is re-read, so a re-read that
    /// started before a change cannot put back what the change replaced.
    writes: tokio::sync::Mutex<()>,
    kid_fetches: Mutex<HashMap<String, KidFetchSlot>>,
}

impl IssuerCache {
    /// The snapshot's answer for `iss` at `now` (`Some(None)`: not registered), or `None` when
    /// the store must be read first.
    pub fn lookup(&self, iss: &str, now: Timestamp) -> Option<Option<Arc<ParsedIssuer>>> {
        let snapshot = self.snapshot.read().expect("issuer cache lock");
        // A clock that went backwards counts as stale.
        let age = now - snapshot.loaded_at?;
        match snapshot.issuers.get(iss) {
            Some(found) if (0..FRESH_SECS).contains(&age) => Some(Some(found.clone())),
            None if (0..MISS_SECS).contains(&age) => Some(None),
            _ => None,
        }
    }

    /// The snapshot's entry for `iss`, however old.
    pub fn peek(&self, iss: &str) -> Option<Arc<ParsedIssuer>> {
        self.snapshot.read().expect("issuer cache lock").issuers.get(iss).cloned()
    }

    /// Replaces the snapshot with the whole table read at `now`; issuers whose record did not
    /// change keep their parsed keys.
    pub fn replace_all(&self, records: Vec<Issuer>, now: Timestamp) {
        let mut snapshot = self.snapshot.write().expect("issuer cache lock");
        let issuers = records
            .into_iter()
            .map(|record| {
                let parsed = match snapshot.issuers.get(&record.iss) {
                    Some(old) if old.record == record => old.clone(),
                    _ => Arc::new(ParsedIssuer::parse(record)),
                };
                (parsed.record.iss.clone(), parsed)
            })
            .collect();
        *snapshot = Snapshot { loaded_at: Some(now), issuers };
        let mut fetches = self.kid_fetches.lock().expect("issuer cache lock");
        fetches.retain(|iss, _| snapshot.issuers.contains_key(iss));
    }

    /// This instance wrote `record` to the store.
    pub fn put(&self, record: Issuer) -> Arc<ParsedIssuer> {
        let parsed = Arc::new(ParsedIssuer::parse(record));
        let mut snapshot = self.snapshot.write().expect("issuer cache lock");
        snapshot.issuers.insert(parsed.record.iss.clone(), parsed.clone());
        parsed
    }

    /// This instance removed `iss` from the store.
    pub fn forget(&self, iss: &str) {
        self.snapshot.write().expect("issuer cache lock").issuers.remove(iss);
        self.kid_fetches.lock().expect("issuer cache lock").remove(iss);
    }

    pub async fn lock_writes(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.writes.lock().await
    }

    /// The unknown-`kid` fetch slot of a registered issuer.
    pub fn kid_fetch_slot(&self, iss: &str) -> KidFetchSlot {
        self.kid_fetches.lock().expect("issuer cache lock").entry(iss.to_owned()).or_default().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer(iss: &str) -> Issuer {
        Issuer {
            iss: iss.into(),
            public_keys_pem: Vec::new(),
            jwks: Vec::new(),
            jwks_url: None,
            jwks_fetched_at: None,
            sub: "s".into(),
            scopes: Default::default(),
            max_ttl_secs: 600,
            created_at: 0,
        }
    }

    #[test]
    fn fresh_hits_brief_misses_and_local_changes() {
        let c = IssuerCache::default();
        assert!(c.lookup("a", 100).is_none(), "nothing loaded yet: read the store");
        c.replace_all(vec![issuer("a")], 100);
        assert!(c.lookup("a", 104).unwrap().is_some());
        assert!(c.lookup("a", 105).is_none(), "FRESH_SECS old: read the store again");
        assert!(c.lookup("b", 104).unwrap().is_none(), "unknown, and the snapshot is recent");
        assert!(c.lookup("b", 105).is_none(), "unknown: look again after MISS_SECS");
        assert!(c.lookup("a", 99).is_none(), "the clock went back: stale");
        c.put(issuer("b"));
        assert!(c.lookup("b", 101).unwrap().is_some());
        c.forget("a");
        assert!(c.lookup("a", 101).unwrap().is_none());
    }

    #[test]
    fn unchanged_issuers_keep_their_parsed_keys() {
        let c = IssuerCache::default();
        c.replace_all(vec![issuer("a"), issuer("b")], 0);
        let (a, b) = (c.peek("a").unwrap(), c.peek("b").unwrap());
        let mut b2 = issuer("b");
        b2.max_ttl_secs = 60;
        c.replace_all(vec![issuer("a"), b2], 1);
        assert!(Arc::ptr_eq(&a, &c.peek("a").unwrap()));
        assert!(!Arc::ptr_eq(&b, &c.peek("b").unwrap()));
    }
}
