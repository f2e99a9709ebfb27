"""The unmodified PyPI Authlib (pinned in requirements.txt) as the OAuth 2.0 / OpenID Connect
client of Warden's OIDC door, set up with the `warden` CLI only.

Authlib drives what it has helpers for: `OAuth2Session.fetch_token` (client_credentials with
client_secret_basic and client_secret_post; authorization_code with PKCE), `create_authorization_url`
(PKCE S256, state, nonce), `refresh_token`, `introspect_token` (RFC 7662), `revoke_token`
(RFC 7009), bearer requests to userInfo, and token verification with `authlib.jose`
(`JsonWebKey.import_key_set` over the JWKS, `JsonWebToken.decode`) and `authlib.oidc.core.CodeIDToken`
(iss, aud, exp, iat, nonce, at_hash, azp). The hosted login page is a browser's part: plain
`requests` with a cookie jar submits its form. Authlib has no discovery client outside its web
framework integrations, so the metadata is read with `requests`; Authlib's `OAuthError` carries
every refusal's `error`, which each negative case asserts exactly.
"""

import json
import subprocess
import time
import urllib.parse
import uuid
import warnings
from html.parser import HTMLParser

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc.errors import InvalidClaimError as IdClaimError
from warden_compat import WARDEN_BIN

with warnings.catch_warnings():
    # Authlib 1.9 marks authlib.jose deprecated (for joserfc, its own dependency) but ships it whole.
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.jose.errors import InvalidClaimError

CALLBACK = "http://127.0.0.1:9/cb"
PASSWORD = "Corr3ct-Horse!"
# Only the algorithms Warden advertises: never "none" or HMAC with a public key.
JWT = JsonWebToken(["RS256", "ES256"])


def cli(server, *args, stdin=None):
    """Runs `warden <args> --json` against `server`'s store; returns the parsed output."""
    out = subprocess.run([WARDEN_BIN, *args, "--json"], env=server.env, capture_output=True, text=True, timeout=120,
                         input=stdin)
    assert out.returncode == 0, f"warden {' '.join(args)} failed ({out.returncode}): {out.stderr}"
    return json.loads(out.stdout)


class Setup:
    """A pool with a resource server `api` (read, write), a CONFIRMED user `alice`, and clients:
    `svc` (service, api/read), `web` (confidential, code), `rotating` (confidential, code, rotating
    refresh tokens) and `spa` (public, code + PKCE, rotating by default) - all made with the CLI."""

    def __init__(self, server):
        self.server = server
        self.pool_id = cli(server, "pool", "create", "--name", "authlib-" + uuid.uuid4().hex[:8])["Id"]
        cli(server, "resource-server", "create", "--pool-id", self.pool_id, "--identifier", "api", "--name", "API",
            "--scopes", "read,write")
        code = ["--oauth-flows", "code", "--oauth-scopes", "openid,email,profile,api/read", "--callback-urls", CALLBACK]

        def client(name, *flags):
            c = cli(server, "client", "create", "--pool-id", self.pool_id, "--name", name, *flags)
            return c["ClientId"], c.get("ClientSecret")

        self.svc = client("svc", "--service", "--oauth-scopes", "api/read")
        self.web = client("web", "--secret", *code)
        self.rotating = client("rotating", "--secret", "--rotate-refresh-tokens", *code)
        self.spa = client("spa", *code)
        assert self.svc[1] and self.web[1] and self.rotating[1] and self.spa[1] is None
        # The password from standard input, not argv (where `ps` shows it); authlib signs in with it.
        user = cli(server, "user", "create", "--pool-id", self.pool_id, "--username", "alice", "--password-stdin",
                   "--email", "alice@example.com", stdin=PASSWORD + "\n")
        assert user["UserStatus"] == "CONFIRMED", user
        self.sub = user["Sub"]
        self.issuer = f"{server.url}/{self.pool_id}"
        doc = requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=10)
        assert doc.status_code == 200, doc.text
        self.meta = doc.json()
        jwks = requests.get(self.meta["jwks_uri"], timeout=10)
        assert jwks.status_code == 200, jwks.text
        self.jwks = JsonWebKey.import_key_set(jwks.json())


@pytest.fixture(scope="module")
def oidc(server):
    return Setup(server)


def session(oidc, client, method=None, **kw):
    """An Authlib OAuth2Session for `client` (id, secret) with the discovered token endpoint."""
    client_id, secret = client
    return OAuth2Session(client_id, secret, token_endpoint_auth_method=method,
                         token_endpoint=oidc.meta["token_endpoint"], **kw)


