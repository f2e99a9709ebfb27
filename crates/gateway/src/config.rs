//! Routes and the permissions they require, and where permissions come from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Route {
    /// Path prefix (`/v1/documents`); the longest matching prefix decides.
    pub prefix: String,
    /// Methods the route admits; empty means all.
    #[serde(default)]
    pub methods: Vec<String>,
    /// The permission a caller needs (`read`, `write`, `delete`...).
    pub permission: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct GatewayConfig {
    pub listen: String,
    /// Where verified requests go (`http://127.0.0.1:9000`).
    pub upstream: String,
    /// Async worker threads. One by default, as sidecar proxies run: a verified request costs a
    /// few microseconds, one thread forwards tens of thousands a second, and a second thread
    /// mostly adds cross-thread wake-ups to each hop (measured in bench/results/GATEWAY.md).
    pub workers: usize,
    /// Regions accepted in SigV4 credential scopes (service `execute-api`).
    pub regions: Vec<String>,
    /// How far a signature's X-Amz-Date may be from now.
    pub max_skew_secs: i64,
    pub routes: Vec<Route>,
    /// Identity-pool role (as set by SetIdentityPoolRoles) to the permissions it grants.
    pub roles: BTreeMap<String, Vec<String>>,
    /// Access-token scope to the permissions it grants.
    pub scopes: BTreeMap<String, Vec<String>>,
    /// User pools whose access tokens are admitted (ids); empty admits every pool of this
    /// deployment. Scope names such as `openid` are every pool's, so a deployment with pools of
    /// different tenants should list the API's own.
    pub pools: Vec<String>,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8081".into(),
            upstream: "http://127.0.0.1:9000".into(),
            workers: 1,
            regions: vec!["eu-west-2".into()],
            max_skew_secs: 300,
            routes: Vec::new(),
            roles: BTreeMap::new(),
            scopes: BTreeMap::new(),
            pools: Vec::new(),
        }
    }
}

impl GatewayConfig {
    /// The route for a request: the longest prefix that matches the path and admits the method.
    /// HEAD is matched as GET (what a server answers it with), so it cannot slip past a GET-only
    /// route to a broader one.
    pub fn route(&self, method: &str, path: &str) -> Option<&Route> {
        let method = if method.eq_ignore_ascii_case("HEAD") { "GET" } else { method };
        self.routes
            .iter()
            .filter(|r| {
                path == r.prefix || path.starts_with(&format!("{}/", r.prefix.trim_end_matches('/'))) || r.prefix == "/"
            })
            .filter(|r| r.methods.is_empty() || r.methods.iter().any(|m| m.eq_ignore_ascii_case(method)))
            .max_by_key(|r| r.prefix.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_and_method() {
        let c = GatewayConfig {
            routes: vec![
                Route { prefix: "/v1".into(), methods: vec![], permission: "read".into() },
                Route { prefix: "/v1/docs".into(), methods: vec!["DELETE".into()], permission: "delete".into() },
            ],
            ..GatewayConfig::default()
        };
        assert_eq!(c.route("GET", "/v1/docs/1").unwrap().permission, "read");
        assert_eq!(c.route("DELETE", "/v1/docs/1").unwrap().permission, "delete");
        assert_eq!(c.route("GET", "/v1").unwrap().permission, "read");
        assert!(c.route("GET", "/v10").is_none(), "a prefix matches whole segments");
        assert!(c.route("GET", "/admin").is_none());
        let get_only = GatewayConfig {
            routes: vec![
                Route { prefix: "/v1".into(), methods: vec![], permission: "read".into() },
                Route { prefix: "/v1/admin".into(), methods: vec!["GET".into()], permission: "admin".into() },
            ],
            ..GatewayConfig::default()
        };
        assert_eq!(get_only.route("HEAD", "/v1/admin/x").unwrap().permission, "admin", "HEAD is GET");
    }
}
