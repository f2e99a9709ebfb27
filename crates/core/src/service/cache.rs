//! A short-lived read cache for pools and clients, which every sign-in and refresh looks up and
//! which rarely change. This instance's own writes invalidate it at once; another instance's
//! writes are seen within `TTL`.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(5);
const MAX_ENTRIES: usize = 10_000;

pub(crate) struct TtlCache<T> {
    entries: RwLock<HashMap<String, (Instant, T)>>,
}

impl<T: Clone> Default for TtlCache<T> {
    fn default() -> Self {
        Self { entries: RwLock::new(HashMap::new()) }
    }
}

impl<T: Clone> TtlCache<T> {
    pub fn get(&self, key: &str) -> Option<T> {
        let entries = self.entries.read().expect("cache lock");
        entries.get(key).filter(|(at, _)| at.elapsed() < TTL).map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: &str, value: T) {
        let mut entries = self.entries.write().expect("cache lock");
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < TTL);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key.to_owned(), (Instant::now(), value));
    }

    pub fn forget(&self, key: &str) {
        self.entries.write().expect("cache lock").remove(key);
    }

    pub fn clear(&self) {
        self.entries.write().expect("cache lock").clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_forget() {
        let c = TtlCache::default();
        assert_eq!(c.get("a"), None::<u32>);
        c.put("a", 1);
        assert_eq!(c.get("a"), Some(1));
        c.forget("a");
        assert_eq!(c.get("a"), None);
        c.put("b", 2);
        c.clear();
        assert_eq!(c.get("b"), None);
    }
}