def oauth_error(excinfo):
    return excinfo.value.error


def responses(sess):
    """Records the responses an OAuth2Session receives (with `.request`: how it authenticated)."""
    seen = []
    sess.hooks["response"].append(lambda r, *a, **k: seen.append(r))
    return seen


# -- the hosted login page, as a browser submits it --------------------------------------------

class Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action"), "method": (a.get("method") or "get").lower(), "fields": {}})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""


def only_form(html):
    p = Forms()
    p.feed(html)
    assert len(p.forms) == 1, f"expected one form: {html[:500]}"
    return p.forms[0]


def sign_in(oidc, authorize_url, browser=None, username="alice", password=PASSWORD):
    """Opens `authorize_url` in a cookie-keeping browser, fills the login form (its hidden
    request and csrf inputs read from the HTML) and returns the Location of the final redirect,
    which is not followed."""
    browser = browser or requests.Session()
    page = browser.get(authorize_url, allow_redirects=False, timeout=10)
    assert page.status_code == 200, (page.status_code, page.headers.get("location"), page.text[:300])
    form = only_form(page.text)
    assert form["method"] == "post" and {"request", "csrf", "username", "password"} <= set(form["fields"]), form
    fields = dict(form["fields"], username=username, password=password)
    done = browser.post(urllib.parse.urljoin(page.url, form["action"]), data=fields, allow_redirects=False, timeout=10)
    assert done.status_code == 303, (done.status_code, done.text[:500])
    return done.headers["location"]


def query(location):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def authorize(oidc, client, scope="openid email profile", **kw):
    """An Authlib code-flow session, its authorization URL (PKCE S256, state, nonce made by
    Authlib's helpers) and the values to check later."""
    sess = session(oidc, client, method=None if client[1] else "none", scope=scope, redirect_uri=CALLBACK,
                   code_challenge_method="S256")
    verifier = generate_token(64)
    nonce = generate_token(24)
    url, state = sess.create_authorization_url(oidc.meta["authorization_endpoint"], code_verifier=verifier,
                                               nonce=nonce, **kw)
    q = query(url)
    assert q["state"] == state and q["nonce"] == nonce
    if q["response_type"] == "code":
        assert q["code_challenge_method"] == "S256" and q["code_challenge"], q
    return sess, url, state, verifier, nonce


def code_flow(oidc, client, scope="openid email profile"):
    """Signs alice in and redeems the code with Authlib: returns the session, its token, the nonce."""
    sess, url, state, verifier, nonce = authorize(oidc, client, scope)
    location = sign_in(oidc, url)
    assert location.startswith(CALLBACK + "?"), location
    # RFC 9207: the response names its issuer (Authlib's client does not check it itself).
    assert query(location)["iss"] == oidc.issuer
    token = sess.fetch_token(authorization_response=location, state=state, code_verifier=verifier)
    return sess, token, nonce


def id_claims(oidc, client_id, id_token, nonce=None, access_token=None):
    """The ID token verified by Authlib: signature against the JWKS, then CodeIDToken's checks
    (iss and aud as essential values, exp, iat, nonce, at_hash against the access token, azp)."""
    claims = JWT.decode(
        id_token, oidc.jwks, claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": oidc.issuer},
                        "aud": {"essential": True, "value": client_id}},
        claims_params={"nonce": nonce, "client_id": client_id, "access_token": access_token},
    )
    claims.validate(leeway=5)
    return claims


def access_claims(oidc, access_token, **expected):
    claims = JWT.decode(
        access_token, oidc.jwks,
        claims_options={"iss": {"essential": True, "value": oidc.issuer}, "exp": {"essential": True},
                        **{k: {"essential": True, "value": v} for k, v in expected.items()}},
    )
    claims.validate(leeway=5)
    return claims


# -- discovery -------------------------------------------------------------------------------

def test_discovery_names_the_endpoints_authlib_uses(oidc, server):
    m = oidc.meta
    assert m["issuer"] == oidc.issuer
    for key, path in [("authorization_endpoint", "/oauth2/authorize"), ("token_endpoint", "/oauth2/token"),
                      ("userinfo_endpoint", "/oauth2/userInfo"), ("introspection_endpoint", "/oauth2/introspect"),
                      ("revocation_endpoint", "/oauth2/revoke"), ("end_session_endpoint", "/logout")]:
        assert m[key] == server.url + path, (key, m[key])
    assert "S256" in m["code_challenge_methods_supported"]
    assert {"client_secret_basic", "client_secret_post", "none"} <= set(m["token_endpoint_auth_methods_supported"])
    assert {"authorization_code", "refresh_token", "client_credentials"} <= set(m["grant_types_supported"])
    assert {k.kid for k in oidc.jwks.keys} and all(k.kid for k in oidc.jwks.keys)


