"""boto3 administers Warden as it would Cognito: SigV4-signed calls verified against Warden's
access keys (the bootstrap key from WARDEN_ADMIN_ACCESS_KEY_ID/SECRET), and every refused
signature changes nothing."""

import datetime
import json
import uuid
from unittest import mock

import botocore
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from warden_compat import PASSWORD, PUBLIC_FLOWS, REGION, TARGET, client_error, error_type, secret_hash, verify_jwt


def all_pools(admin):
    """Every pool, following NextToken with a small page size."""
    pools, token = [], None
    while True:
        page = admin.list_user_pools(MaxResults=2, **({"NextToken": token} if token else {}))
        assert len(page["UserPools"]) <= 2
        pools += page["UserPools"]
        token = page.get("NextToken")
        if not token:
            return pools


def test_user_pool_lifecycle(admin):
    name = "life-" + uuid.uuid4().hex[:6]
    policy = {"MinimumLength": 10, "RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True, "RequireSymbols": False}
    created = admin.create_user_pool(
        PoolName=name,
        Policies={"PasswordPolicy": policy},
        MfaConfiguration="OFF",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
    )["UserPool"]
    pool_id = created["Id"]
    assert pool_id.startswith(REGION + "_") and created["Name"] == name
    described = admin.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    for key, value in policy.items():
        assert described["Policies"]["PasswordPolicy"][key] == value, key
    assert described["MfaConfiguration"] == "OFF"
    assert described["UsernameAttributes"] == ["email"] and described["AutoVerifiedAttributes"] == ["email"]
    assert described["Arn"].endswith(f":userpool/{pool_id}")
    other = admin.create_user_pool(PoolName=name + "-b", MfaConfiguration="OPTIONAL")["UserPool"]["Id"]
    assert admin.describe_user_pool(UserPoolId=other)["UserPool"]["MfaConfiguration"] == "OPTIONAL"

    listed = all_pools(admin)
    ids = [p["Id"] for p in listed]
    assert len(ids) == len(set(ids)), "pagination repeats no pool"
    assert {pool_id, other} <= set(ids)
    assert {p["Name"] for p in listed if p["Id"] in (pool_id, other)} == {name, name + "-b"}

    # The policy is enforced.
    admin.admin_create_user(UserPoolId=pool_id, Username="pat@example.com", TemporaryPassword="Temp-Passw0rd", MessageAction="SUPPRESS")
    with pytest.raises(admin.exceptions.InvalidPasswordException):
        admin.admin_set_user_password(UserPoolId=pool_id, Username="pat@example.com", Password="Sh0rt-pw", Permanent=True)
    with pytest.raises(admin.exceptions.InvalidParameterException):
        admin.create_user_pool(PoolName="bad-policy", Policies={"PasswordPolicy": {"MinimumLength": 100}})

    admin.delete_user_pool(UserPoolId=pool_id)
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.describe_user_pool(UserPoolId=pool_id)
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.delete_user_pool(UserPoolId=pool_id)
    remaining = {p["Id"] for p in all_pools(admin)}
    assert pool_id not in remaining and other in remaining
    assert "bad-policy" not in {p["Name"] for p in all_pools(admin)}
    admin.delete_user_pool(UserPoolId=other)


def test_app_client_lifecycle_and_token_lifetimes(server, admin, unsigned):
    pool_id = admin.create_user_pool(PoolName="clients-" + uuid.uuid4().hex[:6])["UserPool"]["Id"]
    confidential = admin.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="svc",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        AccessTokenValidity=15,
        IdTokenValidity=20,
        RefreshTokenValidity=7,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
        PreventUserExistenceErrors="LEGACY",
        EnableTokenRevocation=True,
    )["UserPoolClient"]
    cid, csecret = confidential["ClientId"], confidential["ClientSecret"]
    assert csecret and confidential["UserPoolId"] == pool_id
    got = admin.describe_user_pool_client(UserPoolId=pool_id, ClientId=cid)["UserPoolClient"]
    assert got["ClientSecret"] == csecret and got["ClientName"] == "svc"
    assert got["AccessTokenValidity"] == 15 and got["IdTokenValidity"] == 20 and got["RefreshTokenValidity"] == 7
    assert got["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}
    assert set(got["ExplicitAuthFlows"]) == {"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert got["PreventUserExistenceErrors"] == "LEGACY" and got["EnableTokenRevocation"] is True

    public = admin.create_user_pool_client(
        UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=PUBLIC_FLOWS, PreventUserExistenceErrors="ENABLED"
    )["UserPoolClient"]
    assert "ClientSecret" not in public
    assert admin.describe_user_pool_client(UserPoolId=pool_id, ClientId=public["ClientId"])["UserPoolClient"]["PreventUserExistenceErrors"] == "ENABLED"
    listed = admin.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    assert sorted((c["ClientId"], c["ClientName"]) for c in listed) == sorted([(cid, "svc"), (public["ClientId"], "app")])
    with pytest.raises(admin.exceptions.InvalidParameterException):
        admin.create_user_pool_client(UserPoolId=pool_id, ClientName="bad", ExplicitAuthFlows=["ALLOW_TELEPATHY"])
    assert len(admin.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]) == 2

    # The configured lifetimes are what the tokens carry.
    admin.admin_create_user(UserPoolId=pool_id, Username="svc-user", TemporaryPassword="Temp-Passw0rd!", MessageAction="SUPPRESS",
                            UserAttributes=[{"Name": "email", "Value": "svc-user@example.com"}])
    admin.admin_set_user_password(UserPoolId=pool_id, Username="svc-user", Password=PASSWORD, Permanent=True)
    result = admin.admin_initiate_auth(
        UserPoolId=pool_id, ClientId=cid, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "svc-user", "PASSWORD": PASSWORD, "SECRET_HASH": secret_hash(csecret, "svc-user", cid)},
    )["AuthenticationResult"]
    assert result["ExpiresIn"] == 900 and result["TokenType"] == "Bearer"
    verify_jwt(server, pool_id, result["AccessToken"], "access", cid, lifetime=900)
    verify_jwt(server, pool_id, result["IdToken"], "id", cid, lifetime=1200)

    admin.delete_user_pool_client(UserPoolId=pool_id, ClientId=cid)
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.describe_user_pool_client(UserPoolId=pool_id, ClientId=cid)
    with pytest.raises(unsigned.exceptions.ResourceNotFoundException):
        unsigned.initiate_auth(ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]})
    assert [c["ClientId"] for c in admin.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]] == [public["ClientId"]]
    admin.delete_user_pool(UserPoolId=pool_id)


