"""User-pool groups through boto3 as with Cognito: CreateGroup/GetGroup/ListGroups/UpdateGroup/
DeleteGroup and the membership operations, Cognito's refusals (which change nothing), and
`cognito:groups` in the tokens scribeauth and boto3's initiate_auth get, checked with PyJWT
against the pool's JWKS."""

import pytest
from warden_compat import PASSWORD, client_error, verify_jwt

ROLE_A = "arn:aws:iam::123456789012:role/Admins"
ROLE_B = "arn:aws:iam::123456789012:role/Staff"


def group_names(groups):
    return [g["GroupName"] for g in groups]


def all_groups(admin, pool_id):
    pages = admin.get_paginator("list_groups").paginate(UserPoolId=pool_id, PaginationConfig={"PageSize": 1})
    return [g for page in pages for g in page["Groups"]]


def test_group_operations_and_refusals(admin, pool):
    created = admin.create_group(
        GroupName="admins", UserPoolId=pool.id, Description="The admins", Precedence=1, RoleArn=ROLE_A
    )["Group"]
    assert created["GroupName"] == "admins" and created["UserPoolId"] == pool.id
    assert (created["Description"], created["Precedence"], created["RoleArn"]) == ("The admins", 1, ROLE_A)
    # botocore parses the dates as datetimes.
    assert created["CreationDate"].year >= 2024 and created["LastModifiedDate"] >= created["CreationDate"]
    assert admin.get_group(GroupName="admins", UserPoolId=pool.id)["Group"] == created
    bare = admin.create_group(GroupName="bare", UserPoolId=pool.id)["Group"]
    assert not {"Description", "Precedence", "RoleArn"} & set(bare)
    admin.create_group(GroupName="staff", UserPoolId=pool.id, Precedence=5, RoleArn=ROLE_B)

    # boto3's paginator walks ListGroups with Limit/NextToken.
    assert group_names(all_groups(admin, pool.id)) == ["admins", "bare", "staff"]
    page = admin.list_groups(UserPoolId=pool.id, Limit=2)
    assert group_names(page["Groups"]) == ["admins", "bare"] and page["NextToken"]
    rest = admin.list_groups(UserPoolId=pool.id, Limit=2, NextToken=page["NextToken"])
    assert group_names(rest["Groups"]) == ["staff"]

    # Refusals change nothing.
    before = all_groups(admin, pool.id)
    with pytest.raises(admin.exceptions.GroupExistsException):
        admin.create_group(GroupName="admins", UserPoolId=pool.id, Precedence=9)
    for bad in ({"GroupName": "two words"}, {"GroupName": "x" * 129}, {"GroupName": "ok", "Description": "d" * 2049},
                {"GroupName": "ok", "RoleArn": "arn:aws:iam::123456789012:role/with space"}):
        with pytest.raises(admin.exceptions.InvalidParameterException):
            admin.create_group(UserPoolId=pool.id, **bad)
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.create_group(GroupName="ok", UserPoolId="eu-west-2_nope")
    with pytest.raises(admin.exceptions.InvalidParameterException):
        admin.list_groups(UserPoolId=pool.id, Limit=61)
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.update_group(GroupName="ghost", UserPoolId=pool.id, Precedence=1)
    assert all_groups(admin, pool.id) == before

    # UpdateGroup changes what it is given and keeps the rest.
    updated = admin.update_group(GroupName="admins", UserPoolId=pool.id, Precedence=0)["Group"]
    assert (updated["Precedence"], updated["Description"], updated["RoleArn"]) == (0, "The admins", ROLE_A)
    assert admin.get_group(GroupName="admins", UserPoolId=pool.id)["Group"] == updated

    admin.delete_group(GroupName="bare", UserPoolId=pool.id)
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.get_group(GroupName="bare", UserPoolId=pool.id)
    with pytest.raises(admin.exceptions.ResourceNotFoundException) as err:
        admin.delete_group(GroupName="bare", UserPoolId=pool.id)
    assert client_error(err) == "ResourceNotFoundException"
    assert group_names(all_groups(admin, pool.id)) == ["admins", "staff"]


