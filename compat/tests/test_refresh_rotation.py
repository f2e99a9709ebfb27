"""GetTokensFromRefreshToken with boto3: Cognito's refresh for clients whose refresh tokens rotate
(RefreshTokenRotation ENABLED, where REFRESH_TOKEN_AUTH is refused, as on Cognito) and for those
that do not. A rotated-out refresh token that comes back ends its whole family."""

import uuid

import pytest
from botocore.exceptions import ClientError
from warden_compat import PASSWORD, PUBLIC_FLOWS, client_error, secret_hash, verify_jwt


def rotating_pool(admin, **client_kw):
    pool_id = admin.create_user_pool(PoolName="rot-" + uuid.uuid4().hex[:6])["UserPool"]["Id"]
    client = admin.create_user_pool_client(
        UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=PUBLIC_FLOWS,
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}, **client_kw)["UserPoolClient"]
    assert client["RefreshTokenRotation"]["Feature"] == "ENABLED"
    name = "rot-" + uuid.uuid4().hex[:6]
    admin.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS",
                            TemporaryPassword="Temp-Passw0rd!")
    admin.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)
    return pool_id, client, name


def test_a_rotating_client_refreshes_with_get_tokens_from_refresh_token(server, admin, unsigned):
    pool_id, client, name = rotating_pool(admin)
    client_id = client["ClientId"]
    first = unsigned.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})["AuthenticationResult"]
    r0 = first["RefreshToken"]
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": r0})

    second = unsigned.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=r0)["AuthenticationResult"]
    r1 = second["RefreshToken"]
    assert r1 != r0 and second["TokenType"] == "Bearer" and second["ExpiresIn"] == first["ExpiresIn"]
    claims = verify_jwt(server, pool_id, second["IdToken"], "id", client_id)
    assert claims["cognito:username"] == name
    access = verify_jwt(server, pool_id, second["AccessToken"], "access", client_id)
    assert access["client_id"] == client_id
    assert unsigned.get_user(AccessToken=second["AccessToken"])["Username"] == name

    third = unsigned.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=r1)["AuthenticationResult"]
    r2 = third["RefreshToken"]
    assert r2 not in (r0, r1)

    # r0 was rotated out: it coming back means someone holds a copy, so the family ends.
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=r0)
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=r2)
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.get_user(AccessToken=third["AccessToken"])
    # A fresh sign-in is a new family and works.
    again = unsigned.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})["AuthenticationResult"]
    assert unsigned.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=again["RefreshToken"])


def test_a_non_rotating_client_keeps_its_refresh_token(server, pool, unsigned):
    name = pool.user()
    r = pool.sign_in(unsigned, name)["AuthenticationResult"]["RefreshToken"]
    for _ in range(2):
        got = unsigned.get_tokens_from_refresh_token(ClientId=pool.client_id, RefreshToken=r)["AuthenticationResult"]
        assert "RefreshToken" not in got
        assert verify_jwt(server, pool.id, got["IdToken"], "id", pool.client_id)["cognito:username"] == name
    # The same token still works with REFRESH_TOKEN_AUTH: one family, two ways in.
    assert unsigned.initiate_auth(ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                  AuthParameters={"REFRESH_TOKEN": r})["AuthenticationResult"]["AccessToken"]
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.get_tokens_from_refresh_token(ClientId=pool.client_id, RefreshToken="not-a-token")
    with pytest.raises(unsigned.exceptions.ResourceNotFoundException):
        unsigned.get_tokens_from_refresh_token(ClientId="nosuchclient123456789012", RefreshToken=r)


def test_a_confidential_client_presents_its_secret(server, admin, unsigned):
    pool_id, client, name = rotating_pool(admin, GenerateSecret=True)
    client_id, secret = client["ClientId"], client["ClientSecret"]
    first = unsigned.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD,
                        "SECRET_HASH": secret_hash(secret, name, client_id)})["AuthenticationResult"]
    r0 = first["RefreshToken"]
    for bad in ({}, {"ClientSecret": "wrong-" + secret}):
        with pytest.raises(ClientError) as err:
            unsigned.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=r0, **bad)
        assert client_error(err) == "NotAuthorizedException"
    # The refusals rotated nothing: r0 is still the current token.
    got = unsigned.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=r0,
                                                 ClientSecret=secret)["AuthenticationResult"]
    assert got["RefreshToken"] != r0


def test_a_client_without_the_refresh_flow_is_refused(server, admin, unsigned):
    pool_id, client, name = rotating_pool(admin)
    client_id = client["ClientId"]
    r0 = unsigned.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})["AuthenticationResult"]["RefreshToken"]
    admin.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
                                  RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0})
    with pytest.raises(unsigned.exceptions.InvalidParameterException):
        unsigned.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=r0)
