"""The unmodified PyPI scribeauth 1.2.0 against Warden, configured by environment variables only
(see the `scribe_env` fixture). Tokens are checked as a resource server would check them: against
the pool's JWKS, fetched from the server."""

import ast
import subprocess
import sys
import time

import pyotp
import pytest
import requests
from botocore.exceptions import ClientError
from scribeauth import ResourceNotFoundException, ScribeAuth, UnauthorizedException
from warden_compat import PASSWORD, client_error, next_totp, verify_jwt, wrong_totp

TOKEN_KEYS = {"refresh_token", "access_token", "id_token"}


def check_tokens(server, pool, tokens, username):
    """Both JWTs verify against the JWKS, describe `username`, and belong together."""
    access = verify_jwt(server, pool.id, tokens["access_token"], "access", pool.client_id)
    idt = verify_jwt(server, pool.id, tokens["id_token"], "id", pool.client_id)
    assert access["username"] == username and idt["cognito:username"] == username
    assert access["sub"] == idt["sub"]
    assert "aws.cognito.signin.user.admin" in access["scope"].split()
    for claim in ("auth_time", "jti", "origin_jti", "event_id"):
        assert access.get(claim), f"access token without {claim}: {access}"
    assert idt["email"] == f"{username}@example.com"
    assert isinstance(tokens["refresh_token"], str) and len(tokens["refresh_token"]) >= 20
    return access, idt


def test_get_tokens_with_password_and_with_refresh_token(server, pool, user, scribe, unsigned):
    tokens = scribe.get_tokens(username=user, password=PASSWORD)
    assert set(tokens) == TOKEN_KEYS, tokens
    access, idt = check_tokens(server, pool, tokens, user)
    assert unsigned.get_user(AccessToken=tokens["access_token"])["Username"] == user

    refreshed = scribe.get_tokens(refresh_token=tokens["refresh_token"])
    assert set(refreshed) == TOKEN_KEYS
    assert refreshed["refresh_token"] == tokens["refresh_token"], "scribeauth keeps the refresh token it was given"
    access2, idt2 = check_tokens(server, pool, refreshed, user)
    assert access2["origin_jti"] == access["origin_jti"], "a refresh stays in the same session"
    assert access2["jti"] != access["jti"] and refreshed["access_token"] != tokens["access_token"]
    assert access2["sub"] == access["sub"]
    # The old access token is still good (refreshing does not revoke), and so is the refresh token.
    assert unsigned.get_user(AccessToken=tokens["access_token"])["Username"] == user
    assert scribe.get_tokens(refresh_token=tokens["refresh_token"])["access_token"]

    # An id token is not an access token.
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.get_user(AccessToken=tokens["id_token"])


def test_discovery_document_names_the_issuer_and_the_jwks(server, pool):
    doc = requests.get(f"{server.url}/{pool.id}/.well-known/openid-configuration", timeout=10)
    assert doc.status_code == 200, doc.text
    doc = doc.json()
    assert doc["issuer"] == pool.issuer()
    assert doc["jwks_uri"] == f"{pool.issuer()}/.well-known/jwks.json"
    assert "RS256" in doc["id_token_signing_alg_values_supported"]
    missing = requests.get(f"{server.url}/eu-west-2_doesnotexist/.well-known/jwks.json", timeout=10)
    assert missing.status_code == 404


def test_get_tokens_refusals_are_unauthorized_and_change_nothing(pool, user, scribe):
    with pytest.raises(UnauthorizedException):
        scribe.get_tokens(username=user, password="Wrong-Passw0rd!")
    with pytest.raises(UnauthorizedException):
        scribe.get_tokens(username="nobody-" + user, password=PASSWORD)
    with pytest.raises(UnauthorizedException):
        scribe.get_tokens(refresh_token="not-a-refresh-token")
    with pytest.raises(UnauthorizedException):
        scribe.get_tokens()
    assert set(scribe.get_tokens(username=user, password=PASSWORD)) == TOKEN_KEYS


def test_change_password_of_a_confirmed_user(server, pool, user, admin, scribe):
    assert scribe.change_password(user, PASSWORD, "Changed-Passw0rd!") is True
    check_tokens(server, pool, scribe.get_tokens(username=user, password="Changed-Passw0rd!"), user)
    with pytest.raises(UnauthorizedException):
        scribe.get_tokens(username=user, password=PASSWORD)
    # ChangePassword's and InitiateAuth's own errors reach the caller as Cognito's exception types.
    with pytest.raises(ClientError) as err:
        scribe.change_password(user, "Changed-Passw0rd!", "short")
    assert client_error(err) == "InvalidPasswordException"
    with pytest.raises(ClientError) as err:
        scribe.change_password(user, "Not-The-Passw0rd!", "Another-Passw0rd!")
    assert client_error(err) == "NotAuthorizedException"
    # Neither refusal changed the password.
    assert scribe.get_tokens(username=user, password="Changed-Passw0rd!")["access_token"]
    assert admin.admin_get_user(UserPoolId=pool.id, Username=user)["UserStatus"] == "CONFIRMED"


