"""Bad input gets Cognito's error type with HTTP 400 (never a 5xx, which botocore would retry), a
request id, and changes nothing."""

import uuid

import pytest
from botocore.exceptions import ClientError
from warden_compat import PASSWORD, client_error, error_type, secret_hash


def pool_ids(admin):
    return {p["Id"] for p in admin.list_user_pools(MaxResults=60)["UserPools"]}


def test_malformed_requests(server, admin, pool, user):
    before = pool_ids(admin)
    ok = {"ClientId": pool.client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD}}

    assert error_type(server.post("InitiateAuth", raw=b"{not json")) == "SerializationException"
    assert error_type(server.post("InitiateAuth", raw=b"\xff\xfe\x00garbage")) == "SerializationException"
    assert error_type(server.post("InitiateAuth", raw=b"[1, 2, 3]")) in ("SerializationException", "InvalidParameterException")
    assert error_type(server.post("FlyToTheMoon", {})) == "UnknownOperationException"
    assert error_type(server.post("SomeOtherService.InitiateAuth", ok)) == "UnknownOperationException"
    missing_target = server.post(None, ok)
    assert error_type(missing_target) in ("UnknownOperationException", "MissingActionException", "InvalidActionException")
    assert "AuthenticationResult" not in missing_target.text

    # Missing required members.
    assert error_type(server.post("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": ok["AuthParameters"]})) == "InvalidParameterException"
    assert error_type(server.post("InitiateAuth", {"ClientId": pool.client_id, "AuthParameters": ok["AuthParameters"]})) == "InvalidParameterException"
    no_password = dict(ok, AuthParameters={"USERNAME": user})
    assert error_type(server.post("InitiateAuth", no_password)) == "InvalidParameterException"
    assert error_type(server.post("ConfirmForgotPassword", {"ClientId": pool.client_id, "Username": user})) == "InvalidParameterException"
    # Wrong JSON types.
    for wrong in (
        dict(ok, AuthParameters="USERNAME=x"),
        dict(ok, ClientId=12345),
        dict(ok, AuthParameters={"USERNAME": user, "PASSWORD": ["a", "b"]}),
    ):
        assert error_type(server.post("InitiateAuth", wrong)) in ("SerializationException", "InvalidParameterException"), wrong
    # Unknown AuthFlow.
    assert error_type(server.post("InitiateAuth", dict(ok, AuthFlow="MAGIC_AUTH"))) == "InvalidParameterException"
    # An unknown client.
    assert error_type(server.post("InitiateAuth", dict(ok, ClientId="nosuchclient000000000000"))) == "ResourceNotFoundException"
    # Over 1 MiB: refused before parsing.
    big = server.post("InitiateAuth", dict(ok, ClientId="a" * (2 * 1024 * 1024)))
    assert error_type(big, (400, 413))
    # An admin call without a signature, however well formed.
    assert error_type(server.post("CreateUserPool", {"PoolName": "raw-unsigned"})) == "MissingAuthenticationTokenException"

    # Nothing changed: the same user still signs in with a plain request, no pool appeared.
    r = server.post("InitiateAuth", ok)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-amz-json-1.1")
    assert r.json()["AuthenticationResult"]["AccessToken"]
    assert pool_ids(admin) == before