# -- client_credentials ----------------------------------------------------------------------

@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_client_credentials_token_verified_with_authlib_jose(oidc, method):
    client_id, secret = oidc.svc
    sess = session(oidc, oidc.svc, method, scope="api/read")
    seen = responses(sess)
    token = sess.fetch_token(grant_type="client_credentials")
    assert token["token_type"] == "Bearer" and token["scope"] == "api/read"
    assert token["expires_in"] > 0 and abs(token["expires_at"] - (time.time() + token["expires_in"])) < 60
    assert "refresh_token" not in token and "id_token" not in token
    # Authlib authenticated the way it was told to.
    req = seen[-1].request
    form = dict(urllib.parse.parse_qsl(req.body))
    if method == "client_secret_basic":
        assert req.headers["Authorization"].startswith("Basic ") and "client_secret" not in form
    else:
        assert "Authorization" not in req.headers and form["client_id"] == client_id and form["client_secret"] == secret

    claims = access_claims(oidc, token["access_token"], client_id=client_id, scope="api/read")
    assert claims.header["kid"] in {k.kid for k in oidc.jwks.keys}
    assert claims["sub"] == client_id and claims["token_use"] == "access" and claims["aud"] == ["api"]
    assert claims["exp"] - claims["iat"] == token["expires_in"]

    # A forged signature, another issuer, another scope: Authlib refuses them.
    head, body, sig = token["access_token"].split(".")
    with pytest.raises(Exception, match="bad_signature"):
        JWT.decode(f"{head}.{body}.{sig[:-4]}AAAA", oidc.jwks)
    with pytest.raises(InvalidClaimError):
        JWT.decode(token["access_token"], oidc.jwks, claims_options={"iss": {"value": oidc.issuer + "x"}}).validate()
    with pytest.raises(InvalidClaimError):
        access_claims(oidc, token["access_token"], scope="api/write")

    # The token is active at introspection (Authlib's introspect_token, the client authenticating
    # itself the same way).
    r = sess.introspect_token(oidc.meta["introspection_endpoint"], token=token["access_token"])
    assert r.status_code == 200, r.text
    i = r.json()
    assert i["active"] is True and i["client_id"] == client_id and i["scope"] == "api/read" and i["token_type"] == "Bearer"
    assert i["exp"] == claims["exp"] and i["iss"] == oidc.issuer and i["sub"] == client_id


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_client_credentials_refusals(oidc, method):
    client_id, secret = oidc.svc
    cases = [
        (session(oidc, (client_id, "wrong-" + secret), method), "invalid_client"),
        (session(oidc, ("unknown-client", secret), method), "invalid_client"),
        (session(oidc, oidc.svc, method, scope="api/write"), "invalid_scope"),  # not the client's
        (session(oidc, oidc.svc, method, scope="openid"), "invalid_scope"),  # no user to consent
        (session(oidc, oidc.svc, method, scope="nope/read"), "invalid_scope"),
        (session(oidc, oidc.web, method), "unauthorized_client"),  # a code-flow client
    ]
    for sess, error in cases:
        with pytest.raises(OAuthError) as e:
            sess.fetch_token(grant_type="client_credentials")
        assert oauth_error(e) == error, (sess.client_id, sess.scope, e.value.description)
    # A grant Warden does not offer at all.
    with pytest.raises(OAuthError) as e:
        session(oidc, oidc.svc, method).fetch_token(grant_type="password", username="alice", password=PASSWORD)
    assert oauth_error(e) == "unsupported_grant_type"
    # A public client has no credentials for client_credentials.
    with pytest.raises(OAuthError) as e:
        session(oidc, oidc.spa, "none").fetch_token(grant_type="client_credentials")
    assert oauth_error(e) == "unauthorized_client"


def test_wrong_secret_is_a_401_with_basic_challenge(oidc):
    sess = session(oidc, (oidc.svc[0], "wrong"), "client_secret_basic")
    r = sess.post(oidc.meta["token_endpoint"], data={"grant_type": "client_credentials"},
                  auth=sess.client_auth("client_secret_basic"), withhold_token=True, timeout=10)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    assert r.headers["WWW-Authenticate"].lower().startswith("basic")


