"""Attributes after sign-up, with boto3 as a Cognito user would: AdminUpdateUserAttributes,
AdminDeleteUserAttributes, AdminConfirmSignUp, AdminCreateUser RESEND, and the self-service
UpdateUserAttributes, GetUserAttributeVerificationCode, VerifyUserAttribute,
DeleteUserAttributes and DeleteUser. Every refusal changes nothing."""

import uuid

import pytest
from warden_compat import PASSWORD, PUBLIC_FLOWS, verify_jwt


def attrs(admin, pool_id, username):
    got = admin.admin_get_user(UserPoolId=pool_id, Username=username)
    return {a["Name"]: a["Value"] for a in got["UserAttributes"]}


def test_admin_attribute_changes(admin, pool, user):
    admin.admin_update_user_attributes(UserPoolId=pool.id, Username=user, UserAttributes=[
        {"Name": "email_verified", "Value": "true"}, {"Name": "name", "Value": "Kim Lee"},
        {"Name": "custom:team", "Value": "blue"}])
    got = attrs(admin, pool.id, user)
    assert got["name"] == "Kim Lee" and got["custom:team"] == "blue" and got["email_verified"] == "true"

    # A new address is unverified unless the same call verifies it.
    admin.admin_update_user_attributes(UserPoolId=pool.id, Username=user,
                                       UserAttributes=[{"Name": "email", "Value": "new@example.com"}])
    got = attrs(admin, pool.id, user)
    assert got["email"] == "new@example.com" and got["email_verified"] == "false"
    admin.admin_update_user_attributes(UserPoolId=pool.id, Username=user, UserAttributes=[
        {"Name": "email", "Value": "newer@example.com"}, {"Name": "email_verified", "Value": "true"}])
    assert attrs(admin, pool.id, user)["email_verified"] == "true"

    before = attrs(admin, pool.id, user)
    for bad in ([{"Name": "sub", "Value": "x"}], [{"Name": "cognito:groups", "Value": "admin"}],
                [{"Name": "email", "Value": "not an address"}]):
        with pytest.raises(admin.exceptions.InvalidParameterException):
            admin.admin_update_user_attributes(UserPoolId=pool.id, Username=user, UserAttributes=bad)
    with pytest.raises(admin.exceptions.UserNotFoundException):
        admin.admin_update_user_attributes(UserPoolId=pool.id, Username="nobody-" + uuid.uuid4().hex[:6],
                                           UserAttributes=[{"Name": "name", "Value": "x"}])
    assert attrs(admin, pool.id, user) == before, "refusals changed nothing"

    admin.admin_delete_user_attributes(UserPoolId=pool.id, Username=user, UserAttributeNames=["custom:team", "email"])
    got = attrs(admin, pool.id, user)
    assert "custom:team" not in got and "email" not in got and "email_verified" not in got and got["name"] == "Kim Lee"
    with pytest.raises(admin.exceptions.InvalidParameterException):
        admin.admin_delete_user_attributes(UserPoolId=pool.id, Username=user, UserAttributeNames=["sub"])


def test_an_address_another_user_signs_in_with_is_refused(server, admin):
    pool_id = admin.create_user_pool(PoolName="alias-" + uuid.uuid4().hex[:6], UsernameAttributes=["email"])[
        "UserPool"]["Id"]
    for name in ("a@example.com", "b@example.com"):
        admin.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS",
                                TemporaryPassword="Temp-Passw0rd!", UserAttributes=[{"Name": "email", "Value": name}])
    with pytest.raises(admin.exceptions.AliasExistsException):
        admin.admin_update_user_attributes(UserPoolId=pool_id, Username="b@example.com",
                                           UserAttributes=[{"Name": "email", "Value": "a@example.com"}])
    with pytest.raises(admin.exceptions.InvalidParameterException):
        admin.admin_delete_user_attributes(UserPoolId=pool_id, Username="a@example.com", UserAttributeNames=["email"])
    assert attrs(admin, pool_id, "b@example.com")["email"] == "b@example.com"
    assert attrs(admin, pool_id, "a@example.com")["email"] == "a@example.com"