def test_sign_in_refusals(server, pool, user, admin, unsigned):
    with pytest.raises(unsigned.exceptions.NotAuthorizedException) as wrong:
        pool.sign_in(unsigned, user, "Wrong-Passw0rd!")
    with pytest.raises(unsigned.exceptions.NotAuthorizedException) as unknown:
        pool.sign_in(unsigned, "nobody-" + user, "Wrong-Passw0rd!")
    assert str(wrong.value) == str(unknown.value), "an unknown user looks like a wrong password"
    assert pool.sign_in(unsigned, user)["AuthenticationResult"]["AccessToken"]

    legacy = admin.create_user_pool_client(
        UserPoolId=pool.id, ClientName="legacy", PreventUserExistenceErrors="LEGACY", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    with pytest.raises(unsigned.exceptions.UserNotFoundException):
        pool.sign_in(unsigned, "nobody-" + user, client_id=legacy)
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        pool.sign_in(unsigned, user, "Wrong-Passw0rd!", client_id=legacy)
    assert pool.sign_in(unsigned, user, client_id=legacy)["AuthenticationResult"]["AccessToken"]

    srp_only = admin.create_user_pool_client(
        UserPoolId=pool.id, ClientName="srp-only", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    with pytest.raises(unsigned.exceptions.InvalidParameterException):
        pool.sign_in(unsigned, user, client_id=srp_only)
    with pytest.raises(admin.exceptions.InvalidParameterException):
        admin.admin_initiate_auth(UserPoolId=pool.id, ClientId=srp_only, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD})

    confidential = admin.create_user_pool_client(
        UserPoolId=pool.id, ClientName="confidential", GenerateSecret=True, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]
    cid, csecret = confidential["ClientId"], confidential["ClientSecret"]
    for bad in ({"SECRET_HASH": "d3JvbmcgaGFzaA=="}, {}, {"SECRET_HASH": secret_hash(csecret, "someone-else", cid)}):
        with pytest.raises(unsigned.exceptions.NotAuthorizedException):
            pool.sign_in(unsigned, user, client_id=cid, **bad)
    good = pool.sign_in(unsigned, user, client_id=cid, SECRET_HASH=secret_hash(csecret, user, cid))["AuthenticationResult"]
    assert good["AccessToken"] and good["RefreshToken"]

    admin.admin_disable_user(UserPoolId=pool.id, Username=user)
    with pytest.raises(unsigned.exceptions.NotAuthorizedException, match="(?i)disabled"):
        pool.sign_in(unsigned, user)
    admin.admin_enable_user(UserPoolId=pool.id, Username=user)
    assert pool.sign_in(unsigned, user)["AuthenticationResult"]["AccessToken"]
    assert admin.admin_get_user(UserPoolId=pool.id, Username=user)["UserStatus"] == "CONFIRMED"


def test_codes_and_tokens_that_no_longer_work(server, pool, user, unsigned, admin):
    tokens = pool.sign_in(unsigned, user)["AuthenticationResult"]
    assert unsigned.revoke_token(ClientId=pool.client_id, Token=tokens["RefreshToken"]) is not None
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.get_user(AccessToken=tokens["AccessToken"])
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.initiate_auth(ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.get_user(AccessToken="not.a.token")
    # A code never requested.
    with pytest.raises(unsigned.exceptions.ExpiredCodeException):
        unsigned.confirm_forgot_password(ClientId=pool.client_id, Username=user, ConfirmationCode="123456", Password="New-Passw0rd!")

    unsigned.forgot_password(ClientId=pool.client_id, Username=user)
    code = server.last_code(user, "forgot_password", pool.id)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(unsigned.exceptions.CodeMismatchException):
        unsigned.confirm_forgot_password(ClientId=pool.client_id, Username=user, ConfirmationCode=wrong, Password="New-Passw0rd!")
    assert pool.sign_in(unsigned, user)["AuthenticationResult"], "a wrong code changes nothing"
    unsigned.confirm_forgot_password(ClientId=pool.client_id, Username=user, ConfirmationCode=code, Password="New-Passw0rd!")
    with pytest.raises(unsigned.exceptions.ExpiredCodeException):
        unsigned.confirm_forgot_password(ClientId=pool.client_id, Username=user, ConfirmationCode=code, Password="Other-Passw0rd!")
    assert pool.sign_in(unsigned, user, "New-Passw0rd!")["AuthenticationResult"], "a reused code changes nothing"

    # Too many wrong guesses drop the code: the right one no longer works either.
    unsigned.forgot_password(ClientId=pool.client_id, Username=user)
    code = server.last_code(user, "forgot_password", pool.id, after=1)
    wrong = "000000" if code != "000000" else "111111"
    outcomes = []
    for _ in range(6):
        with pytest.raises(ClientError) as err:
            unsigned.confirm_forgot_password(ClientId=pool.client_id, Username=user, ConfirmationCode=wrong, Password="Guess-Passw0rd!")
        outcomes.append(client_error(err))
    assert outcomes[0] == "CodeMismatchException" and set(outcomes) <= {"CodeMismatchException", "ExpiredCodeException", "LimitExceededException"}
    with pytest.raises(ClientError) as err:
        unsigned.confirm_forgot_password(ClientId=pool.client_id, Username=user, ConfirmationCode=code, Password="Guess-Passw0rd!")
    assert client_error(err) in ("ExpiredCodeException", "LimitExceededException", "CodeMismatchException")
    assert pool.sign_in(unsigned, user, "New-Passw0rd!")["AuthenticationResult"], "the password is unchanged"


def test_forgot_password_for_unknown_users(server, pool, admin, unsigned):
    ghost = "ghost-" + uuid.uuid4().hex[:8]
    # PreventUserExistenceErrors (the default): the same answer as for a real user, nothing sent.
    sent = unsigned.forgot_password(ClientId=pool.client_id, Username=ghost)["CodeDeliveryDetails"]
    assert sent["DeliveryMedium"] == "EMAIL"
    assert server.messages(ghost) == []
    with pytest.raises(unsigned.exceptions.CodeMismatchException):
        unsigned.confirm_forgot_password(ClientId=pool.client_id, Username=ghost, ConfirmationCode="123456", Password="New-Passw0rd!")
    legacy = admin.create_user_pool_client(UserPoolId=pool.id, ClientName="legacy", PreventUserExistenceErrors="LEGACY")["UserPoolClient"]["ClientId"]
    with pytest.raises(unsigned.exceptions.UserNotFoundException):
        unsigned.forgot_password(ClientId=legacy, Username=ghost)


def test_sign_up_and_confirmation_codes(server, pool, admin, unsigned):
    name = "signup-" + uuid.uuid4().hex[:8]
    out = unsigned.sign_up(ClientId=pool.client_id, Username=name, Password=PASSWORD,
                           UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])
    assert out["UserConfirmed"] is False and len(out["UserSub"]) == 36
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    first = server.last_code(name, "sign_up", pool.id)
    with pytest.raises(unsigned.exceptions.UsernameExistsException):
        unsigned.sign_up(ClientId=pool.client_id, Username=name, Password=PASSWORD)
    with pytest.raises(unsigned.exceptions.InvalidPasswordException):
        unsigned.sign_up(ClientId=pool.client_id, Username=name + "-weak", Password="weak")
    with pytest.raises(unsigned.exceptions.UserNotConfirmedException):
        pool.sign_in(unsigned, name)
    assert admin.admin_get_user(UserPoolId=pool.id, Username=name)["UserStatus"] == "UNCONFIRMED"

    unsigned.resend_confirmation_code(ClientId=pool.client_id, Username=name)
    second = server.last_code(name, "sign_up", pool.id, after=1)
    wrong = "000000" if second != "000000" else "111111"
    with pytest.raises(unsigned.exceptions.CodeMismatchException):
        unsigned.confirm_sign_up(ClientId=pool.client_id, Username=name, ConfirmationCode=wrong)
    if first != second:
        with pytest.raises(ClientError) as err:
            unsigned.confirm_sign_up(ClientId=pool.client_id, Username=name, ConfirmationCode=first)
        assert client_error(err) in ("CodeMismatchException", "ExpiredCodeException"), "a resent code replaces the first"
    assert admin.admin_get_user(UserPoolId=pool.id, Username=name)["UserStatus"] == "UNCONFIRMED"
    unsigned.confirm_sign_up(ClientId=pool.client_id, Username=name, ConfirmationCode=second)
    got = admin.admin_get_user(UserPoolId=pool.id, Username=name)
    assert got["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in got["UserAttributes"]
    assert pool.sign_in(unsigned, name)["AuthenticationResult"]["AccessToken"]
    # Confirming again: the user is confirmed already. PreventUserExistenceErrors (the default)
    # answers as for a name no user has: a wrong code, a code "sent" that is not.
    with pytest.raises(unsigned.exceptions.CodeMismatchException):
        unsigned.confirm_sign_up(ClientId=pool.client_id, Username=name, ConfirmationCode=second)
    sent = unsigned.resend_confirmation_code(ClientId=pool.client_id, Username=name)["CodeDeliveryDetails"]
    assert sent["Destination"] == f"{name[0]}***@e***"
    assert len(server.messages(name, "sign_up", pool.id)) == 2, "no code for a confirmed user"
    # A LEGACY client says what happened.
    legacy = admin.create_user_pool_client(UserPoolId=pool.id, ClientName="legacy", PreventUserExistenceErrors="LEGACY")["UserPoolClient"]["ClientId"]
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.confirm_sign_up(ClientId=legacy, Username=name, ConfirmationCode=second)
    with pytest.raises(unsigned.exceptions.InvalidParameterException):
        unsigned.resend_confirmation_code(ClientId=legacy, Username=name)


def test_repeated_wrong_passwords_are_throttled(start_server):
    """A dedicated server with a per-user limit of 3 (and a lowered argon2 cost: the shared server
    keeps the defaults). Over the limit, Cognito's NotAuthorizedException "Password attempts
    exceeded", which botocore does not retry, even with the right password."""
    server = start_server(WARDEN_THROTTLE_PER_USER=3, WARDEN_ARGON2_MEMORY_KIB=1024, WARDEN_ARGON2_ITERATIONS=1)
    admin = server.client("cognito-idp")
    pool_id = admin.create_user_pool(PoolName="throttle")["UserPool"]["Id"]
    client = admin.create_user_pool_client(UserPoolId=pool_id, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    for name in ("kim", "lee"):
        admin.admin_create_user(UserPoolId=pool_id, Username=name, TemporaryPassword="Temp-Passw0rd!", MessageAction="SUPPRESS")
        admin.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)
    unsigned = server.client("cognito-idp", signed=False, retries={"mode": "standard", "max_attempts": 3})

    def attempt(username, password):
        return unsigned.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": password})

    assert attempt("kim", PASSWORD)["AuthenticationResult"]
    for _ in range(3):
        with pytest.raises(unsigned.exceptions.NotAuthorizedException):
            attempt("kim", "Wrong-Passw0rd!")
    # Over the limit: refused even with the right password, and not retried.
    with pytest.raises(unsigned.exceptions.NotAuthorizedException) as err:
        attempt("kim", PASSWORD)
    assert err.value.response["Error"]["Message"] == "Password attempts exceeded"
    assert err.value.response["ResponseMetadata"].get("RetryAttempts", 0) == 0
    # Nothing else changed: another user signs in, the throttled user is still CONFIRMED and enabled.
    assert attempt("lee", PASSWORD)["AuthenticationResult"]["AccessToken"]
    got = admin.admin_get_user(UserPoolId=pool_id, Username="kim")
    assert got["UserStatus"] == "CONFIRMED" and got["Enabled"] is True


def test_failures_from_one_source_are_throttled(start_server):
    """A dedicated server with a per-source limit of 4: failures for many (unknown) users from
    127.0.0.1 end in TooManyRequestsException for everyone from there."""
    server = start_server(WARDEN_THROTTLE_PER_SOURCE=4, WARDEN_THROTTLE_PER_USER=100)
    admin = server.client("cognito-idp")
    pool_id = admin.create_user_pool(PoolName="sources")["UserPool"]["Id"]
    client = admin.create_user_pool_client(UserPoolId=pool_id, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    admin.admin_create_user(UserPoolId=pool_id, Username="kim", TemporaryPassword="Temp-Passw0rd!", MessageAction="SUPPRESS")
    admin.admin_set_user_password(UserPoolId=pool_id, Username="kim", Password=PASSWORD, Permanent=True)
    unsigned = server.client("cognito-idp", signed=False, retries={"mode": "standard", "max_attempts": 1})

    def attempt(username, password):
        return unsigned.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": password})

    for i in range(4):
        with pytest.raises(unsigned.exceptions.NotAuthorizedException):
            attempt(f"nobody-{i}", "Wrong-Passw0rd!")
    with pytest.raises(unsigned.exceptions.TooManyRequestsException):
        attempt("kim", PASSWORD)
    # Signed admin calls still work, and changed nothing.
    assert admin.admin_get_user(UserPoolId=pool_id, Username="kim")["UserStatus"] == "CONFIRMED"
