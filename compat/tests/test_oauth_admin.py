"""boto3 administers the OAuth side of Warden as it would Cognito's: resource servers and the
OAuth members of Create/Update/DescribeUserPoolClient, with Cognito's refusals (which change
nothing)."""

import uuid

import pytest
from warden_compat import client_error


def new_pool(admin):
    return admin.create_user_pool(PoolName="oauth-" + uuid.uuid4().hex[:8])["UserPool"]["Id"]


def scopes(*names):
    return [{"ScopeName": n, "ScopeDescription": f"{n} access"} for n in names]


def test_resource_servers(admin):
    pool_id = new_pool(admin)
    created = admin.create_resource_server(UserPoolId=pool_id, Identifier="api", Name="API", Scopes=scopes("read", "write"))
    rs = created["ResourceServer"]
    assert rs == {"UserPoolId": pool_id, "Identifier": "api", "Name": "API", "Scopes": scopes("read", "write")}
    assert admin.describe_resource_server(UserPoolId=pool_id, Identifier="api")["ResourceServer"] == rs
    for ident in ("https://files.example.com", "zeta"):
        admin.create_resource_server(UserPoolId=pool_id, Identifier=ident, Name="Other", Scopes=scopes("get"))

    # boto3's paginator, and plain pages with and without MaxResults.
    pages = admin.get_paginator("list_resource_servers").paginate(UserPoolId=pool_id, PaginationConfig={"PageSize": 2})
    walked = [s["Identifier"] for page in pages for s in page["ResourceServers"]]
    assert walked == ["api", "https://files.example.com", "zeta"]
    assert [s["Identifier"] for s in admin.list_resource_servers(UserPoolId=pool_id)["ResourceServers"]] == walked
    first = admin.list_resource_servers(UserPoolId=pool_id, MaxResults=1)
    assert len(first["ResourceServers"]) == 1 and first["NextToken"]
    with pytest.raises(admin.exceptions.InvalidParameterException):
        admin.list_resource_servers(UserPoolId=pool_id, MaxResults=51)

    # Update replaces the name and the scopes.
    updated = admin.update_resource_server(UserPoolId=pool_id, Identifier="api", Name="API v2", Scopes=scopes("admin"))
    assert updated["ResourceServer"]["Name"] == "API v2" and updated["ResourceServer"]["Scopes"] == scopes("admin")
    assert admin.describe_resource_server(UserPoolId=pool_id, Identifier="api")["ResourceServer"] == updated["ResourceServer"]

    # Refusals change nothing.
    before = admin.list_resource_servers(UserPoolId=pool_id, MaxResults=50)["ResourceServers"]
    with pytest.raises(admin.exceptions.InvalidParameterException):
        admin.create_resource_server(UserPoolId=pool_id, Identifier="api", Name="Again")
    with pytest.raises(admin.exceptions.InvalidParameterException):
        admin.create_resource_server(UserPoolId=pool_id, Identifier="dup", Name="Dup", Scopes=scopes("read", "read"))
    with pytest.raises(admin.exceptions.InvalidParameterException):
        admin.update_resource_server(UserPoolId=pool_id, Identifier="api", Name="X", Scopes=scopes("a/b"))
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.update_resource_server(UserPoolId=pool_id, Identifier="nope", Name="X")
    assert admin.list_resource_servers(UserPoolId=pool_id, MaxResults=50)["ResourceServers"] == before

    admin.delete_resource_server(UserPoolId=pool_id, Identifier="zeta")
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.describe_resource_server(UserPoolId=pool_id, Identifier="zeta")
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.delete_resource_server(UserPoolId=pool_id, Identifier="zeta")
    with pytest.raises(admin.exceptions.ResourceNotFoundException):
        admin.list_resource_servers(UserPoolId="eu-west-2_doesnotexist", MaxResults=5)
    admin.delete_user_pool(UserPoolId=pool_id)