def test_admin_confirm_sign_up(server, admin, unsigned, pool):
    name = "signup-" + uuid.uuid4().hex[:6]
    unsigned.sign_up(ClientId=pool.client_id, Username=name, Password=PASSWORD,
                     UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])
    with pytest.raises(unsigned.exceptions.UserNotConfirmedException):
        pool.sign_in(unsigned, name)
    admin.admin_confirm_sign_up(UserPoolId=pool.id, Username=name)
    assert admin.admin_get_user(UserPoolId=pool.id, Username=name)["UserStatus"] == "CONFIRMED"
    assert pool.sign_in(unsigned, name)["AuthenticationResult"]["AccessToken"]
    # Confirmed by an administrator, the self-asserted address is still unproven: no reset code,
    # and (PreventUserExistenceErrors) the answer is the one any user gets.
    assert attrs(admin, pool.id, name)["email_verified"] == "false"
    sent = unsigned.forgot_password(ClientId=pool.client_id, Username=name)["CodeDeliveryDetails"]
    assert sent["Destination"] == f"{name[0]}***@e***"
    assert not server.messages(name, "forgot_password", pool.id)
    with pytest.raises(admin.exceptions.NotAuthorizedException):
        admin.admin_confirm_sign_up(UserPoolId=pool.id, Username=name)


def test_a_sign_up_code_confirms_only_the_address_it_was_sent_to(server, admin, unsigned, pool):
    name = "bound-" + uuid.uuid4().hex[:6]
    unsigned.sign_up(ClientId=pool.client_id, Username=name, Password=PASSWORD,
                     UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])
    first = server.last_code(name, "sign_up", pool.id)
    admin.admin_update_user_attributes(UserPoolId=pool.id, Username=name,
                                       UserAttributes=[{"Name": "email", "Value": f"{name}@other.example.com"}])
    with pytest.raises(unsigned.exceptions.CodeMismatchException):
        unsigned.confirm_sign_up(ClientId=pool.client_id, Username=name, ConfirmationCode=first)
    assert admin.admin_get_user(UserPoolId=pool.id, Username=name)["UserStatus"] == "UNCONFIRMED"
    unsigned.resend_confirmation_code(ClientId=pool.client_id, Username=name)
    second = server.last_code(name, "sign_up", pool.id, after=1)
    assert server.messages(name, "sign_up", pool.id)[-1]["to"] == f"{name}@other.example.com"
    unsigned.confirm_sign_up(ClientId=pool.client_id, Username=name, ConfirmationCode=second)
    got = attrs(admin, pool.id, name)
    assert got["email"] == f"{name}@other.example.com" and got["email_verified"] == "true"


