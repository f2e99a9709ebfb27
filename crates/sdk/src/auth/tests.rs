//! The wire shape of every operation and the Python library's error mapping, against a canned
//! loopback server.

use serde_json::json;

use super::*;
use crate::canned::Canned;

const TOKENS: &str = r#"{"AuthenticationResult":{"AccessToken":"acc","IdToken":"idt","RefreshToken":"ref",
    "ExpiresIn":3600,"TokenType":"Bearer"},"ChallengeParameters":{}}"#;
const SESSION: &str = "AYABeC0ffeeSessionThatIsLongEnough";

fn auth(server: &Canned) -> ScribeAuth {
    // An empty environment: only the explicit endpoint counts.
    ScribeAuth::with_env(PoolConfiguration::new("client-1", "eu-west-2_pool"), Some(&server.url), |_| None)
}

fn error(code: &str, message: &str) -> String {
    json!({ "__type": code, "message": message }).to_string()
}

#[tokio::test]
async fn initiate_auth_is_sent_as_botocore_sends_it_and_tokens_are_read() {
    let server = Canned::serve(vec![(200, TOKENS)]).await;
    let got = auth(&server).get_tokens_with_password("ada", "pw-1").await.unwrap();
    assert_eq!(
        got,
        TokensOrChallenge::Tokens(Tokens {
            refresh_token: "ref".into(),
            access_token: "acc".into(),
            id_token: "idt".into()
        })
    );
    let seen = server.requests().await;
    let r = &seen[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/"));
    assert_eq!(r.header("content-type"), "application/x-amz-json-1.1");
    assert_eq!(r.header("x-amz-target"), "AWSCognitoIdentityProviderService.InitiateAuth");
    assert_eq!(r.header("authorization"), "", "scribeauth's operations are unsigned");
    assert_eq!(
        r.body,
        json!({ "ClientId": "client-1", "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": "ada", "PASSWORD": "pw-1" } })
    );
}

#[tokio::test]
async fn every_get_tokens_failure_is_unauthorized() {
    let wrong =
        error("aws.protocol#NotAuthorizedException:http://internal.amazon.com/", "Incorrect username or password.");
    let throttled = error("TooManyRequestsException", "Rate exceeded");
    let no_tokens = r#"{"AuthenticationResult":{"AccessToken":"acc"}}"#;
    // Throttling and 5xx answers are tried three times (botocore's standard retry mode).
    let server = Canned::serve(vec![
        (400, &wrong),
        (400, &throttled),
        (400, &throttled),
        (400, &throttled),
        (500, "<html/>"),
        (500, "<html/>"),
        (500, "<html/>"),
        (200, no_tokens),
    ])
    .await;
    let auth = auth(&server);
    let expected = Error::Unauthorized("Username and/or Password are incorrect. Could not get tokens".into());
    for _ in 0..4 {
        assert_eq!(auth.get_tokens_with_password("ada", "nope").await.unwrap_err(), expected);
    }
    assert_eq!(server.requests().await.len(), 8);
}

#[tokio::test]
async fn raw_service_errors_keep_their_parsed_code_and_message() {
    let body = error("aws.protocol#CodeMismatchException:http://internal.amazon.com/", "Invalid code");
    let server = Canned::serve(vec![(400, &body), (200, "{}")]).await;
    let auth = auth(&server);
    let err = auth.forgot_password("ada", "New-Passw0rd!", "123456").await.unwrap_err();
    assert_eq!(err, Error::Service { code: "CodeMismatchException".into(), message: "Invalid code".into() });
    assert!(auth.forgot_password("ada", "New-Passw0rd!", "654321").await.unwrap());
    let seen = server.requests().await;
    assert_eq!(seen[1].operation(), "ConfirmForgotPassword");
    assert_eq!(
        seen[1].body,
        json!({ "ClientId": "client-1", "Username": "ada", "ConfirmationCode": "654321", "Password": "New-Passw0rd!" })
    );
}

