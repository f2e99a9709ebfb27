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
    /// Match route prefixes with case (`/v1/Admin` is then not `/v1/admin`). Off by default:
    /// many upstreams route without case (Express, ASP.NET Core), and a path that differs from a
    /// demanding route only in case must demand what that route does. Turn it on only when the
    /// upstream routes with case, and needs routes that differ only in case.
    pub case_sensitive_routes: bool,
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
            case_sensitive_routes: false,
        }
    }
}

impl GatewayConfig {
    /// The route for a request: the longest prefix that matches the path and admits the method.
    /// HEAD is matched as GET (what a server answers it with), so it cannot slip past a GET-only
    /// route to a broader one. A prefix matches whole segments, without case unless
    /// `case_sensitive_routes`, and a path segment `name.ext` matches the prefix segment `name`
    /// (frameworks such as Rails strip a format suffix before routing): every way an upstream may
    /// read the path demands at least what the route it would reach demands.
    pub fn route(&self, method: &str, path: &str) -> Option<&Route> {
        let method = if method.eq_ignore_ascii_case("HEAD") { "GET" } else { method };
        self.routes
            .iter()
            .filter(|r| prefix_matches(&r.prefix, path, self.case_sensitive_routes))
            .filter(|r| r.methods.is_empty() || r.methods.iter().any(|m| m.eq_ignore_ascii_case(method)))
            .max_by_key(|r| r.prefix.len())
    }
}

/// Whether `path` lies under `prefix`, segment by segment.
fn prefix_matches(prefix: &str, path: &str, case_sensitive: bool) -> bool {
    let wanted = prefix.trim_end_matches('/').split('/').filter(|s| !s.is_empty());
    let mut given = path.split('/').filter(|s| !s.is_empty());
    for want in wanted {
        let Some(seg) = given.next() else { return false };
        let same = |a: &str| if case_sensitive { a == want } else { a.eq_ignore_ascii_case(want) };
        // `admin.json` is `admin` to a server that strips format suffixes.
        let stem = seg.split_once('.').map(|(stem, _)| stem);
        if !same(seg) && !stem.is_some_and(same) {
            return false;
        }
    }
    true
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

    #[test]
    fn a_path_an_upstream_reads_as_a_demanding_route_demands_what_it_does() {
        let mut c = GatewayConfig {
            routes: vec![
                Route { prefix: "/v1".into(), methods: vec![], permission: "read".into() },
                Route { prefix: "/v1/admin".into(), methods: vec![], permission: "write".into() },
            ],
            ..GatewayConfig::default()
        };
        // Express and ASP.NET Core route without case; Rails strips a format suffix.
        for path in ["/v1/Admin/x", "/v1/ADMIN/X", "/v1/admin.json", "/v1/Admin.JSON/x", "/v1/admin"] {
            assert_eq!(c.route("POST", path).unwrap().permission, "write", "{path}");
        }
        assert_eq!(c.route("GET", "/v1/administrators").unwrap().permission, "read", "whole segments only");
        assert_eq!(c.route("GET", "/V1/docs").unwrap().permission, "read");
        // With case on, /v1/Admin is another path (for an upstream that routes with case).
        c.case_sensitive_routes = true;
        assert_eq!(c.route("POST", "/v1/Admin/x").unwrap().permission, "read");
        assert_eq!(c.route("POST", "/v1/admin.json").unwrap().permission, "write", "format suffixes still count");
    }
}
