//! The OAuth side of Cognito administration: resource servers, the OAuth members of
//! Create/Describe/UpdateUserPoolClient, and Cognito's refusals, each of which changes nothing.

use crate::common::*;
use serde_json::{json, Value};
use warden_core::service::oauth::{Grant, PresentedClient, TokenRequest};

async fn pool(c: &Cognito) -> String {
    let p = c.admin("CreateUserPool", json!({ "PoolName": "oauth" })).await.ok();
    p["UserPool"]["Id"].as_str().unwrap().to_owned()
}

async fn api_server(c: &Cognito, pool: &str) -> Value {
    c.admin(
        "CreateResourceServer",
        json!({ "UserPoolId": pool, "Identifier": "api", "Name": "The API",
                "Scopes": [{ "ScopeName": "read", "ScopeDescription": "Read things" },
                           { "ScopeName": "write", "ScopeDescription": "Write things" }] }),
    )
    .await
    .ok()
}

async fn servers(c: &Cognito, pool: &str) -> Value {
    c.admin("ListResourceServers", json!({ "UserPoolId": pool, "MaxResults": 50 })).await.ok()["ResourceServers"]
        .clone()
}

async fn client_count(c: &Cognito, pool: &str) -> usize {
    c.admin("ListUserPoolClients", json!({ "UserPoolId": pool, "MaxResults": 60 })).await.ok()["UserPoolClients"]
        .as_array()
        .unwrap()
        .len()
}

async fn describe_client(c: &Cognito, pool: &str, client: &str) -> Value {
    c.admin("DescribeUserPoolClient", json!({ "UserPoolId": pool, "ClientId": client })).await.ok()["UserPoolClient"]
        .clone()
}

