"""boto3 administers Warden as it would Cognito: SigV4-signed calls verified against Warden's
access keys, and every refused signature changes nothing."""

import datetime
import uuid
from unittest import mock

import boto3
import botocore
import pytest
from conftest import PASSWORD, REGION


def pool_names(admin):
    return {p["Name"] for p in admin.list_user_pools(MaxResults=60)["UserPools"]}


def test_pool_client_and_user_lifecycle(admin):
    name = "life-" + uuid.uuid4().hex[:6]
    pool = admin.create_user_pool(
        PoolName=name, Policies={"PasswordPolicy": {"MinimumLength": 10, "RequireSymbols": False}}
    )["UserPool"]
    assert pool["Id"].startswith(REGION + "_")
    described = admin.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    client = admin.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="svc",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        AccessTokenValidity=15,
        IdTokenValidity=15,
        RefreshTokenValidity=7,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
    )["UserPoolClient"]
    assert client["ClientSecret"]
    got = admin.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=client["ClientId"])["UserPoolClient"]
    assert got["ClientSecret"] == client["ClientSecret"] and got["AccessTokenValidity"] == 15
    assert [c["ClientId"] for c in admin.list_user_pool_clients(UserPoolId=pool["Id"])["UserPoolClients"]] == [client["ClientId"]]

    for i in range(5):
        admin.admin_create_user(
            UserPoolId=pool["Id"], Username=f"u{i}", TemporaryPassword="Temp-Passw0rd", MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": f"u{i}@example.com"}],
        )
    assert admin.admin_get_user(UserPoolId=pool["Id"], Username="u1")["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    names, token = [], None
    while True:
        kw = {"PaginationToken": token} if token else {}
        page = admin.list_users(UserPoolId=pool["Id"], Limit=2, **kw)
        names += [u["Username"] for u in page["Users"]]
        token = page.get("PaginationToken")
        if not token:
            break
    assert names == ["u0", "u1", "u2", "u3", "u4"]
    found = admin.list_users(UserPoolId=pool["Id"], Filter='email = "u3@example.com"')["Users"]
    assert [u["Username"] for u in found] == ["u3"]

    admin.admin_set_user_password(UserPoolId=pool["Id"], Username="u1", Password="Perm-Passw0rd", Permanent=True)
    import base64, hashlib, hmac

    secret_hash = base64.b64encode(
        hmac.new(client["ClientSecret"].encode(), ("u1" + client["ClientId"]).encode(), hashlib.sha256).digest()
    ).decode()
    auth = admin.admin_initiate_auth(
        UserPoolId=pool["Id"], ClientId=client["ClientId"], AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "u1", "PASSWORD": "Perm-Passw0rd", "SECRET_HASH": secret_hash},
    )["AuthenticationResult"]
    assert auth["ExpiresIn"] == 900
    with pytest.raises(admin.exceptions.NotAuthorizedException):
        admin.admin_initiate_auth(
            UserPoolId=pool["Id"], ClientId=client["ClientId"], AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "u1", "PASSWORD": "Perm-Passw0rd", "SECRET_HASH": "d3Jvbmc="},
        )
    admin.admin_user_global_sign_out(UserPoolId=pool["Id"], Username="u1")
    with pytest.raises(admin.exceptions.NotAuthorizedException):
        admin.admin_initiate_auth(
            UserPoolId=pool["Id"], ClientId=client["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": auth["RefreshToken"], "SECRET_HASH": secret_hash},
        )
    admin.admin_disable_user(UserPoolId=pool["Id"], Username="u1")
    assert admin.admin_get_user(UserPoolId=pool["Id"], Username="u1")["Enabled"] is False
    admin.admin_enable_user(UserPoolId=pool["Id"], Username="u1")
    admin.admin_delete_user(UserPoolId=pool["Id"], Username="u4")
    with pytest.raises(admin.exceptions.UserNotFoundException):
        admin.admin_get_user(UserPoolId=pool["Id"], Username="u4")
    admin.delete_user_pool_client(UserPoolId=pool["Id"], ClientId=client["ClientId"])
    admin.delete_user_pool(UserPoolId=pool["Id"])
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.describe_user_pool(UserPoolId=pool["Id"])


def test_bad_signatures_are_refused_and_change_nothing(server, admin):
    before = pool_names(admin)
    unsigned = server.client("cognito-idp", signed=False)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        unsigned.create_user_pool(PoolName="unsigned")
    assert err.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"
    stranger = server.client("cognito-idp", aws_access_key_id="AKIAUNKNOWNUNKNOWN00", aws_secret_access_key="x" * 40)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        stranger.create_user_pool(PoolName="stranger")
    assert err.value.response["Error"]["Code"] == "UnrecognizedClientException"
    forger = server.client("cognito-idp", aws_secret_access_key="not-the-secret-" + "x" * 20)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        forger.create_user_pool(PoolName="forged")
    assert err.value.response["Error"]["Code"] == "InvalidSignatureException"
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    with mock.patch("botocore.auth.get_current_datetime", return_value=old):
        with pytest.raises(botocore.exceptions.ClientError) as err:
            admin.create_user_pool(PoolName="stale")
    assert err.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert "expired" in err.value.response["Error"]["Message"].lower()
    assert pool_names(admin) == before, "nothing was created"


def test_identity_pool_admin(server):
    identity = server.client("cognito-identity")
    ip = identity.create_identity_pool(IdentityPoolName="adm", AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    assert identity.describe_identity_pool(IdentityPoolId=ip)["IdentityPoolName"] == "adm"
    identity.set_identity_pool_roles(IdentityPoolId=ip, Roles={"unauthenticated": "arn:aws:iam::000000000000:role/guest"})
    assert identity.get_identity_pool_roles(IdentityPoolId=ip)["Roles"] == {"unauthenticated": "arn:aws:iam::000000000000:role/guest"}
    assert ip in [p["IdentityPoolId"] for p in identity.list_identity_pools(MaxResults=60)["IdentityPools"]]
    identity.delete_identity_pool(IdentityPoolId=ip)
    with pytest.raises(identity.exceptions.ResourceNotFoundException):
        identity.describe_identity_pool(IdentityPoolId=ip)