# -- the code flow ---------------------------------------------------------------------------

def test_code_flow_public_client_with_pkce_and_nonce(oidc):
    client_id = oidc.spa[0]
    sess, token, nonce = code_flow(oidc, oidc.spa)
    assert token["token_type"] == "Bearer" and token["scope"] == "email openid profile"
    assert {"access_token", "id_token", "refresh_token", "expires_in", "expires_at"} <= set(token)

    claims = id_claims(oidc, client_id, token["id_token"], nonce=nonce, access_token=token["access_token"])
    assert claims["nonce"] == nonce and claims["at_hash"] and claims["sub"] == oidc.sub
    assert claims["email"] == "alice@example.com" and claims["cognito:username"] == "alice"
    assert claims["amr"] == ["pwd"] and isinstance(claims["auth_time"], int)
    # CodeIDToken's checks are live: another nonce, another access token, another audience fail.
    # (CodeIDToken is on joserfc's claim registry, so its errors are joserfc's.)
    with pytest.raises(IdClaimError, match="nonce"):
        id_claims(oidc, client_id, token["id_token"], nonce=nonce + "x", access_token=token["access_token"])
    with pytest.raises(IdClaimError, match="at_hash"):
        id_claims(oidc, client_id, token["id_token"], nonce=nonce, access_token=token["access_token"] + "x")
    with pytest.raises(IdClaimError, match="aud"):
        id_claims(oidc, oidc.web[0], token["id_token"], nonce=nonce)
    at = access_claims(oidc, token["access_token"], client_id=client_id, scope="email openid profile")
    assert at.header["typ"] == "at+jwt" and at["aud"] == client_id and at["sub"] == oidc.sub

    # userInfo with the bearer token Authlib attaches.
    r = sess.get(oidc.meta["userinfo_endpoint"], timeout=10)
    assert r.status_code == 200, r.text
    info = r.json()
    assert info["sub"] == oidc.sub and info["email"] == "alice@example.com"

    # The code is single-use: a replay is invalid_grant, and what it issued is revoked.
    sess2, url, state, verifier, _ = authorize(oidc, oidc.spa)
    location = sign_in(oidc, url)
    first = dict(sess2.fetch_token(authorization_response=location, state=state, code_verifier=verifier))
    with pytest.raises(OAuthError) as e:
        sess2.fetch_token(authorization_response=location, state=state, code_verifier=verifier)
    assert oauth_error(e) == "invalid_grant"
    r = requests.get(oidc.meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {first['access_token']}"},
                     timeout=10)
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"]


def test_code_flow_refusals(oidc):
    # A wrong PKCE verifier, and none at all: invalid_grant.
    for bad in ("wrong-" + generate_token(60), None):
        sess, url, state, verifier, _ = authorize(oidc, oidc.spa)
        location = sign_in(oidc, url)
        kw = {"code_verifier": bad} if bad else {}
        with pytest.raises(OAuthError) as e:
            sess.fetch_token(authorization_response=location, state=state, **kw)
        assert oauth_error(e) == "invalid_grant", bad
    # Another client cannot redeem the code; nor can the right client with another redirect_uri.
    sess, url, state, verifier, _ = authorize(oidc, oidc.web)
    location = sign_in(oidc, url)
    other = session(oidc, oidc.rotating, redirect_uri=CALLBACK)
    with pytest.raises(OAuthError) as e:
        other.fetch_token(authorization_response=location, state=state, code_verifier=verifier)
    assert oauth_error(e) == "invalid_grant"
    sess, url, state, verifier, _ = authorize(oidc, oidc.web)
    location = sign_in(oidc, url)
    with pytest.raises(OAuthError) as e:
        sess.fetch_token(authorization_response=location, state=state, code_verifier=verifier,
                         redirect_uri="http://127.0.0.1:9/other")
    assert oauth_error(e) == "invalid_grant"
    # Authlib itself refuses a response whose state is not the one it sent (CSRF on the RP side).
    sess, url, state, verifier, _ = authorize(oidc, oidc.web)
    location = sign_in(oidc, url)
    with pytest.raises(Exception, match="state"):
        sess.fetch_token(authorization_response=location, state=state + "x", code_verifier=verifier)

    # Errors of the authorization request come back to the registered redirect_uri with the state.
    def redirected_error(client, **kw):
        _, url, state, _, _ = authorize(oidc, client, **kw)
        r = requests.get(url, allow_redirects=False, timeout=10)
        assert r.status_code in (302, 303), (r.status_code, r.text[:300])
        q = query(r.headers["location"])
        assert r.headers["location"].startswith(CALLBACK) and q["state"] == state, q
        return q["error"]

    assert redirected_error(oidc.web, scope="openid phone") == "invalid_scope"
    assert redirected_error(oidc.web, response_type="token") == "unsupported_response_type"
    assert redirected_error(oidc.web, prompt="none") == "login_required"
    # A public client without PKCE.
    sess = session(oidc, oidc.spa, "none", scope="openid", redirect_uri=CALLBACK)
    url, state = sess.create_authorization_url(oidc.meta["authorization_endpoint"])
    r = requests.get(url, allow_redirects=False, timeout=10)
    assert query(r.headers["location"])["error"] == "invalid_request"
    # An unregistered redirect_uri is never redirected to.
    _, url, _, _, _ = authorize(oidc, oidc.web, redirect_uri="https://evil.example/cb")
    r = requests.get(url, allow_redirects=False, timeout=10)
    assert r.status_code == 400 and "location" not in r.headers