/// `base` with `extra`'s members laid over it.
fn with(base: &Value, extra: Value) -> Value {
    let mut v = base.clone();
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

both_backends!(resource_server_lifecycle, |app| {
    let c = Cognito::new(&app);
    let pool = pool(&c).await;
    let created = api_server(&c, &pool).await;
    let rs = &created["ResourceServer"];
    assert_eq!(rs["UserPoolId"], pool.as_str());
    assert_eq!(rs["Identifier"], "api");
    assert_eq!(rs["Name"], "The API");
    assert_eq!(
        rs["Scopes"],
        json!([{ "ScopeName": "read", "ScopeDescription": "Read things" },
                                     { "ScopeName": "write", "ScopeDescription": "Write things" }])
    );
    let described = c.admin("DescribeResourceServer", json!({ "UserPoolId": pool, "Identifier": "api" })).await.ok();
    assert_eq!(described["ResourceServer"], *rs);

    // An identifier may be a URL; a server may have no scopes.
    let url = "https://files.example.com";
    let files =
        c.admin("CreateResourceServer", json!({ "UserPoolId": pool, "Identifier": url, "Name": "Files" })).await.ok();
    assert_eq!(files["ResourceServer"]["Scopes"], json!([]));
    c.admin("CreateResourceServer", json!({ "UserPoolId": pool, "Identifier": "zeta", "Name": "Z" })).await.ok();

    // Listing: MaxResults is optional; NextToken walks the pages in identifier order.
    let all = c.admin("ListResourceServers", json!({ "UserPoolId": pool })).await.ok();
    let ids: Vec<&str> =
        all["ResourceServers"].as_array().unwrap().iter().map(|s| s["Identifier"].as_str().unwrap()).collect();
    assert_eq!(ids, ["api", url, "zeta"]);
    assert!(all.get("NextToken").is_none());
    let mut walked = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut req = json!({ "UserPoolId": pool, "MaxResults": 1 });
        if let Some(t) = &token {
            req["NextToken"] = json!(t);
        }
        let page = c.admin("ListResourceServers", req).await.ok();
        let items = page["ResourceServers"].as_array().unwrap();
        assert!(items.len() <= 1);
        walked.extend(items.iter().map(|s| s["Identifier"].as_str().unwrap().to_owned()));
        match page.get("NextToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(walked, ids);
    for bad in [0, 51] {
        c.admin("ListResourceServers", json!({ "UserPoolId": pool, "MaxResults": bad }))
            .await
            .err("InvalidParameterException");
    }
    c.admin("ListResourceServers", json!({ "UserPoolId": pool, "NextToken": "!!" }))
        .await
        .err("InvalidParameterException");

    // Update replaces the name and the scopes.
    let updated = c
        .admin(
            "UpdateResourceServer",
            json!({ "UserPoolId": pool, "Identifier": "api", "Name": "Renamed",
                    "Scopes": [{ "ScopeName": "admin", "ScopeDescription": "Everything" }] }),
        )
        .await
        .ok();
    assert_eq!(updated["ResourceServer"]["Name"], "Renamed");
    assert_eq!(
        updated["ResourceServer"]["Scopes"],
        json!([{ "ScopeName": "admin", "ScopeDescription": "Everything" }])
    );
    let described = c.admin("DescribeResourceServer", json!({ "UserPoolId": pool, "Identifier": "api" })).await.ok();
    assert_eq!(described["ResourceServer"], updated["ResourceServer"]);
    c.admin("UpdateResourceServer", json!({ "UserPoolId": pool, "Identifier": "nope", "Name": "N" }))
        .await
        .err("ResourceNotFoundException");

    // Delete.
    c.admin("DeleteResourceServer", json!({ "UserPoolId": pool, "Identifier": "zeta" })).await.ok();
    c.admin("DescribeResourceServer", json!({ "UserPoolId": pool, "Identifier": "zeta" }))
        .await
        .err("ResourceNotFoundException");
    c.admin("DeleteResourceServer", json!({ "UserPoolId": pool, "Identifier": "zeta" }))
        .await
        .err("ResourceNotFoundException");
    assert_eq!(servers(&c, &pool).await.as_array().unwrap().len(), 2);

    // Unknown pools, and the signature every admin call needs.
    let ghost = "eu-west-2_doesnotexist";
    c.admin("CreateResourceServer", json!({ "UserPoolId": ghost, "Identifier": "api", "Name": "A" }))
        .await
        .err("ResourceNotFoundException");
    c.admin("ListResourceServers", json!({ "UserPoolId": ghost, "MaxResults": 5 }))
        .await
        .err("ResourceNotFoundException");
    c.call("ListResourceServers", json!({ "UserPoolId": pool, "MaxResults": 5 }))
        .await
        .err("MissingAuthenticationTokenException");

    // Deleting the pool takes its servers.
    c.admin("DeleteUserPool", json!({ "UserPoolId": pool })).await.ok();
    c.admin("DescribeResourceServer", json!({ "UserPoolId": pool, "Identifier": "api" }))
        .await
        .err("ResourceNotFoundException");
    app.stop().await;
});

both_backends!(resource_server_refusals_change_nothing, |app| {
    let c = Cognito::new(&app);
    let pool = pool(&c).await;
    api_server(&c, &pool).await;
    let before = servers(&c, &pool).await;
    let scope = |n: &str, d: &str| json!({ "ScopeName": n, "ScopeDescription": d });
    let base = json!({ "UserPoolId": pool, "Identifier": "new", "Name": "New" });
    let refused = [
        (with(&base, json!({ "Identifier": "api" })), "InvalidParameterException"),
        (with(&base, json!({ "Identifier": "has space" })), "InvalidParameterException"),
        (with(&base, json!({ "Identifier": "" })), "InvalidParameterException"),
        (json!({ "UserPoolId": pool, "Identifier": "new" }), "InvalidParameterException"),
        (with(&base, json!({ "Scopes": [scope("read", "")] })), "InvalidParameterException"),
        (with(&base, json!({ "Scopes": [scope("re/ad", "x")] })), "InvalidParameterException"),
        (with(&base, json!({ "Scopes": [scope("read", "a"), scope("read", "b")] })), "InvalidParameterException"),
        (with(&base, json!({ "Scopes": [{ "ScopeName": "read" }] })), "InvalidParameterException"),
        (with(&base, json!({ "Scopes": "read" })), "SerializationException"),
    ];
    for (body, kind) in refused {
        let r = c.admin("CreateResourceServer", body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert_eq!(r.error_type(), kind, "{body}: {}", r.body);
        assert_eq!(servers(&c, &pool).await, before, "{body} changed nothing");
    }
    let update = json!({ "UserPoolId": pool, "Identifier": "api", "Name": "Changed" });
    for body in [
        with(&update, json!({ "Scopes": [scope("read", "a"), scope("read", "b")] })),
        with(&update, json!({ "Scopes": [scope("", "a")] })),
        with(&update, json!({ "Name": "" })),
    ] {
        c.admin("UpdateResourceServer", body.clone()).await.err("InvalidParameterException");
        assert_eq!(servers(&c, &pool).await, before, "{body} changed nothing");
    }
    app.stop().await;
});

both_backends!(oauth_clients_create_describe_update, |app| {
    let c = Cognito::new(&app);
    let pool = pool(&c).await;
    api_server(&c, &pool).await;

    // A web app: the code grant with standard and custom scopes.
    let web = c
        .admin(
            "CreateUserPoolClient",
            json!({
                "UserPoolId": pool, "ClientName": "web",
                "AllowedOAuthFlowsUserPoolClient": true,
                "AllowedOAuthFlows": ["code"],
                "AllowedOAuthScopes": ["openid", "email", "profile", "api/read"],
                "CallbackURLs": ["https://app.example/cb", "http://localhost:3000/cb"],
                "LogoutURLs": ["https://app.example/bye"],
                "DefaultRedirectURI": "https://app.example/cb",
                "SupportedIdentityProviders": ["COGNITO"],
                "RefreshTokenRotation": { "Feature": "ENABLED", "RetryGracePeriodSeconds": 0 },
            }),
        )
        .await
        .ok()["UserPoolClient"]
        .clone();
    let web_id = web["ClientId"].as_str().unwrap().to_owned();
    assert_eq!(web["AllowedOAuthFlowsUserPoolClient"], true);
    assert_eq!(web["AllowedOAuthFlows"], json!(["code"]));
    assert_eq!(web["AllowedOAuthScopes"], json!(["openid", "email", "profile", "api/read"]));
    assert_eq!(web["CallbackURLs"], json!(["https://app.example/cb", "http://localhost:3000/cb"]));
    assert_eq!(web["LogoutURLs"], json!(["https://app.example/bye"]));
    assert_eq!(web["DefaultRedirectURI"], "https://app.example/cb");
    assert_eq!(web["SupportedIdentityProviders"], json!(["COGNITO"]));
    assert_eq!(web["RefreshTokenRotation"], json!({ "Feature": "ENABLED", "RetryGracePeriodSeconds": 0 }));
    assert!(web.get("ClientSecret").is_none());
    assert_eq!(describe_client(&c, &pool, &web_id).await, web, "Describe echoes what Create returned");

    // A service client: client_credentials with the server's scopes only.
    let svc = c
        .admin(
            "CreateUserPoolClient",
            json!({
                "UserPoolId": pool, "ClientName": "svc", "GenerateSecret": true,
                "AllowedOAuthFlowsUserPoolClient": true,
                "AllowedOAuthFlows": ["client_credentials"],
                "AllowedOAuthScopes": ["api/read", "api/write"],
            }),
        )
        .await
        .ok()["UserPoolClient"]
        .clone();
    let svc_id = svc["ClientId"].as_str().unwrap().to_owned();
    let svc_secret = svc["ClientSecret"].as_str().unwrap().to_owned();
    assert_eq!(svc["AllowedOAuthFlows"], json!(["client_credentials"]));
    assert!(svc.get("CallbackURLs").is_none(), "absent lists are left out, as Cognito does");
    assert_eq!(svc["RefreshTokenRotation"]["Feature"], "DISABLED");

    // The grant the OIDC door runs accepts it, with the scopes it was given.
    let token = app
        .warden
        .oauth
        .token(TokenRequest {
            grant: Grant::ClientCredentials { scope: Some("api/write".into()) },
            client: PresentedClient { basic: Some((svc_id.clone(), svc_secret.clone().into())), ..Default::default() },
        })
        .await
        .expect("client_credentials token");
    assert_eq!(token.scope.as_deref(), Some("api/write"));
    let claims = verified_claims(&app.url, &pool, &token.access_token).await;
    assert_eq!((claims["scope"].as_str(), claims["client_id"].as_str()), (Some("api/write"), Some(svc_id.as_str())));

    // UpdateUserPoolClient sets what it is given...
    let updated = c
        .admin(
            "UpdateUserPoolClient",
            json!({
                "UserPoolId": pool, "ClientId": web_id, "ClientName": "web-2",
                "AllowedOAuthFlowsUserPoolClient": true,
                "AllowedOAuthFlows": ["code", "implicit"],
                "AllowedOAuthScopes": ["openid", "api/write"],
                "CallbackURLs": ["https://new.example/cb"],
                "AccessTokenValidity": 10, "TokenValidityUnits": { "AccessToken": "minutes" },
            }),
        )
        .await
        .ok()["UserPoolClient"]
        .clone();
    assert_eq!(updated["ClientName"], "web-2");
    assert_eq!(updated["AllowedOAuthFlows"], json!(["code", "implicit"]));
    assert_eq!(updated["AllowedOAuthScopes"], json!(["openid", "api/write"]));
    assert_eq!(updated["CallbackURLs"], json!(["https://new.example/cb"]));
    assert_eq!(updated["AccessTokenValidity"], 10);
    // ...and resets everything it is not given, as Cognito does.
    assert!(updated.get("LogoutURLs").is_none());
    assert!(updated.get("DefaultRedirectURI").is_none());
    assert!(updated.get("SupportedIdentityProviders").is_none());
    assert_eq!(updated["RefreshTokenRotation"]["Feature"], "DISABLED");
    assert_eq!(
        updated["ExplicitAuthFlows"],
        json!(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH"])
    );
    assert_eq!(updated["ClientId"], web_id.as_str());
    assert_eq!(updated["CreationDate"], web["CreationDate"]);
    assert_eq!(describe_client(&c, &pool, &web_id).await, updated);

    // Without OAuth members the client goes back to having none; name and secret stay.
    let plain = c.admin("UpdateUserPoolClient", json!({ "UserPoolId": pool, "ClientId": svc_id })).await.ok()
        ["UserPoolClient"]
        .clone();
    assert_eq!(plain["ClientName"], "svc");
    assert_eq!(plain["ClientSecret"], svc_secret.as_str());
    assert_eq!(plain["AllowedOAuthFlowsUserPoolClient"], false);
    assert!(plain.get("AllowedOAuthFlows").is_none() && plain.get("AllowedOAuthScopes").is_none());
    let err = app
        .warden
        .oauth
        .token(TokenRequest {
            grant: Grant::ClientCredentials { scope: None },
            client: PresentedClient { basic: Some((svc_id.clone(), svc_secret.into())), ..Default::default() },
        })
        .await
        .expect_err("no OAuth flows any more");
    assert!(
        matches!(err, warden_core::CoreError::Refused(warden_core::error::Refusal::ClientNotAllowed, _)),
        "{err:?}"
    );

    c.admin("UpdateUserPoolClient", json!({ "UserPoolId": pool, "ClientId": "nope" }))
        .await
        .err("ResourceNotFoundException");
    c.call("UpdateUserPoolClient", json!({ "UserPoolId": pool, "ClientId": web_id }))
        .await
        .err("MissingAuthenticationTokenException");
    app.stop().await;
});

// Every refusal Cognito makes for the OAuth members, on Create and on Update; none changes
// anything.
both_backends!(oauth_client_refusals_change_nothing, |app| {
    let c = Cognito::new(&app);
    let pool = pool(&c).await;
    api_server(&c, &pool).await;
    let cb = json!(["https://app.example/cb"]);
    let web = json!({
        "UserPoolId": pool, "ClientName": "web", "AllowedOAuthFlowsUserPoolClient": true,
        "AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"], "CallbackURLs": cb,
    });
    let svc = json!({
        "UserPoolId": pool, "ClientName": "svc", "GenerateSecret": true, "AllowedOAuthFlowsUserPoolClient": true,
        "AllowedOAuthFlows": ["client_credentials"], "AllowedOAuthScopes": ["api/read"],
    });
    let refused = [
        // The flag and the flows go together.
        (with(&web, json!({ "AllowedOAuthFlowsUserPoolClient": false })), "InvalidParameterException"),
        (with(&web, json!({ "AllowedOAuthFlows": [] })), "InvalidParameterException"),
        (with(&web, json!({ "AllowedOAuthScopes": [] })), "InvalidParameterException"),
        (with(&web, json!({ "AllowedOAuthFlows": ["token"] })), "InvalidParameterException"),
        (with(&web, json!({ "AllowedOAuthFlows": "code" })), "SerializationException"),
        // client_credentials: alone, with a secret, custom scopes only.
        (
            with(&svc, json!({ "AllowedOAuthFlows": ["client_credentials", "code"], "CallbackURLs": cb })),
            "InvalidOAuthFlowException",
        ),
        (with(&svc, json!({ "GenerateSecret": false })), "InvalidOAuthFlowException"),
        (with(&svc, json!({ "AllowedOAuthScopes": ["api/read", "openid"] })), "InvalidOAuthFlowException"),
        // code and implicit need somewhere to redirect.
        (with(&web, json!({ "CallbackURLs": [] })), "InvalidOAuthFlowException"),
        (with(&web, json!({ "AllowedOAuthFlows": ["implicit"], "CallbackURLs": null })), "InvalidOAuthFlowException"),
        // Redirect URLs.
        (with(&web, json!({ "CallbackURLs": ["http://app.example/cb"] })), "InvalidParameterException"),
        (with(&web, json!({ "CallbackURLs": ["https://app.example/cb#x"] })), "InvalidParameterException"),
        (with(&web, json!({ "CallbackURLs": ["/cb"] })), "InvalidParameterException"),
        (with(&web, json!({ "LogoutURLs": ["http://evil.example/bye"] })), "InvalidParameterException"),
        (with(&web, json!({ "DefaultRedirectURI": "https://other.example/cb" })), "InvalidParameterException"),
        // Scopes must exist.
        (with(&web, json!({ "AllowedOAuthScopes": ["openid", "api/delete"] })), "ScopeDoesNotExistException"),
        (with(&web, json!({ "AllowedOAuthScopes": ["nope/read"] })), "ScopeDoesNotExistException"),
        (with(&web, json!({ "AllowedOAuthScopes": ["Cognito"] })), "ScopeDoesNotExistException"),
        (with(&svc, json!({ "AllowedOAuthScopes": ["api/read", "files/read"] })), "ScopeDoesNotExistException"),
        // The rest.
        (with(&web, json!({ "SupportedIdentityProviders": ["Google"] })), "InvalidParameterException"),
        (with(&web, json!({ "RefreshTokenRotation": { "Feature": "ON" } })), "InvalidParameterException"),
        (with(&web, json!({ "RefreshTokenRotation": { "RetryGracePeriodSeconds": 0 } })), "InvalidParameterException"),
        (
            with(&web, json!({ "RefreshTokenRotation": { "Feature": "ENABLED", "RetryGracePeriodSeconds": 61 } })),
            "InvalidParameterException",
        ),
    ];

    let count = client_count(&c, &pool).await;
    for (body, kind) in &refused {
        let r = c.admin("CreateUserPoolClient", body.clone()).await;
        assert_eq!((r.status, r.error_type()), (400, *kind), "Create {body}: {}", r.body);
        assert_eq!(client_count(&c, &pool).await, count, "Create {body} made no client");
    }

    // The same bodies against existing clients of each kind change neither.
    let web_id = c.admin("CreateUserPoolClient", web.clone()).await.ok()["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let svc_id = c.admin("CreateUserPoolClient", svc.clone()).await.ok()["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (web_before, svc_before) =
        (describe_client(&c, &pool, &web_id).await, describe_client(&c, &pool, &svc_id).await);
    for (body, kind) in &refused {
        let mut update = body.clone();
        let obj = update.as_object_mut().unwrap();
        let generate_secret = obj.remove("GenerateSecret");
        // GenerateSecret is not an update member: a public body goes to the public client.
        let target = if generate_secret == Some(json!(true)) { &svc_id } else { &web_id };
        obj.insert("ClientId".into(), json!(target));
        let r = c.admin("UpdateUserPoolClient", update.clone()).await;
        assert_eq!((r.status, r.error_type()), (400, *kind), "Update {update}: {}", r.body);
        assert_eq!(describe_client(&c, &pool, &web_id).await, web_before, "Update {update} changed nothing");
        assert_eq!(describe_client(&c, &pool, &svc_id).await, svc_before, "Update {update} changed nothing");
    }
    // A public client cannot become a service client by update.
    let r = c.admin("UpdateUserPoolClient", with(&svc, json!({ "ClientId": web_id }))).await;
    r.err("InvalidOAuthFlowException");
    assert_eq!(describe_client(&c, &pool, &web_id).await, web_before);
    app.stop().await;
});