#[tokio::test]
async fn mfa_challenge_then_answer() {
    let challenge = json!({ "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": SESSION,
                            "ChallengeParameters": { "USER_ID_FOR_SRP": "ada" } })
    .to_string();
    let wrong = error("CodeMismatchException", "Invalid code received for user");
    let expired = error("ExpiredCodeException", "Invalid code provided");
    let throttled = error("TooManyRequestsException", "Rate exceeded");
    let session_gone = error("NotAuthorizedException", "Invalid session for the user, session is expired.");
    let server = Canned::serve(vec![
        (200, &challenge),
        (400, &wrong),
        (400, &expired),
        // Retried twice before it is reported.
        (400, &throttled),
        (400, &throttled),
        (400, &throttled),
        (400, &session_gone),
        (200, r#"{"AuthenticationResult":{"AccessToken":"acc","IdToken":"idt"}}"#),
    ])
    .await;
    let auth = auth(&server);
    let TokensOrChallenge::Challenge(c) = auth.get_tokens_with_password("ada", "pw-1").await.unwrap() else {
        panic!("expected a challenge");
    };
    assert_eq!(c, Challenge { challenge_name: "SOFTWARE_TOKEN_MFA".into(), session: SESSION.into() });
    let answer = |code: &'static str| auth.respond_to_auth_challenge_mfa("ada", SESSION, code);
    assert_eq!(answer("000000").await.unwrap_err(), Error::Unauthorized("Wrong MFA code".into()));
    assert_eq!(answer("111111").await.unwrap_err(), Error::Unauthorized("Expired MFA code".into()));
    assert!(matches!(answer("222222").await.unwrap_err(), Error::TooManyRequests(_)));
    assert_eq!(answer("333333").await.unwrap_err().code(), Some("NotAuthorizedException"));
    // Missing fields default to "", as the Python library's `.get(..., "")` does.
    let tokens = answer("444444").await.unwrap();
    assert_eq!((tokens.access_token.as_str(), tokens.refresh_token.as_str()), ("acc", ""));
    let seen = server.requests().await;
    assert_eq!(seen.len(), 8);
    assert_eq!(seen[7].header("x-amz-target"), "AWSCognitoIdentityProviderService.RespondToAuthChallenge");
    assert_eq!(
        seen[7].body,
        json!({ "ClientId": "client-1", "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": SESSION,
                "ChallengeResponses": { "SOFTWARE_TOKEN_MFA_CODE": "444444", "USERNAME": "ada" } })
    );
}

#[tokio::test]
async fn refresh_keeps_the_given_refresh_token() {
    let rotated = r#"{"AuthenticationResult":{"AccessToken":"acc2","IdToken":"idt2","RefreshToken":"rotated"}}"#;
    let server =
        Canned::serve(vec![(200, rotated), (400, &error("NotAuthorizedException", "Invalid Refresh Token."))]).await;
    let auth = auth(&server);
    let t = auth.get_tokens_with_refresh("ref-0").await.unwrap();
    assert_eq!((t.refresh_token.as_str(), t.access_token.as_str(), t.id_token.as_str()), ("ref-0", "acc2", "idt2"));
    assert_eq!(
        auth.get_tokens_with_refresh("garbage").await.unwrap_err(),
        Error::Unauthorized("Refresh_token is incorrect. Could not get tokens".into())
    );
    let seen = server.requests().await;
    assert_eq!(
        seen[0].body,
        json!({ "ClientId": "client-1", "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": "ref-0" } })
    );
}

#[tokio::test]
async fn change_password_with_tokens_calls_change_password() {
    let server = Canned::serve(vec![(200, TOKENS), (200, "{}")]).await;
    assert_eq!(auth(&server).change_password("ada", "old-pw", "new-pw").await.unwrap(), None);
    let seen = server.requests().await;
    assert_eq!(seen[0].operation(), "InitiateAuth");
    assert_eq!(seen[1].header("x-amz-target"), "AWSCognitoIdentityProviderService.ChangePassword");
    assert_eq!(
        seen[1].body,
        json!({ "PreviousPassword": "old-pw", "ProposedPassword": "new-pw", "AccessToken": "acc" })
    );
}

#[tokio::test]
async fn change_password_answers_new_password_required() {
    let challenge = json!({ "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": SESSION,
                            "ChallengeParameters": { "USER_ID_FOR_SRP": "uuid-ada" } })
    .to_string();
    let no_params = json!({ "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": SESSION }).to_string();
    let weak = error("InvalidPasswordException", "Password does not conform to policy");
    let server = Canned::serve(vec![(200, &challenge), (200, TOKENS), (200, &no_params), (400, &weak)]).await;
    let auth = auth(&server);
    assert_eq!(auth.change_password("ada", "Temp-pw", "new-pw").await.unwrap(), None);
    // Any failure answering the challenge is the Python library's generic InternalServerError.
    assert_eq!(
        auth.change_password("ada", "Temp-pw", "weak").await.unwrap_err(),
        Error::Unknown("InternalServerError: try again later".into())
    );
    let seen = server.requests().await;
    assert_eq!(seen[1].operation(), "RespondToAuthChallenge");
    assert_eq!(
        seen[1].body,
        json!({ "ClientId": "client-1", "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": SESSION,
                "ChallengeResponses": { "USER_ID_FOR_SRP": "uuid-ada", "USERNAME": "ada", "NEW_PASSWORD": "new-pw" } })
    );
    assert_eq!(seen[3].body["ChallengeResponses"]["USER_ID_FOR_SRP"], "");
}