def test_change_password_answers_the_new_password_challenge(server, pool, admin, scribe):
    user = pool.user(password="Temp-Passw0rd!", permanent=False)
    assert admin.admin_get_user(UserPoolId=pool.id, Username=user)["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    challenge = scribe.get_tokens(username=user, password="Temp-Passw0rd!")
    assert challenge["challenge_name"] == "NEW_PASSWORD_REQUIRED" and len(challenge["session"]) >= 20, challenge
    assert scribe.change_password(user, "Temp-Passw0rd!", "Chosen-Passw0rd!") is True
    assert admin.admin_get_user(UserPoolId=pool.id, Username=user)["UserStatus"] == "CONFIRMED"
    check_tokens(server, pool, scribe.get_tokens(username=user, password="Chosen-Passw0rd!"), user)
    with pytest.raises(UnauthorizedException):
        scribe.get_tokens(username=user, password="Temp-Passw0rd!")


def enrol_totp(unsigned, access_token):
    """AssociateSoftwareToken + VerifySoftwareToken (a pyotp code) + SetUserMFAPreference."""
    secret = unsigned.associate_software_token(AccessToken=access_token)["SecretCode"]
    assert len(secret) >= 16
    code = pyotp.TOTP(secret).now()
    assert unsigned.verify_software_token(AccessToken=access_token, UserCode=code, FriendlyDeviceName="phone")["Status"] == "SUCCESS"
    unsigned.set_user_mfa_preference(AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    return secret


def test_totp_mfa_enrolment_and_sign_in(server, pool, user, admin, unsigned, scribe):
    tokens = scribe.get_tokens(username=user, password=PASSWORD)
    secret = enrol_totp(unsigned, tokens["access_token"])
    got = admin.admin_get_user(UserPoolId=pool.id, Username=user)
    assert got["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"] and got["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"

    challenge = scribe.get_tokens(username=user, password=PASSWORD)
    assert set(challenge) == {"challenge_name", "session"}, challenge
    assert challenge["challenge_name"] == "SOFTWARE_TOKEN_MFA" and len(challenge["session"]) >= 20
    with pytest.raises(UnauthorizedException, match="Wrong MFA code"):
        scribe.respond_to_auth_challenge_mfa(user, challenge["session"], wrong_totp(secret))
    code = next_totp(secret)
    result = scribe.respond_to_auth_challenge_mfa(user, challenge["session"], code)
    assert set(result) == TOKEN_KEYS
    check_tokens(server, pool, result, user)
    # The session was used up, and the same code is not accepted twice.
    with pytest.raises((ClientError, UnauthorizedException)):
        scribe.respond_to_auth_challenge_mfa(user, challenge["session"], next_totp(secret))
    second = scribe.get_tokens(username=user, password=PASSWORD)
    with pytest.raises(UnauthorizedException):
        scribe.respond_to_auth_challenge_mfa(user, second["session"], code)
    # A refresh needs no second factor.
    assert scribe.get_tokens(refresh_token=result["refresh_token"])["access_token"]
    # A wrong password still gets no challenge.
    with pytest.raises(UnauthorizedException):
        scribe.get_tokens(username=user, password="Wrong-Passw0rd!")


def test_forgot_password_with_the_code_from_the_outbox(server, pool, user, unsigned, scribe):
    sent = unsigned.forgot_password(ClientId=pool.client_id, Username=user)["CodeDeliveryDetails"]
    assert sent["DeliveryMedium"] == "EMAIL" and sent["AttributeName"] == "email"
    code = server.last_code(user, "forgot_password", pool.id)
    message = server.messages(user, "forgot_password", pool.id)[-1]
    assert message["to"] == f"{user}@example.com" and code.isdigit() and len(code) == 6
    assert scribe.forgot_password(user, "Reset-Passw0rd!", code) is True
    check_tokens(server, pool, scribe.get_tokens(username=user, password="Reset-Passw0rd!"), user)
    with pytest.raises(UnauthorizedException):
        scribe.get_tokens(username=user, password=PASSWORD)
    # The code is gone once used.
    with pytest.raises(ClientError) as err:
        scribe.forgot_password(user, "Again-Passw0rd!", code)
    assert client_error(err) == "ExpiredCodeException"
    # A wrong code for a fresh request is a mismatch, and the right one still works afterwards.
    unsigned.forgot_password(ClientId=pool.client_id, Username=user)
    fresh = server.last_code(user, "forgot_password", pool.id, after=1)
    wrong = "000000" if fresh != "000000" else "111111"
    with pytest.raises(ClientError) as err:
        scribe.forgot_password(user, "Again-Passw0rd!", wrong)
    assert client_error(err) == "CodeMismatchException"
    assert scribe.get_tokens(username=user, password="Reset-Passw0rd!")["access_token"], "password unchanged"
    with pytest.raises(ClientError) as err:
        scribe.forgot_password(user, "short", fresh)
    assert client_error(err) == "InvalidPasswordException"
    assert scribe.forgot_password(user, "Final-Passw0rd!", fresh) is True
    assert scribe.get_tokens(username=user, password="Final-Passw0rd!")["access_token"]


def test_revoke_refresh_token(pool, user, unsigned, scribe):
    tokens = scribe.get_tokens(username=user, password=PASSWORD)
    refreshed = scribe.get_tokens(refresh_token=tokens["refresh_token"])
    other = scribe.get_tokens(username=user, password=PASSWORD)
    assert scribe.revoke_refresh_token("refresh_token") is True, "an unknown token is answered 200"
    assert scribe.revoke_refresh_token(tokens["refresh_token"]) is True
    with pytest.raises(UnauthorizedException):
        scribe.get_tokens(refresh_token=tokens["refresh_token"])
    for dead in (tokens["access_token"], refreshed["access_token"]):
        with pytest.raises(unsigned.exceptions.NotAuthorizedException):
            unsigned.get_user(AccessToken=dead)
    assert scribe.revoke_refresh_token(tokens["refresh_token"]) is True, "revoking twice is fine"
    # The other session is untouched.
    assert unsigned.get_user(AccessToken=other["access_token"])["Username"] == user
    assert scribe.get_tokens(refresh_token=other["refresh_token"])["access_token"]


def run_cli(env, *args, stdin="", ok=True):
    out = subprocess.run(
        [sys.executable, "-m", "scribeauth", *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )
    if ok:
        assert out.returncode == 0, out.stderr
    return out


def printed_tokens(stdout):
    """The dict the CLI prints (after the MFA prompt, when there is one)."""
    last = stdout.strip().splitlines()[-1]
    return ast.literal_eval(last[last.index("{"):])


def test_the_three_cli_modes(server, pool, user, unsigned, scribe, scribe_env):
    base = ["--client_id", pool.client_id, "--user_pool_id", pool.id]
    tokens = printed_tokens(run_cli(scribe_env, *base, "--username", user, "--password", PASSWORD).stdout)
    assert set(tokens) == TOKEN_KEYS
    check_tokens(server, pool, tokens, user)

    refreshed = printed_tokens(run_cli(scribe_env, *base, "--refresh_token", tokens["refresh_token"]).stdout)
    assert refreshed["refresh_token"] == tokens["refresh_token"]
    check_tokens(server, pool, refreshed, user)

    failed = run_cli(scribe_env, *base, "--username", user, "--password", "Wrong-Passw0rd!", ok=False)
    assert failed.returncode != 0 and "UnauthorizedException" in failed.stderr

    enrol_secret = enrol_totp(unsigned, tokens["access_token"])
    out = run_cli(scribe_env, *base, "--username", user, "--password", PASSWORD, stdin=next_totp(enrol_secret) + "\n").stdout
    assert "Enter MFA code" in out
    mfa_tokens = printed_tokens(out)
    assert set(mfa_tokens) == TOKEN_KEYS
    check_tokens(server, pool, mfa_tokens, user)


def test_federated_identity_and_credentials(server, pool, user, scribe_env):
    identity_admin = server.client("cognito-identity")
    provider = f"cognito-idp.eu-west-2.amazonaws.com/{pool.id}"
    ip = identity_admin.create_identity_pool(
        IdentityPoolName="compat",
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": pool.client_id}],
    )["IdentityPoolId"]
    identity_admin.set_identity_pool_roles(IdentityPoolId=ip, Roles={"authenticated": "arn:aws:iam::000000000000:role/scribe-api"})
    auth = ScribeAuth({"client_id": pool.client_id, "user_pool_id": pool.id, "identity_pool_id": ip})
    tokens = auth.get_tokens(username=user, password=PASSWORD)
    fed_id = auth.get_federated_id(tokens["id_token"])
    assert fed_id.startswith("eu-west-2:")
    again = auth.get_tokens(username=user, password=PASSWORD)
    assert auth.get_federated_id(again["id_token"]) == fed_id, "same user, same identity"
    creds = auth.get_federated_credentials(fed_id, tokens["id_token"])
    assert creds["AccessKeyId"].startswith("ASIA") and creds["SecretKey"] and creds["SessionToken"]
    assert creds["Expiration"].timestamp() > time.time() + 3000
    with pytest.raises(UnauthorizedException):
        auth.get_federated_id("id_token")
    with pytest.raises(ResourceNotFoundException):
        auth.get_federated_credentials("eu-west-2:00000000-1111-2abc-3def-4444aaaa5555", tokens["id_token"])
    # The signature is computed locally with the credentials it was given.
    from botocore.awsrequest import AWSRequest

    signed = auth.get_signature_for_request(
        AWSRequest(method="GET", url="https://api.example.com/v1/things", headers={"Content-Type": "application/json"}), creds
    )
    assert signed["Authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={creds['AccessKeyId']}/")
    assert signed["X-Amz-Security-Token"] == creds["SessionToken"]