# -- refresh -----------------------------------------------------------------------------------

def test_refresh_rotating_client(oidc):
    client_id = oidc.rotating[0]
    sess, token, _ = code_flow(oidc, oidc.rotating)
    first = token["refresh_token"]
    seen = responses(sess)
    refreshed = sess.refresh_token(oidc.meta["token_endpoint"])
    assert seen[-1].request.headers["Authorization"].startswith("Basic ")
    second = refreshed["refresh_token"]
    assert second and second != first, "a rotating client gets a new refresh token"
    assert refreshed["access_token"] != token["access_token"]
    old = id_claims(oidc, client_id, token["id_token"])
    new = id_claims(oidc, client_id, refreshed["id_token"], access_token=refreshed["access_token"])
    assert new["sub"] == old["sub"] and new["auth_time"] == old["auth_time"]
    # The old refresh token again: invalid_grant - and, as a reuse, it ends the session, so the
    # new one is refused too.
    with pytest.raises(OAuthError) as e:
        session(oidc, oidc.rotating).refresh_token(oidc.meta["token_endpoint"], refresh_token=first)
    assert oauth_error(e) == "invalid_grant"
    with pytest.raises(OAuthError) as e:
        session(oidc, oidc.rotating).refresh_token(oidc.meta["token_endpoint"], refresh_token=second)
    assert oauth_error(e) == "invalid_grant"


def test_refresh_non_rotating_client(oidc):
    client_id = oidc.web[0]
    sess, token, nonce = code_flow(oidc, oidc.web)
    id_claims(oidc, client_id, token["id_token"], nonce=nonce, access_token=token["access_token"])
    rt = token["refresh_token"]
    seen = responses(sess)
    for _ in range(2):
        refreshed = sess.refresh_token(oidc.meta["token_endpoint"], refresh_token=rt)
        # The server sends no new refresh token; Authlib keeps the one it had.
        assert seen[-1].status_code == 200 and "refresh_token" not in seen[-1].json(), seen[-1].text
        assert seen[-1].headers["Cache-Control"] == "no-store"
        assert refreshed["refresh_token"] == rt and refreshed["access_token"] != token["access_token"]
        claims = id_claims(oidc, client_id, refreshed["id_token"], access_token=refreshed["access_token"])
        assert claims["sub"] == oidc.sub
    # A narrower scope (RFC 6749 section 6) shapes this answer's tokens; the grant stays whole.
    narrowed = session(oidc, oidc.web).refresh_token(oidc.meta["token_endpoint"], refresh_token=rt, scope="openid")
    assert narrowed["scope"] == "openid"
    assert access_claims(oidc, narrowed["access_token"])["scope"] == "openid"
    whole = session(oidc, oidc.web).refresh_token(oidc.meta["token_endpoint"], refresh_token=rt)
    assert whole["scope"] == "email openid profile"
    # Not for another client, not for more scope than was granted.
    with pytest.raises(OAuthError) as e:
        session(oidc, oidc.rotating).refresh_token(oidc.meta["token_endpoint"], refresh_token=rt)
    assert oauth_error(e) == "invalid_grant"
    with pytest.raises(OAuthError) as e:
        session(oidc, oidc.web).refresh_token(oidc.meta["token_endpoint"], refresh_token=rt, scope="openid api/read")
    assert oauth_error(e) == "invalid_scope"
    with pytest.raises(OAuthError) as e:
        session(oidc, oidc.web).refresh_token(oidc.meta["token_endpoint"], refresh_token="never-issued")
    assert oauth_error(e) == "invalid_grant"