def test_admin_create_user_resend(server, admin, unsigned, pool):
    name = "invite-" + uuid.uuid4().hex[:6]
    admin.admin_create_user(UserPoolId=pool.id, Username=name,
                            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])
    first = server.last_code(name, "admin_create_user", pool.id)
    resent = admin.admin_create_user(UserPoolId=pool.id, Username=name, MessageAction="RESEND")["User"]
    assert resent["Username"] == name and resent["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    second = server.last_code(name, "admin_create_user", pool.id, after=1)
    assert second != first
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        pool.sign_in(unsigned, name, first)
    assert pool.sign_in(unsigned, name, second)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"

    confirmed = pool.user()
    with pytest.raises(admin.exceptions.UnsupportedUserStateException):
        admin.admin_create_user(UserPoolId=pool.id, Username=confirmed, MessageAction="RESEND")
    with pytest.raises(admin.exceptions.UserNotFoundException):
        admin.admin_create_user(UserPoolId=pool.id, Username="nobody-" + uuid.uuid4().hex[:6], MessageAction="RESEND")


def test_self_service_attributes_and_email_verification(server, admin, unsigned):
    pool_id = admin.create_user_pool(PoolName="self-" + uuid.uuid4().hex[:6], AutoVerifiedAttributes=["email"])[
        "UserPool"]["Id"]
    client_id = admin.create_user_pool_client(UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=PUBLIC_FLOWS)[
        "UserPoolClient"]["ClientId"]
    name = "self-" + uuid.uuid4().hex[:6]
    admin.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS",
                            TemporaryPassword="Temp-Passw0rd!", UserAttributes=[
                                {"Name": "email", "Value": f"{name}@example.com"},
                                {"Name": "email_verified", "Value": "true"}])
    admin.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)

    def sign_in():
        return unsigned.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})["AuthenticationResult"]

    access = sign_in()["AccessToken"]
    sent = unsigned.update_user_attributes(AccessToken=access, UserAttributes=[
        {"Name": "email", "Value": f"{name}@new.example.com"}, {"Name": "given_name", "Value": "Sam"}])
    assert [d["AttributeName"] for d in sent["CodeDeliveryDetailsList"]] == ["email"]
    # The address that could recover the account is told it no longer can.
    notice = server.messages(name, "email_changed", pool_id)
    assert [m["to"] for m in notice] == [f"{name}@example.com"]
    with pytest.raises(unsigned.exceptions.InvalidParameterException):
        unsigned.update_user_attributes(AccessToken=access, UserAttributes=[])
    got = attrs(admin, pool_id, name)
    assert got["email"] == f"{name}@new.example.com" and got["email_verified"] == "false" and got["given_name"] == "Sam"
    with pytest.raises(unsigned.exceptions.InvalidParameterException):
        unsigned.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email_verified", "Value": "true"}])
    # Until the new address is proven no reset code goes to it: a stolen access token could
    # otherwise change the address and then reset the password. (PreventUserExistenceErrors: the
    # answer is the one any user gets; nothing is sent.)
    unsigned.forgot_password(ClientId=client_id, Username=name)
    with pytest.raises(admin.exceptions.InvalidParameterException):
        admin.admin_reset_user_password(UserPoolId=pool_id, Username=name)
    assert not server.messages(name, "forgot_password", pool_id)
    assert admin.admin_get_user(UserPoolId=pool_id, Username=name)["UserStatus"] == "CONFIRMED"
    assert unsigned.get_user(AccessToken=access)["Username"] == name, "the refused reset signed nobody out"

    code = server.last_code(name, "verify_email", pool_id)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(unsigned.exceptions.CodeMismatchException):
        unsigned.verify_user_attribute(AccessToken=access, AttributeName="email", Code=wrong)
    unsigned.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    assert attrs(admin, pool_id, name)["email_verified"] == "true"
    tokens = sign_in()
    claims = verify_jwt(server, pool_id, tokens["IdToken"], "id", client_id)
    assert claims["email"] == f"{name}@new.example.com" and claims["email_verified"] is True
    sent = unsigned.forgot_password(ClientId=client_id, Username=name)["CodeDeliveryDetails"]
    assert sent["AttributeName"] == "email"
    assert server.last_code(name, "forgot_password", pool_id)
    assert server.messages(name, "forgot_password", pool_id)[-1]["to"] == f"{name}@new.example.com"

    # A code sent to one address does not verify another the user changed to.
    unsigned.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    stale = server.last_code(name, "verify_email", pool_id, after=1)
    unsigned.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": f"{name}@third.example.com"}])
    with pytest.raises(unsigned.exceptions.CodeMismatchException):
        unsigned.verify_user_attribute(AccessToken=access, AttributeName="email", Code=stale)
    assert attrs(admin, pool_id, name)["email_verified"] == "false"

    unsigned.delete_user_attributes(AccessToken=access, UserAttributeNames=["given_name"])
    assert "given_name" not in attrs(admin, pool_id, name)
    # Deleting the recovery address is a change of it too: the address is told.
    proven = attrs(admin, pool_id, name)["email"]
    admin.admin_update_user_attributes(UserPoolId=pool_id, Username=name,
                                       UserAttributes=[{"Name": "email_verified", "Value": "true"}])
    unsigned.delete_user_attributes(AccessToken=access, UserAttributeNames=["email"])
    assert "email" not in attrs(admin, pool_id, name)
    assert server.messages(name, "email_changed", pool_id)[-1]["to"] == proven

    refresh = tokens["RefreshToken"]
    unsigned.delete_user(AccessToken=access)
    with pytest.raises(admin.exceptions.UserNotFoundException):
        admin.admin_get_user(UserPoolId=pool_id, Username=name)
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh})
    with pytest.raises(unsigned.exceptions.NotAuthorizedException):
        unsigned.get_user(AccessToken=access)
