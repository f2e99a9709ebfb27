//! Cognito's names for the core's sign-in vocabulary: explicit auth flows and challenges. The
//! core stores its own codes; these are the names on the wire (and in the operator CLI, which
//! speaks Cognito's client settings).

use warden_core::model::{AuthFlow, ChallengeKind};

/// The `ALLOW_*` name of a flow, as Cognito returns it in ExplicitAuthFlows.
pub fn auth_flow_name(flow: AuthFlow) -> &'static str {
    match flow {
        AuthFlow::UserPassword => "ALLOW_USER_PASSWORD_AUTH",
        AuthFlow::AdminUserPassword => "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        AuthFlow::RefreshToken => "ALLOW_REFRESH_TOKEN_AUTH",
        AuthFlow::UserSrp => "ALLOW_USER_SRP_AUTH",
        AuthFlow::Custom => "ALLOW_CUSTOM_AUTH",
        AuthFlow::UserAuth => "ALLOW_USER_AUTH",
    }
}

/// An ExplicitAuthFlows value: the `ALLOW_*` names and the legacy ones Cognito still accepts
/// (`USER_PASSWORD_AUTH`, `ADMIN_NO_SRP_AUTH`, `CUSTOM_AUTH_FLOW_ONLY`).
pub fn parse_auth_flow(s: &str) -> Option<AuthFlow> {
    Some(match s {
        "ALLOW_USER_PASSWORD_AUTH" | "USER_PASSWORD_AUTH" => AuthFlow::UserPassword,
        "ALLOW_ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => AuthFlow::AdminUserPassword,
        "ALLOW_REFRESH_TOKEN_AUTH" => AuthFlow::RefreshToken,
        "ALLOW_USER_SRP_AUTH" => AuthFlow::UserSrp,
        "ALLOW_CUSTOM_AUTH" | "CUSTOM_AUTH_FLOW_ONLY" => AuthFlow::Custom,
        "ALLOW_USER_AUTH" => AuthFlow::UserAuth,
        _ => return None,
    })
}

/// Cognito's ChallengeName for a kind of challenge.
pub fn challenge_name(kind: ChallengeKind) -> &'static str {
    match kind {
        ChallengeKind::NewPasswordRequired => "NEW_PASSWORD_REQUIRED",
        ChallengeKind::SoftwareTokenMfa => "SOFTWARE_TOKEN_MFA",
        ChallengeKind::MfaSetup => "MFA_SETUP",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flow_reads_back_from_its_name() {
        for flow in [
            AuthFlow::UserPassword,
            AuthFlow::AdminUserPassword,
            AuthFlow::RefreshToken,
            AuthFlow::UserSrp,
            AuthFlow::Custom,
            AuthFlow::UserAuth,
        ] {
            assert_eq!(parse_auth_flow(auth_flow_name(flow)), Some(flow));
        }
        assert_eq!(parse_auth_flow("ADMIN_NO_SRP_AUTH"), Some(AuthFlow::AdminUserPassword));
        assert_eq!(parse_auth_flow("user_password"), None, "the core's stored code is not a Cognito name");
    }
}