def test_user_pool_client_oauth_fields(admin):
    pool_id = new_pool(admin)
    admin.create_resource_server(UserPoolId=pool_id, Identifier="veda-server", Name="VEDA", Scopes=scopes("stac:write", "raster:read"))

    web = admin.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email", "veda-server/raster:read"],
        CallbackURLs=["https://app.example/cb", "http://localhost:8080/cb"],
        LogoutURLs=["https://app.example/"],
        DefaultRedirectURI="https://app.example/cb",
        SupportedIdentityProviders=["COGNITO"],
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0},
    )["UserPoolClient"]
    assert web["AllowedOAuthFlowsUserPoolClient"] is True
    assert web["AllowedOAuthFlows"] == ["code"]
    assert web["AllowedOAuthScopes"] == ["openid", "email", "veda-server/raster:read"]
    assert web["CallbackURLs"] == ["https://app.example/cb", "http://localhost:8080/cb"]
    assert web["LogoutURLs"] == ["https://app.example/"]
    assert web["DefaultRedirectURI"] == "https://app.example/cb"
    assert web["SupportedIdentityProviders"] == ["COGNITO"]
    assert web["RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}
    described = admin.describe_user_pool_client(UserPoolId=pool_id, ClientId=web["ClientId"])["UserPoolClient"]
    assert described == web

    # VEDA's service client: a secret, client_credentials, the resource server's scopes.
    svc = admin.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="svc",
        GenerateSecret=True,
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=["veda-server/stac:write", "veda-server/raster:read"],
    )["UserPoolClient"]
    assert svc["ClientSecret"] and svc["AllowedOAuthFlows"] == ["client_credentials"]
    assert "CallbackURLs" not in svc

    # UpdateUserPoolClient: what is not given goes back to its default.
    updated = admin.update_user_pool_client(
        UserPoolId=pool_id,
        ClientId=web["ClientId"],
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code", "implicit"],
        AllowedOAuthScopes=["openid"],
        CallbackURLs=["https://new.example/cb"],
    )["UserPoolClient"]
    assert updated["ClientName"] == "web", "the name is kept"
    assert updated["AllowedOAuthFlows"] == ["code", "implicit"] and updated["AllowedOAuthScopes"] == ["openid"]
    assert updated["CallbackURLs"] == ["https://new.example/cb"]
    assert "LogoutURLs" not in updated and "DefaultRedirectURI" not in updated
    assert updated["RefreshTokenRotation"]["Feature"] == "DISABLED"
    assert admin.describe_user_pool_client(UserPoolId=pool_id, ClientId=web["ClientId"])["UserPoolClient"] == updated
    admin.delete_user_pool(UserPoolId=pool_id)


def test_oauth_refusals_are_cognitos_and_change_nothing(admin):
    pool_id = new_pool(admin)
    admin.create_resource_server(UserPoolId=pool_id, Identifier="api", Name="API", Scopes=scopes("read"))
    svc = dict(
        UserPoolId=pool_id, ClientName="svc", GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=["api/read"],
    )
    web = dict(
        UserPoolId=pool_id, ClientName="web", AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid"], CallbackURLs=["https://app.example/cb"],
    )
    refused = [
        ({**svc, "AllowedOAuthFlows": ["client_credentials", "code"], "CallbackURLs": ["https://app.example/cb"]}, "InvalidOAuthFlowException"),
        ({**svc, "GenerateSecret": False}, "InvalidOAuthFlowException"),
        ({**svc, "AllowedOAuthScopes": ["api/read", "openid"]}, "InvalidOAuthFlowException"),
        ({**web, "CallbackURLs": []}, "InvalidOAuthFlowException"),
        ({**web, "AllowedOAuthScopes": ["api/delete"]}, "ScopeDoesNotExistException"),
        ({**web, "AllowedOAuthScopes": ["Cognito"]}, "ScopeDoesNotExistException"),
        ({**web, "AllowedOAuthFlows": []}, "InvalidParameterException"),
        ({**web, "AllowedOAuthFlowsUserPoolClient": False}, "InvalidParameterException"),
        ({**web, "CallbackURLs": ["http://app.example/cb"]}, "InvalidParameterException"),
        ({**web, "CallbackURLs": ["https://app.example/cb#fragment"]}, "InvalidParameterException"),
    ]
    for kwargs, code in refused:
        with pytest.raises(admin.exceptions.ClientError) as err:
            admin.create_user_pool_client(**kwargs)
        assert client_error(err) == code, kwargs
        assert err.value.response["Error"]["Message"], kwargs
    assert admin.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"] == []

    # The same refusals on update leave the client as it was.
    client_id = admin.create_user_pool_client(**web)["UserPoolClient"]["ClientId"]
    before = admin.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    for kwargs, code in refused:
        update = {k: v for k, v in kwargs.items() if k != "GenerateSecret"}
        with pytest.raises(admin.exceptions.ClientError) as err:
            admin.update_user_pool_client(ClientId=client_id, **update)
        assert client_error(err) == code, kwargs
        assert admin.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"] == before, kwargs

    # boto3 knows the modelled exceptions by class.
    with pytest.raises(admin.exceptions.ScopeDoesNotExistException):
        admin.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, **{k: v for k, v in web.items() if k != "UserPoolId"} | {"AllowedOAuthScopes": ["nope/read"]})
    with pytest.raises(admin.exceptions.InvalidOAuthFlowException):
        admin.create_user_pool_client(**{**svc, "GenerateSecret": False})
    admin.delete_user_pool(UserPoolId=pool_id)
