"""Bad input gets Cognito's error type, HTTP 400 (never a 5xx, which botocore would retry), a
request id, and changes nothing."""

import json

import boto3
import botocore
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config
from conftest import PASSWORD, REGION, Server

TARGET = "AWSCognitoIdentityProviderService."


def post(server, op, body, raw=None):
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if op is not None:
        headers["X-Amz-Target"] = op if "." in op else TARGET + op
    r = requests.post(server.url + "/", data=raw if raw is not None else json.dumps(body), headers=headers)
    assert r.headers.get("x-amzn-RequestId"), "every response carries a request id"
    assert r.status_code < 500, r.text
    return r


def error(r):
    assert r.status_code in (400, 413), r.text
    return r.json()["__type"]


def test_malformed_requests(server, pool):
    user = pool.user()
    assert error(post(server, "InitiateAuth", None, raw=b"{not json")) == "SerializationException"
    assert error(post(server, "FlyToTheMoon", {})) == "UnknownOperationException"
    assert error(post(server, None, {})) == "UnknownOperationException"
    assert error(post(server, "InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH"})) == "InvalidParameterException"
    wrong_type = {"ClientId": pool.client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": "USERNAME=x"}
    assert error(post(server, "InitiateAuth", wrong_type)) == "SerializationException"
    big = {"ClientId": "a" * (2 * 1024 * 1024)}
    assert error(post(server, "InitiateAuth", big)) == "InvalidParameterException"
    # Still works afterwards.
    ok = {"ClientId": pool.client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD}}
    assert post(server, "InitiateAuth", ok).status_code == 200


def test_sign_in_refusals(server, pool, admin, unsigned):
    user = pool.user()

    def sign_in(client_id, username, password):
        return unsigned.initiate_auth(
            ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": password}
        )

    with pytest.raises(unsigned.exceptions.NotAuthorizedException) as wrong:
        sign_in(pool.client_id, user, "Wrong-Passw0rd!")
    with pytest.raises(unsigned.exceptions.NotAuthorizedException) as unknown:
        sign_in(pool.client_id, "nobody-here", "Wrong-Passw0rd!")
    assert str(wrong.value) == str(unknown.value), "an unknown user looks like a wrong password"
    legacy = admin.create_user_pool_client(
        UserPoolId=pool.id, ClientName="legacy", PreventUserExistenceErrors="LEGACY", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    with pytest.raises(unsigned.exceptions.UserNotFoundException):
        sign_in(legacy, "nobody-here", "Wrong-Passw0rd!")
    no_password_flow = admin.create_user_pool_client(
        UserPoolId=pool.id, ClientName="srp-only", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"]
    )["UserPoolClient"]["ClientId"]
    with pytest.raises(unsigned.exceptions.InvalidParameterException):
        sign_in(no_password_flow, user, PASSWORD)
    secret_client = admin.create_user_pool_client(
        UserPoolId=pool.id, ClientName="confidential", GenerateSecret=True, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.initiate_auth(
            ClientId=secret_client, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD, "SECRET_HASH": "d3JvbmcgaGFzaA=="},
        )
    admin.admin_disable_user(UserPoolId=pool.id, Username=user)
    with pytest.raises(unsigned.exceptions.NotAuthorizedException, match="disabled"):
        sign_in(pool.client_id, user, PASSWORD)
    admin.admin_enable_user(UserPoolId=pool.id, Username=user)
    assert sign_in(pool.client_id, user, PASSWORD)["AuthenticationResult"]["AccessToken"]


def test_codes_and_tokens_that_no_longer_work(server, pool, unsigned):
    user = pool.user()
    tokens = unsigned.initiate_auth(
        ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD}
    )["AuthenticationResult"]
    unsigned.revoke_token(ClientId=pool.client_id, Token=tokens["RefreshToken"])
    with pytest.raises(unsigned.exceptions.NotAuthorizedException, match="revoked"):
        unsigned.get_user(AccessToken=tokens["AccessToken"])
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.initiate_auth(ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    with pytest.raises(unsigned.exceptions.ExpiredCodeException):
        unsigned.confirm_forgot_password(ClientId=pool.client_id, Username=user, ConfirmationCode="123456", Password="New-Passw0rd!")
    unsigned.forgot_password(ClientId=pool.client_id, Username=user)
    code = server.last_code(user, "forgot_password")
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(unsigned.exceptions.CodeMismatchException):
        unsigned.confirm_forgot_password(ClientId=pool.client_id, Username=user, ConfirmationCode=wrong, Password="New-Passw0rd!")
    unsigned.confirm_forgot_password(ClientId=pool.client_id, Username=user, ConfirmationCode=code, Password="New-Passw0rd!")
    with pytest.raises(unsigned.exceptions.ExpiredCodeException):
        unsigned.confirm_forgot_password(ClientId=pool.client_id, Username=user, ConfirmationCode=code, Password="Other-Passw0rd!")


def test_failed_sign_ins_are_throttled_once_per_call():
    """A dedicated server with a per-user limit of 3: botocore's retries of one call count once."""
    server = Server("sqlite", WARDEN_THROTTLE_PER_USER=3)
    try:
        admin = server.client("cognito-idp")
        pool = admin.create_user_pool(PoolName="throttle")["UserPool"]["Id"]
        client = admin.create_user_pool_client(UserPoolId=pool, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])[
            "UserPoolClient"
        ]["ClientId"]
        admin.admin_create_user(UserPoolId=pool, Username="kim", TemporaryPassword="Temp-Passw0rd!", MessageAction="SUPPRESS")
        admin.admin_set_user_password(UserPoolId=pool, Username="kim", Password=PASSWORD, Permanent=True)
        unsigned = boto3.client(
            "cognito-idp", region_name=REGION, endpoint_url=server.url,
            config=Config(signature_version=UNSIGNED, retries={"mode": "standard", "max_attempts": 3}),
        )

        def attempt(password):
            return unsigned.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "kim", "PASSWORD": password})

        for _ in range(3):
            with pytest.raises(unsigned.exceptions.NotAuthorizedException):
                attempt("Wrong-Passw0rd!")
        # Over the limit: LimitExceededException (botocore retried it 3 times with one invocation id).
        with pytest.raises(unsigned.exceptions.LimitExceededException) as err:
            attempt(PASSWORD)
        assert err.value.response["ResponseMetadata"].get("RetryAttempts", 0) >= 1
    finally:
        server.stop()
