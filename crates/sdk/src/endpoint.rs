//! Where requests go: an explicit endpoint, else the environment variables botocore honours for
//! the `cognito-idp` service, else the real AWS regional endpoint.

/// The Python library hard-codes this region; so does this port.
pub const DEFAULT_REGION: &str = "eu-west-2";

/// The endpoint for `cognito-idp`, reading the environment through `env`.
pub fn resolve_endpoint(explicit: Option<&str>, env: impl Fn(&str) -> Option<String>) -> String {
    resolve(explicit, "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "cognito-idp", env)
}

/// The endpoint for `cognito-identity` (identity pools).
pub fn resolve_identity_endpoint(explicit: Option<&str>, env: impl Fn(&str) -> Option<String>) -> String {
    resolve(explicit, "AWS_ENDPOINT_URL_COGNITO_IDENTITY", "cognito-identity", env)
}

fn resolve(explicit: Option<&str>, service_var: &str, host: &str, env: impl Fn(&str) -> Option<String>) -> String {
    let chosen = explicit
        .map(str::to_owned)
        .or_else(|| env(service_var).filter(|v| !v.is_empty()))
        .or_else(|| env("AWS_ENDPOINT_URL").filter(|v| !v.is_empty()))
        .unwrap_or_else(|| format!("https://{host}.{DEFAULT_REGION}.amazonaws.com"));
    chosen.trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn explicit_then_service_then_global_then_aws() {
        let all = env(&[
            ("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "http://svc/"),
            ("AWS_ENDPOINT_URL", "http://global"),
        ]);
        assert_eq!(resolve_endpoint(Some("http://explicit"), &all), "http://explicit");
        assert_eq!(resolve_endpoint(None, &all), "http://svc");
        assert_eq!(resolve_endpoint(None, env(&[("AWS_ENDPOINT_URL", "http://global")])), "http://global");
        assert_eq!(resolve_endpoint(None, env(&[])), "https://cognito-idp.eu-west-2.amazonaws.com");
        assert_eq!(
            resolve_endpoint(None, env(&[("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "")])),
            "https://cognito-idp.eu-west-2.amazonaws.com"
        );
        assert_eq!(resolve_identity_endpoint(None, &all), "http://global");
        assert_eq!(
            resolve_identity_endpoint(None, env(&[("AWS_ENDPOINT_URL_COGNITO_IDENTITY", "http://id")])),
            "http://id"
        );
        assert_eq!(resolve_identity_endpoint(None, env(&[])), "https://cognito-identity.eu-west-2.amazonaws.com");
    }
}