# -- introspection and revocation --------------------------------------------------------------

def test_introspect_and_revoke_user_tokens(oidc):
    """Authlib's introspect_token and revoke_token (they return the raw response: RFC 7662 and
    RFC 7009 define no token to parse)."""
    sess, token, _ = code_flow(oidc, oidc.web)
    introspect, revoke = oidc.meta["introspection_endpoint"], oidc.meta["revocation_endpoint"]
    rs = session(oidc, oidc.svc)  # a resource server introspecting with its own credentials

    i = rs.introspect_token(introspect, token=token["access_token"], token_type_hint="access_token").json()
    assert i["active"] is True and i["client_id"] == oidc.web[0] and i["sub"] == oidc.sub
    assert i["scope"] == "email openid profile" and i["username"] == "alice"
    i = sess.introspect_token(introspect, token=token["refresh_token"], token_type_hint="refresh_token").json()
    assert i["active"] is True and i["client_id"] == oidc.web[0]
    assert rs.introspect_token(introspect, token="abc.def.ghi").json() == {"active": False}
    assert rs.introspect_token(introspect, token="never-issued").json() == {"active": False}

    # Introspection needs client authentication (but see the next test).
    r = requests.post(introspect, data={"token": token["access_token"]}, timeout=10)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.text
    r = session(oidc, (oidc.svc[0], "wrong")).introspect_token(introspect, token=token["access_token"])
    assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.text

    # Revocation: an unknown token is fine; another client's token is refused and stays active.
    r = sess.revoke_token(revoke, token="never-issued", token_type_hint="refresh_token")
    assert r.status_code == 200, r.text
    r = session(oidc, oidc.rotating).revoke_token(revoke, token=token["refresh_token"], token_type_hint="refresh_token")
    assert r.status_code == 400 and r.json()["error"] == "unauthorized_client", r.text
    assert rs.introspect_token(introspect, token=token["refresh_token"]).json()["active"] is True
    r = session(oidc, (oidc.web[0], "wrong")).revoke_token(revoke, token=token["refresh_token"])
    assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.text
    # A client_credentials token cannot be revoked (it only expires).
    svc_token = session(oidc, oidc.svc).fetch_token(grant_type="client_credentials")
    r = rs.revoke_token(revoke, token=svc_token["access_token"], token_type_hint="access_token")
    assert r.status_code == 400 and r.json()["error"] == "unsupported_token_type", r.text

    # The owner revokes its refresh token: it and the access tokens of its session go inactive.
    # The hint is deliberately wrong: RFC 7009 section 2.1 makes the server search further.
    r = sess.revoke_token(revoke, token=token["refresh_token"], token_type_hint="access_token")
    assert r.status_code == 200, r.text
    assert rs.introspect_token(introspect, token=token["refresh_token"]).json() == {"active": False}
    assert rs.introspect_token(introspect, token=token["access_token"]).json() == {"active": False}
    r = sess.get(oidc.meta["userinfo_endpoint"], timeout=10)
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    with pytest.raises(OAuthError) as e:
        sess.refresh_token(oidc.meta["token_endpoint"], refresh_token=token["refresh_token"])
    assert oauth_error(e) == "invalid_grant"

    # Revoking an access token (hint access_token) ends its session the same way.
    sess, token, _ = code_flow(oidc, oidc.spa)
    r = sess.revoke_token(revoke, token=token["access_token"], token_type_hint="access_token")
    assert r.status_code == 200, r.text
    assert rs.introspect_token(introspect, token=token["refresh_token"]).json() == {"active": False}


# RFC 7662 §2.1 and §4: the endpoint requires the caller's authentication; a public client's id is
# not a credential, so a public client cannot scan another client's tokens.
def test_introspection_refuses_public_clients(oidc):
    _, token, _ = code_flow(oidc, oidc.web)
    public = session(oidc, oidc.spa, "none")  # Authlib sends client_id=<spa> in the body, no secret
    r = public.introspect_token(oidc.meta["introspection_endpoint"], token=token["access_token"])
    assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.text