#[tokio::test]
async fn change_password_returns_other_challenges_and_maps_errors() {
    let mfa = json!({ "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": SESSION }).to_string();
    let missing = error("ResourceNotFoundException", "User pool client client-1 does not exist.");
    let throttled = error("TooManyRequestsException", "Rate exceeded");
    let wrong = error("NotAuthorizedException", "Incorrect username or password.");
    let server = Canned::serve(vec![
        (200, &mfa),
        (400, &missing),
        (200, TOKENS),
        (400, &throttled),
        (400, &throttled),
        (400, &throttled),
        (400, &wrong),
    ])
    .await;
    let auth = auth(&server);
    let other = auth.change_password("ada", "pw", "new-pw").await.unwrap();
    assert_eq!(other, Some(Challenge { challenge_name: "SOFTWARE_TOKEN_MFA".into(), session: SESSION.into() }));
    assert_eq!(
        auth.change_password("ada", "pw", "new").await.unwrap_err(),
        Error::MissingId("Missing client ID".into())
    );
    // ChangePassword's own throttling maps too (after three attempts).
    assert!(matches!(auth.change_password("ada", "pw", "new").await.unwrap_err(), Error::TooManyRequests(_)));
    assert_eq!(auth.change_password("ada", "bad", "new").await.unwrap_err().code(), Some("NotAuthorizedException"));
    let seen = server.requests().await;
    let ops: Vec<&str> = seen.iter().map(|s| s.operation()).collect();
    // The other challenge made no second call.
    assert_eq!(
        ops,
        [
            "InitiateAuth",
            "InitiateAuth",
            "InitiateAuth",
            "ChangePassword",
            "ChangePassword",
            "ChangePassword",
            "InitiateAuth"
        ]
    );
}

#[tokio::test]
async fn revoke_sends_token_and_client_and_maps_errors() {
    let throttled = error("TooManyRequestsException", "Rate exceeded");
    let unsupported = error("UnsupportedTokenTypeException", "not a refresh token");
    let server = Canned::serve(vec![
        (200, "{}"),
        (200, ""),
        (400, &throttled),
        (400, &throttled),
        (400, &throttled),
        (400, &unsupported),
        (500, "<html/>"),
        (500, "<html/>"),
        (500, "<html/>"),
    ])
    .await;
    let auth = auth(&server);
    assert!(auth.revoke_refresh_token("ref-0").await.unwrap());
    assert!(auth.revoke_refresh_token("ref-1").await.unwrap());
    assert!(matches!(auth.revoke_refresh_token("ref-2").await.unwrap_err(), Error::TooManyRequests(_)));
    let internal = Error::Unknown("InternalServerError: Try again later".into());
    assert_eq!(auth.revoke_refresh_token("ref-3").await.unwrap_err(), internal);
    assert_eq!(auth.revoke_refresh_token("ref-4").await.unwrap_err(), internal);
    let seen = server.requests().await;
    assert_eq!(seen.len(), 9);
    assert_eq!(seen[0].header("x-amz-target"), "AWSCognitoIdentityProviderService.RevokeToken");
    assert_eq!(seen[0].body, json!({ "Token": "ref-0", "ClientId": "client-1" }));
}

#[tokio::test]
async fn unreachable_endpoint_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let auth = ScribeAuth::with_env(PoolConfiguration::new("c", "p"), Some(&url), |_| None);
    assert!(matches!(auth.forgot_password("u", "p", "1").await.unwrap_err(), Error::Transport(_)));
    assert!(matches!(auth.get_tokens_with_password("u", "p").await.unwrap_err(), Error::Unauthorized(_)));
}

#[test]
fn endpoint_comes_from_the_injected_environment() {
    let env = |k: &str| (k == "AWS_ENDPOINT_URL").then(|| "http://warden:8080/".to_owned());
    let config = PoolConfiguration::new("c", "p");
    assert_eq!(ScribeAuth::with_env(config.clone(), None, env).endpoint(), "http://warden:8080");
    assert_eq!(ScribeAuth::with_env(config.clone(), Some("http://explicit"), env).endpoint(), "http://explicit");
    assert_eq!(ScribeAuth::with_env(config, None, |_| None).endpoint(), "https://cognito-idp.eu-west-2.amazonaws.com");
}

#[test]
fn results_serialize_with_the_python_keys_and_debug_hides_tokens() {
    let t = Tokens { refresh_token: "r".into(), access_token: "a".into(), id_token: "i".into() };
    assert_eq!(
        serde_json::to_value(TokensOrChallenge::Tokens(t.clone())).unwrap(),
        json!({ "refresh_token": "r", "access_token": "a", "id_token": "i" })
    );
    let c = Challenge { challenge_name: "SOFTWARE_TOKEN_MFA".into(), session: "s".into() };
    assert_eq!(serde_json::to_value(&c).unwrap(), json!({ "challenge_name": "SOFTWARE_TOKEN_MFA", "session": "s" }));
    let t =
        Tokens { refresh_token: "rt-secret".into(), access_token: "at-secret".into(), id_token: "it-secret".into() };
    let c = Challenge { challenge_name: "SOFTWARE_TOKEN_MFA".into(), session: SESSION.into() };
    let shown = format!("{t:?} {c:?} {:?}", TokensOrChallenge::Tokens(t.clone()));
    assert!(!shown.contains("secret") && !shown.contains(SESSION), "{shown}");
    assert!(shown.contains("SOFTWARE_TOKEN_MFA"), "{shown}");
}
