"""The unmodified PyPI scribeauth 1.2.0 against Warden, configured by environment only."""

import json
import subprocess
import sys
import time

import jwt
import pyotp
import pytest
import requests
from conftest import PASSWORD
from scribeauth import ResourceNotFoundException, ScribeAuth, UnauthorizedException


def verify(server, pool, token):
    jwks = requests.get(f"{server.url}/{pool.id}/.well-known/jwks.json").json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(jwt.PyJWK(k) for k in jwks["keys"] if k["kid"] == kid)
    return jwt.decode(token, key.key, algorithms=["RS256"], issuer=f"{server.url}/{pool.id}", options={"verify_aud": False})


def next_totp(secret):
    """The next 30-second step's code: a code is accepted only once, and the server allows one
    step of clock skew, so the next step's code is the one to use right after enrolment."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_get_tokens_with_password_then_refresh(server, pool, scribe):
    user = pool.user()
    tokens = scribe.get_tokens(username=user, password=PASSWORD)
    assert set(tokens) == {"refresh_token", "access_token", "id_token"}
    access = verify(server, pool, tokens["access_token"])
    assert access["token_use"] == "access" and access["client_id"] == pool.client_id and access["username"] == user
    assert access["exp"] - access["iat"] == 1800, "access tokens live 30 minutes"
    idt = verify(server, pool, tokens["id_token"])
    assert idt["aud"] == pool.client_id and idt["token_use"] == "id" and idt["cognito:username"] == user
    refreshed = scribe.get_tokens(refresh_token=tokens["refresh_token"])
    assert refreshed["refresh_token"] == tokens["refresh_token"]
    again = verify(server, pool, refreshed["access_token"])
    assert again["origin_jti"] == access["origin_jti"] and again["jti"] != access["jti"]
    with pytest.raises(UnauthorizedException):
        scribe.get_tokens(username=user, password="Wrong-Passw0rd!")
    with pytest.raises(UnauthorizedException):
        scribe.get_tokens(username="nobody-" + user, password=PASSWORD)
    with pytest.raises(UnauthorizedException):
        scribe.get_tokens(refresh_token="not-a-refresh-token")


def test_change_password_of_a_confirmed_user(pool, scribe):
    user = pool.user()
    assert scribe.change_password(user, PASSWORD, "Changed-Passw0rd!") is True
    scribe.get_tokens(username=user, password="Changed-Passw0rd!")
    with pytest.raises(UnauthorizedException):
        scribe.get_tokens(username=user, password=PASSWORD)
    # ChangePassword's own errors reach the caller as Cognito's exception types.
    with pytest.raises(Exception) as err:
        scribe.change_password(user, "Changed-Passw0rd!", "short")
    assert "InvalidPasswordException" in repr(err.value) or "InvalidPassword" in type(err.value).__name__


def test_change_password_answers_the_temporary_password_challenge(pool, admin, scribe):
    user = pool.user(password="Temp-Passw0rd!", permanent=False)
    assert admin.admin_get_user(UserPoolId=pool.id, Username=user)["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert scribe.change_password(user, "Temp-Passw0rd!", "Chosen-Passw0rd!") is True
    assert admin.admin_get_user(UserPoolId=pool.id, Username=user)["UserStatus"] == "CONFIRMED"
    scribe.get_tokens(username=user, password="Chosen-Passw0rd!")
    with pytest.raises(UnauthorizedException):
        scribe.get_tokens(username=user, password="Temp-Passw0rd!")


def test_totp_mfa_set_up_and_sign_in(pool, unsigned, scribe):
    user = pool.user()
    tokens = scribe.get_tokens(username=user, password=PASSWORD)
    secret = unsigned.associate_software_token(AccessToken=tokens["access_token"])["SecretCode"]
    used = pyotp.TOTP(secret).now()
    assert unsigned.verify_software_token(AccessToken=tokens["access_token"], UserCode=used)["Status"] == "SUCCESS"
    unsigned.set_user_mfa_preference(
        AccessToken=tokens["access_token"], SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    challenge = scribe.get_tokens(username=user, password=PASSWORD)
    assert challenge["challenge_name"] == "SOFTWARE_TOKEN_MFA" and len(challenge["session"]) >= 20
    with pytest.raises(UnauthorizedException, match="Wrong MFA code"):
        scribe.respond_to_auth_challenge_mfa(user, challenge["session"], "000000" if used != "000000" else "111111")
    code = next_totp(secret)
    result = scribe.respond_to_auth_challenge_mfa(user, challenge["session"], code)
    assert set(result) == {"refresh_token", "access_token", "id_token"} and result["access_token"]
    # The same code is not accepted twice.
    second = scribe.get_tokens(username=user, password=PASSWORD)
    with pytest.raises(UnauthorizedException):
        scribe.respond_to_auth_challenge_mfa(user, second["session"], code)


def test_forgot_password_with_the_code_from_the_outbox(server, pool, unsigned, scribe):
    user = pool.user()
    sent = unsigned.forgot_password(ClientId=pool.client_id, Username=user)["CodeDeliveryDetails"]
    assert sent["DeliveryMedium"] == "EMAIL"
    code = server.last_code(user, "forgot_password")
    assert scribe.forgot_password(user, "Reset-Passw0rd!", code) is True
    scribe.get_tokens(username=user, password="Reset-Passw0rd!")
    with pytest.raises(unsigned.exceptions.ExpiredCodeException):
        scribe.forgot_password(user, "Again-Passw0rd!", code)
    with pytest.raises(unsigned.exceptions.CodeMismatchException):
        unsigned.forgot_password(ClientId=pool.client_id, Username=user)
        wrong = "000000" if server.last_code(user, "forgot_password") != "000000" else "111111"
        scribe.forgot_password(user, "Again-Passw0rd!", wrong)
    scribe.get_tokens(username=user, password="Reset-Passw0rd!")


def test_revoke_refresh_token_kills_the_session(pool, unsigned, scribe):
    user = pool.user()
    tokens = scribe.get_tokens(username=user, password=PASSWORD)
    other = scribe.get_tokens(username=user, password=PASSWORD)
    assert scribe.revoke_refresh_token("refresh_token") is True, "an unknown token is answered 200"
    assert scribe.revoke_refresh_token(tokens["refresh_token"]) is True
    with pytest.raises(UnauthorizedException):
        scribe.get_tokens(refresh_token=tokens["refresh_token"])
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.get_user(AccessToken=tokens["access_token"])
    # The other session is untouched.
    assert unsigned.get_user(AccessToken=other["access_token"])["Username"] == user
    scribe.get_tokens(refresh_token=other["refresh_token"])


def run_cli(env, *args, stdin=""):
    out = subprocess.run(
        [sys.executable, "-m", "scribeauth", *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_three_cli_modes(pool, unsigned, scribe, scribe_env):
    user = pool.user()
    base = ["--client_id", pool.client_id, "--user_pool_id", pool.id]
    printed = run_cli(scribe_env, *base, "--username", user, "--password", PASSWORD)
    assert "access_token" in printed and "id_token" in printed
    tokens = scribe.get_tokens(username=user, password=PASSWORD)
    printed = run_cli(scribe_env, *base, "--refresh_token", tokens["refresh_token"])
    assert "access_token" in printed and tokens["refresh_token"] in printed
    secret = unsigned.associate_software_token(AccessToken=tokens["access_token"])["SecretCode"]
    used = pyotp.TOTP(secret).now()
    unsigned.verify_software_token(AccessToken=tokens["access_token"], UserCode=used)
    unsigned.set_user_mfa_preference(AccessToken=tokens["access_token"], SoftwareTokenMfaSettings={"Enabled": True})
    code = next_totp(secret)
    printed = run_cli(scribe_env, *base, "--username", user, "--password", PASSWORD, stdin=code + "\n")
    assert "Enter MFA code" in printed and "access_token" in printed


def test_federated_identity_and_credentials(server, pool, scribe_env):
    identity_admin = server.client("cognito-identity")
    provider = f"cognito-idp.eu-west-2.amazonaws.com/{pool.id}"
    ip = identity_admin.create_identity_pool(
        IdentityPoolName="compat",
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": pool.client_id}],
    )["IdentityPoolId"]
    identity_admin.set_identity_pool_roles(IdentityPoolId=ip, Roles={"authenticated": "arn:aws:iam::000000000000:role/scribe-api"})
    user = pool.user()
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