def test_memberships_and_refusals(admin, pool):
    alice, bob = pool.user(), pool.user()
    for name in ("admins", "staff"):
        admin.create_group(GroupName=name, UserPoolId=pool.id)
    admin.admin_add_user_to_group(UserPoolId=pool.id, Username=alice, GroupName="staff")
    admin.admin_add_user_to_group(UserPoolId=pool.id, Username=alice, GroupName="staff")  # idempotent
    admin.admin_add_user_to_group(UserPoolId=pool.id, Username=alice, GroupName="admins")
    admin.admin_add_user_to_group(UserPoolId=pool.id, Username=bob, GroupName="staff")

    mine = admin.admin_list_groups_for_user(UserPoolId=pool.id, Username=alice)["Groups"]
    assert group_names(mine) == ["admins", "staff"]
    pages = admin.get_paginator("admin_list_groups_for_user").paginate(
        UserPoolId=pool.id, Username=alice, PaginationConfig={"PageSize": 1})
    assert [g["GroupName"] for p in pages for g in p["Groups"]] == ["admins", "staff"]
    users = admin.list_users_in_group(UserPoolId=pool.id, GroupName="staff")["Users"]
    assert sorted(u["Username"] for u in users) == sorted([alice, bob])
    assert all(u["UserStatus"] == "CONFIRMED" and u["Enabled"] for u in users)
    pages = admin.get_paginator("list_users_in_group").paginate(
        UserPoolId=pool.id, GroupName="staff", PaginationConfig={"PageSize": 1})
    assert sorted(u["Username"] for p in pages for u in p["Users"]) == sorted([alice, bob])

    snapshot = (group_names(admin.admin_list_groups_for_user(UserPoolId=pool.id, Username=alice)["Groups"]),
                admin.list_users_in_group(UserPoolId=pool.id, GroupName="staff")["Users"])
    with pytest.raises(admin.exceptions.UserNotFoundException):
        admin.admin_add_user_to_group(UserPoolId=pool.id, Username="nobody", GroupName="staff")
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.admin_add_user_to_group(UserPoolId=pool.id, Username=alice, GroupName="ghost")
    with pytest.raises(admin.exceptions.UserNotFoundException):
        admin.admin_remove_user_from_group(UserPoolId=pool.id, Username="nobody", GroupName="staff")
    with pytest.raises(admin.exceptions.UserNotFoundException):
        admin.admin_list_groups_for_user(UserPoolId=pool.id, Username="nobody")
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.list_users_in_group(UserPoolId=pool.id, GroupName="ghost")
    assert snapshot == (group_names(admin.admin_list_groups_for_user(UserPoolId=pool.id, Username=alice)["Groups"]),
                        admin.list_users_in_group(UserPoolId=pool.id, GroupName="staff")["Users"])

    admin.admin_remove_user_from_group(UserPoolId=pool.id, Username=alice, GroupName="staff")
    assert group_names(admin.admin_list_groups_for_user(UserPoolId=pool.id, Username=alice)["Groups"]) == ["admins"]
    assert [u["Username"] for u in admin.list_users_in_group(UserPoolId=pool.id, GroupName="staff")["Users"]] == [bob]


def test_tokens_carry_cognito_groups(server, admin, pool, unsigned, scribe):
    user = pool.user()
    tokens = scribe.get_tokens(username=user, password=PASSWORD)
    idt = verify_jwt(server, pool.id, tokens["id_token"], "id", pool.client_id)
    assert "cognito:groups" not in idt, "no group, no claim"

    admin.create_group(GroupName="readers", UserPoolId=pool.id)  # no precedence: last
    admin.create_group(GroupName="writers", UserPoolId=pool.id, Precedence=5, RoleArn=ROLE_B)
    admin.create_group(GroupName="admins", UserPoolId=pool.id, Precedence=1, RoleArn=ROLE_A)
    for name in ("readers", "writers", "admins"):
        admin.admin_add_user_to_group(UserPoolId=pool.id, Username=user, GroupName=name)

    # scribeauth's sign-in: both tokens name the groups, by precedence; the id token their roles.
    tokens = scribe.get_tokens(username=user, password=PASSWORD)
    idt = verify_jwt(server, pool.id, tokens["id_token"], "id", pool.client_id)
    access = verify_jwt(server, pool.id, tokens["access_token"], "access", pool.client_id)
    assert idt["cognito:groups"] == ["admins", "writers", "readers"]
    assert access["cognito:groups"] == ["admins", "writers", "readers"]
    assert idt["cognito:roles"] == [ROLE_A, ROLE_B] and idt["cognito:preferred_role"] == ROLE_A
    assert "cognito:roles" not in access

    # boto3's initiate_auth gets the same; a refresh picks up a membership change.
    result = pool.sign_in(unsigned, user)["AuthenticationResult"]
    idt = verify_jwt(server, pool.id, result["IdToken"], "id", pool.client_id)
    assert idt["cognito:groups"] == ["admins", "writers", "readers"]
    admin.admin_remove_user_from_group(UserPoolId=pool.id, Username=user, GroupName="admins")
    refreshed = scribe.get_tokens(refresh_token=tokens["refresh_token"])
    idt = verify_jwt(server, pool.id, refreshed["id_token"], "id", pool.client_id)
    assert idt["cognito:groups"] == ["writers", "readers"]
    assert idt["cognito:preferred_role"] == ROLE_B
    refreshed = unsigned.initiate_auth(ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                       AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]})
    access = verify_jwt(server, pool.id, refreshed["AuthenticationResult"]["AccessToken"], "access", pool.client_id)
    assert access["cognito:groups"] == ["writers", "readers"]