def list_all_users(admin, pool_id, **kw):
    names, token = [], None
    while True:
        page = admin.list_users(UserPoolId=pool_id, Limit=2, **kw, **({"PaginationToken": token} if token else {}))
        assert len(page["Users"]) <= 2
        names += [u["Username"] for u in page["Users"]]
        token = page.get("PaginationToken")
        if not token:
            return names


def test_user_administration(server, admin, unsigned, pool):
    for i in range(5):
        created = admin.admin_create_user(
            UserPoolId=pool.id, Username=f"u{i}", TemporaryPassword="Temp-Passw0rd!", MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": f"u{i}@example.com"}],
        )["User"]
        assert created["Username"] == f"u{i}" and created["UserStatus"] == "FORCE_CHANGE_PASSWORD" and created["Enabled"] is True
    assert server.messages("u0", pool_id=pool.id) == [], "MessageAction SUPPRESS sends nothing"
    with pytest.raises(admin.exceptions.UsernameExistsException):
        admin.admin_create_user(UserPoolId=pool.id, Username="u1", TemporaryPassword="Temp-Passw0rd!", MessageAction="SUPPRESS")

    # Without SUPPRESS and without a temporary password, one is generated and sent.
    admin.admin_create_user(UserPoolId=pool.id, Username="welcome", UserAttributes=[{"Name": "email", "Value": "welcome@example.com"}])
    temporary = server.last_code("welcome", "admin_create_user", pool.id)
    assert server.messages("welcome", "admin_create_user", pool.id)[-1]["to"] == "welcome@example.com"
    challenge = pool.sign_in(unsigned, "welcome", temporary)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED" and "AuthenticationResult" not in challenge
    done = unsigned.respond_to_auth_challenge(
        ClientId=pool.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "welcome", "NEW_PASSWORD": "Welcome-Passw0rd!"},
    )
    assert done["AuthenticationResult"]["AccessToken"]
    assert admin.admin_get_user(UserPoolId=pool.id, Username="welcome")["UserStatus"] == "CONFIRMED"

    every = ["u0", "u1", "u2", "u3", "u4", "welcome"]
    assert sorted(list_all_users(admin, pool.id)) == every and len(list_all_users(admin, pool.id)) == len(every)
    found = admin.list_users(UserPoolId=pool.id, Filter='email = "u3@example.com"')["Users"]
    assert [u["Username"] for u in found] == ["u3"]
    assert {"Name": "email", "Value": "u3@example.com"} in found[0]["Attributes"]
    assert sorted(list_all_users(admin, pool.id, Filter='username ^= "u"')) == ["u0", "u1", "u2", "u3", "u4"]
    assert admin.list_users(UserPoolId=pool.id, Filter='email = "nobody@example.com"')["Users"] == []
    with pytest.raises(admin.exceptions.InvalidParameterException):
        admin.list_users(UserPoolId=pool.id, Filter="email is u3")

    # AdminSetUserPassword: permanent, then temporary again.
    admin.admin_set_user_password(UserPoolId=pool.id, Username="u1", Password=PASSWORD, Permanent=True)
    assert admin.admin_get_user(UserPoolId=pool.id, Username="u1")["UserStatus"] == "CONFIRMED"
    tokens = pool.sign_in(unsigned, "u1")["AuthenticationResult"]
    admin.admin_set_user_password(UserPoolId=pool.id, Username="u1", Password="Again-Temp-Passw0rd!", Permanent=False)
    assert admin.admin_get_user(UserPoolId=pool.id, Username="u1")["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert pool.sign_in(unsigned, "u1", "Again-Temp-Passw0rd!")["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        pool.sign_in(unsigned, "u1", PASSWORD)

    # Disable / enable.
    admin.admin_set_user_password(UserPoolId=pool.id, Username="u2", Password=PASSWORD, Permanent=True)
    tokens = pool.sign_in(unsigned, "u2")["AuthenticationResult"]
    admin.admin_disable_user(UserPoolId=pool.id, Username="u2")
    assert admin.admin_get_user(UserPoolId=pool.id, Username="u2")["Enabled"] is False
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        pool.sign_in(unsigned, "u2")
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.initiate_auth(ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    assert sorted(list_all_users(admin, pool.id, Filter='status = "Disabled"')) == ["u2"]
    admin.admin_enable_user(UserPoolId=pool.id, Username="u2")
    assert admin.admin_get_user(UserPoolId=pool.id, Username="u2")["Enabled"] is True
    assert pool.sign_in(unsigned, "u2")["AuthenticationResult"]["AccessToken"]

    # AdminResetUserPassword: RESET_REQUIRED, a code in the outbox, ConfirmForgotPassword.
    admin.admin_set_user_password(UserPoolId=pool.id, Username="u3", Password=PASSWORD, Permanent=True)
    before = len(server.messages("u3", "forgot_password", pool.id))
    admin.admin_reset_user_password(UserPoolId=pool.id, Username="u3")
    assert admin.admin_get_user(UserPoolId=pool.id, Username="u3")["UserStatus"] == "RESET_REQUIRED"
    with pytest.raises(unsigned.exceptions.PasswordResetRequiredException):
        pool.sign_in(unsigned, "u3")
    code = server.last_code("u3", "forgot_password", pool.id, after=before)
    unsigned.confirm_forgot_password(ClientId=pool.client_id, Username="u3", ConfirmationCode=code, Password="Reset-Passw0rd!")
    assert admin.admin_get_user(UserPoolId=pool.id, Username="u3")["UserStatus"] == "CONFIRMED"
    assert pool.sign_in(unsigned, "u3", "Reset-Passw0rd!")["AuthenticationResult"]["AccessToken"]

    got = admin.admin_get_user(UserPoolId=pool.id, Username="u3")
    attrs = {a["Name"]: a["Value"] for a in got["UserAttributes"]}
    assert attrs["email"] == "u3@example.com" and len(attrs["sub"]) == 36
    # As on Cognito, an admin call may name the user by sub (either case) instead of username.
    for name in (attrs["sub"], attrs["sub"].upper()):
        assert admin.admin_get_user(UserPoolId=pool.id, Username=name)["Username"] == "u3"
    admin.admin_disable_user(UserPoolId=pool.id, Username=attrs["sub"])
    assert admin.admin_get_user(UserPoolId=pool.id, Username="u3")["Enabled"] is False
    admin.admin_enable_user(UserPoolId=pool.id, Username=attrs["sub"])
    with pytest.raises(admin.exceptions.UserNotFoundException):
        admin.admin_get_user(UserPoolId=pool.id, Username=str(uuid.uuid4()))
    other_pool = admin.create_user_pool(PoolName="sub-" + uuid.uuid4().hex[:6])["UserPool"]["Id"]
    with pytest.raises(admin.exceptions.UserNotFoundException):
        admin.admin_get_user(UserPoolId=other_pool, Username=attrs["sub"])

    admin.admin_delete_user(UserPoolId=pool.id, Username="u4")
    with pytest.raises(admin.exceptions.UserNotFoundException):
        admin.admin_get_user(UserPoolId=pool.id, Username="u4")
    with pytest.raises(admin.exceptions.UserNotFoundException):
        admin.admin_delete_user(UserPoolId=pool.id, Username="u4")
    assert "u4" not in list_all_users(admin, pool.id)
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.admin_get_user(UserPoolId=REGION + "_nosuchpool", Username="u1")


def test_admin_initiate_auth_and_global_sign_outs(server, admin, unsigned, pool, user):
    def admin_sign_in(password=PASSWORD):
        return admin.admin_initiate_auth(
            UserPoolId=pool.id, ClientId=pool.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": password},
        )

    first = admin_sign_in()["AuthenticationResult"]
    verify_jwt(server, pool.id, first["AccessToken"], "access", pool.client_id)
    verify_jwt(server, pool.id, first["IdToken"], "id", pool.client_id)
    assert first["ExpiresIn"] == 1800
    refreshed = admin.admin_initiate_auth(
        UserPoolId=pool.id, ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]}
    )["AuthenticationResult"]
    assert refreshed["AccessToken"] != first["AccessToken"]
    second = pool.sign_in(unsigned, user)["AuthenticationResult"]
    with pytest.raises(admin.exceptions.NotAuthorizedException):
        admin_sign_in("Wrong-Passw0rd!")

    admin.admin_user_global_sign_out(UserPoolId=pool.id, Username=user)
    for tokens in (first, second):
        with pytest.raises(unsigned.exceptions.NotAuthorizedException):
            unsigned.initiate_auth(ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
        with pytest.raises(unsigned.exceptions.NotAuthorizedException):
            unsigned.get_user(AccessToken=tokens["AccessToken"])
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.get_user(AccessToken=refreshed["AccessToken"])

    # Signing in again works; the user's own GlobalSignOut (unsigned, with an access token) too.
    third = admin_sign_in()["AuthenticationResult"]
    assert unsigned.get_user(AccessToken=third["AccessToken"])["Username"] == user
    unsigned.global_sign_out(AccessToken=third["AccessToken"])
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.initiate_auth(ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": third["RefreshToken"]})
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.get_user(AccessToken=third["AccessToken"])
    with pytest.raises(admin.exceptions.UserNotFoundException):
        admin.admin_user_global_sign_out(UserPoolId=pool.id, Username="nobody-" + user)


def signed_post(server, op, body, key_id=None, secret=None, when=None, mutate=None):
    """A raw POST / signed by botocore's SigV4Auth (optionally as of `when`); `mutate(data,
    headers)` may change the request after signing."""
    data = json.dumps(body)
    req = AWSRequest(method="POST", url=server.url + "/", data=data,
                     headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + op})
    signer = SigV4Auth(Credentials(key_id or server.key_id, secret or server.secret), "cognito-idp", REGION)
    if when is not None:
        with mock.patch("botocore.auth.get_current_datetime", return_value=when):
            signer.add_auth(req)
    else:
        signer.add_auth(req)
    headers = dict(req.headers.items())
    if mutate:
        data, headers = mutate(data, headers)
    r = requests.post(server.url + "/", data=data, headers=headers, timeout=30)
    assert r.headers.get("x-amzn-RequestId") and r.status_code < 500, (r.status_code, r.text)
    return r


def test_bad_signatures_are_refused_and_change_nothing(server, admin):
    before = {p["Id"] for p in all_pools(admin)}
    refused = lambda code: "refused-" + code  # noqa: E731  (a pool name per attempt)

    unsigned = server.client("cognito-idp", signed=False)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        unsigned.create_user_pool(PoolName=refused("unsigned"))
    assert client_error(err) == "MissingAuthenticationTokenException"
    stranger = server.client("cognito-idp", key_id="AKIAUNKNOWNUNKNOWN00", secret="x" * 40)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        stranger.create_user_pool(PoolName=refused("stranger"))
    assert client_error(err) == "UnrecognizedClientException"
    forger = server.client("cognito-idp", secret="not-the-secret-" + "x" * 20)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        forger.create_user_pool(PoolName=refused("forged"))
    assert client_error(err) == "InvalidSignatureException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 403)
    old = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(minutes=20)
    with mock.patch("botocore.auth.get_current_datetime", return_value=old):
        with pytest.raises(botocore.exceptions.ClientError) as err:
            admin.create_user_pool(PoolName=refused("stale"))
    assert client_error(err) == "InvalidSignatureException"
    message = err.value.response["Error"]["Message"].lower()
    assert "expired" in message or "date" in message, message

    # The same through raw requests: a correctly signed call passes (the control)...
    ok = signed_post(server, "ListUserPools", {"MaxResults": 1})
    assert ok.status_code == 200, ok.text
    # ...and each alteration after signing is caught.
    body = {"PoolName": refused("raw")}
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    cases = {
        "stale date": dict(when=now - datetime.timedelta(minutes=20)),
        "future date": dict(when=now + datetime.timedelta(minutes=20)),
        "body changed": dict(mutate=lambda d, h: (d.replace("refused-raw", "refused-raw2"), h)),
        "target changed": dict(mutate=lambda d, h: (d, {**h, "X-Amz-Target": TARGET + "DeleteUserPool"})),
        "date header changed": dict(mutate=lambda d, h: (d, {**h, "X-Amz-Date": (now - datetime.timedelta(minutes=1)).strftime("%Y%m%dT%H%M%SZ")})),
        "wrong secret": dict(secret="wrong-secret-" + "y" * 20),
    }
    for what, kw in cases.items():
        r = signed_post(server, "CreateUserPool", body, **kw)
        assert error_type(r, (400, 403)) == "InvalidSignatureException", what
    r = signed_post(server, "CreateUserPool", body, key_id="AKIANOSUCHKEY0000000")
    assert error_type(r, (400, 403)) == "UnrecognizedClientException"
    r = signed_post(server, "CreateUserPool", body, mutate=lambda d, h: (d, {**h, "Authorization": "AWS4-HMAC-SHA256 garbage"}))
    assert error_type(r, (400, 403)) in ("IncompleteSignatureException", "InvalidSignatureException")
    r = signed_post(server, "CreateUserPool", body, mutate=lambda d, h: (d, {k: v for k, v in h.items() if k != "Authorization"}))
    assert error_type(r, (400, 403)) == "MissingAuthenticationTokenException"

    after = all_pools(admin)
    assert {p["Id"] for p in after} == before, "nothing was created"
    assert not [p for p in after if p["Name"].startswith("refused-")]


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
