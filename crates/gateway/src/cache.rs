//! One-second memory of successful verifications, so a busy client does not cost two database
//! reads and an RSA verification per request. A revocation or sign-out reaches the gateway
//! within that second; expiry is still checked on every request.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

pub const TTL: Duration = Duration::from_secs(1);
const MAX_ENTRIES: usize = 100_000;

pub struct Recent<T> {
    entries: RwLock<HashMap<Vec<u8>, (Instant, T)>>,
}

impl<T: Clone> Default for Recent<T> {
    fn default() -> Self {
        Self { entries: RwLock::new(HashMap::new()) }
    }
}

impl<T: Clone> Recent<T> {
    pub fn get(&self, key: &[u8]) -> Option<T> {
        let entries = self.entries.read().expect("cache lock");
        entries.get(key).filter(|(at, _)| at.elapsed() < TTL).map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: Vec<u8>, value: T) {
        let mut entries = self.entries.write().expect("cache lock");
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < TTL);
        }
        if entries.len() < MAX_ENTRIES {
            entries.insert(key, (Instant::now(), value));
        }
    }
}
