"""Helpers shared by the compatibility suite: a live `warden serve` process, boto3 clients pointed
at it (every response checked for a request id and for no 5xx), pools and users, JWT checks
against the server's JWKS, TOTP codes, and raw AWS JSON 1.1 posts."""

import base64
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import uuid

import boto3
import jwt
import pyotp
import requests
from botocore import UNSIGNED
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
WARDEN_BIN = os.path.abspath(os.environ.get("WARDEN_BIN") or os.path.join(HERE, "..", "..", "target", "debug", "warden"))
PG_URL = os.environ.get("WARDEN_TEST_POSTGRES_URL") or None
REQUIRE_PG = os.environ.get("WARDEN_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])
REGION = "eu-west-2"
PASSWORD = "Correct-Horse-1"
TARGET = "AWSCognitoIdentityProviderService."
PUBLIC_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"]
# Environment variables that must not leak from the developer's shell into the server or the clients.
AWS_LEAKS = (
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
    "AWS_ENDPOINT_URL_COGNITO_IDENTITY", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, sql):
    if not shutil.which("psql"):
        raise RuntimeError("WARDEN_TEST_POSTGRES_URL is set but the psql CLI is not installed")
    out = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"psql {sql!r} failed: {out.stderr.strip()}")


def database_url(base, name):
    """`base` with its database (the URL path) replaced by `name`; query parameters are kept."""
    parts = urllib.parse.urlsplit(base)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def check_response(response_dict, **_):
    """botocore `response-received` hook: every attempt's response carries a request id and is
    never a 5xx (botocore would silently retry a 5xx, hiding a server fault)."""
    if response_dict is None:
        return
    headers = {k.lower(): v for k, v in response_dict["headers"].items()}
    status = response_dict["status_code"]
    assert headers.get("x-amzn-requestid"), f"response without x-amzn-RequestId (HTTP {status}): {response_dict['body'][:300]!r}"
    assert status < 500, f"server fault HTTP {status}: {response_dict['body'][:300]!r}"


def make_client(service, url, key_id=None, secret=None, signed=True, retries=None):
    """A boto3 client on its own session (nothing cached from the environment), checked by
    `check_response`."""
    config = Config(retries=retries or {"mode": "standard", "max_attempts": 3})
    kw = {}
    if signed:
        kw = dict(aws_access_key_id=key_id, aws_secret_access_key=secret)
    else:
        config = config.merge(Config(signature_version=UNSIGNED))
    session = boto3.session.Session()
    client = session.client(service, region_name=REGION, endpoint_url=url, config=config, **kw)
    client.meta.events.register("response-received", check_response)
    return client


class Server:
    """One `warden serve` process with its own data dir (and, on PostgreSQL, its own database)."""

    def __init__(self, backend, **env):
        if backend == "postgres" and not PG_URL:
            raise RuntimeError("a postgres server needs WARDEN_TEST_POSTGRES_URL")
        if not os.access(WARDEN_BIN, os.X_OK):
            raise RuntimeError(f"no warden binary at {WARDEN_BIN} (cargo build -p warden-server, or set WARDEN_BIN)")
        self.backend = backend
        self.data_dir = tempfile.mkdtemp(prefix=f"warden-compat-{backend}-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key_id = "AKIA" + uuid.uuid4().hex[:16].upper()
        self.secret = "compat-" + uuid.uuid4().hex
        self.database = None
        self.proc = None
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("WARDEN_") and k not in AWS_LEAKS}
        full_env.update(
            WARDEN_LISTEN=f"127.0.0.1:{self.port}",
            WARDEN_DATA_DIR=self.data_dir,
            WARDEN_PUBLIC_URL=self.url,
            WARDEN_ADMIN_ACCESS_KEY_ID=self.key_id,
            WARDEN_ADMIN_SECRET_ACCESS_KEY=self.secret,
            # Every test signs in from 127.0.0.1: the per-source limit has its own test.
            WARDEN_THROTTLE_PER_SOURCE="100000",
            RUST_LOG=os.environ.get("RUST_LOG", "info"),
        )
        full_env["WARDEN_BIN"] = WARDEN_BIN
        if backend == "postgres":
            self.database = "warden_compat_" + uuid.uuid4().hex[:12]
            psql(PG_URL, f'CREATE DATABASE "{self.database}"')
            full_env["WARDEN_DATABASE_URL"] = database_url(PG_URL, self.database)
        full_env.update({k: str(v) for k, v in env.items()})
        self.env = full_env
        self.log_path = os.path.join(self.data_dir, "server.log")
        self.log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen([WARDEN_BIN, "serve"], env=full_env, stdout=self.log, stderr=self.log)
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self):
        deadline = time.time() + 60
        while True:
            try:
                if requests.get(self.url + "/ready", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"warden serve ({self.backend}) did not become ready:\n" + self.log_text()[-4000:])
            time.sleep(0.1)
        assert requests.get(self.url + "/health", timeout=5).status_code == 200

    def log_text(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        """Stops the process by its PID; returns what went wrong while it ran (a crash, a panic)."""
        problems = []
        if self.proc is not None:
            if self.proc.poll() is not None:
                problems.append(f"warden serve ({self.backend}) died during the tests with code {self.proc.returncode}")
            else:
                os.kill(self.proc.pid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    problems.append(f"warden serve ({self.backend}) ignored SIGTERM for 20 s")
                    os.kill(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=20)
        self.log.close()
        text = self.log_text() if os.path.exists(self.log_path) else ""
        if "panicked at" in text:
            problems.append(f"warden serve ({self.backend}) panicked:\n" + text[max(0, text.index("panicked at") - 200):][:3000])
        if self.database:
            try:
                psql(PG_URL, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            except RuntimeError:
                psql(PG_URL, f'DROP DATABASE IF EXISTS "{self.database}"')
        if problems:
            problems.append(f"(server log kept at {self.log_path})")
        elif not os.environ.get("WARDEN_COMPAT_KEEP"):
            shutil.rmtree(self.data_dir, ignore_errors=True)
        return problems

    def client(self, service="cognito-idp", signed=True, **kw):
        if signed:
            kw.setdefault("key_id", self.key_id)
            kw.setdefault("secret", self.secret)
        return make_client(service, self.url, signed=signed, **kw)

    # -- the dev outbox --------------------------------------------------------------------
    def outbox(self):
        path = os.path.join(self.data_dir, "outbox.jsonl")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def messages(self, username, template=None, pool_id=None):
        return [
            m for m in self.outbox()
            if m["username"] == username and (template is None or m["template"] == template)
            and (pool_id is None or m["pool_id"] == pool_id)
        ]

    def last_code(self, username, template, pool_id=None, after=0, timeout=5.0):
        """The newest code sent to `username` with `template`, waiting (briefly) until more than
        `after` such messages exist."""
        deadline = time.time() + timeout
        while True:
            found = self.messages(username, template, pool_id)
            if len(found) > after:
                message = found[-1]
                for key in ("to", "template", "code", "pool_id", "username", "sent_at"):
                    assert key in message, f"outbox line without {key!r}: {message}"
                return message["code"]
            if time.time() > deadline:
                raise AssertionError(f"no new {template} code for {username} in the outbox: {self.outbox()[-5:]}")
            time.sleep(0.05)

    # -- raw AWS JSON 1.1 ------------------------------------------------------------------
    def post(self, op, body=None, raw=None, headers=None):
        """A raw POST /: checks the request id and that it is never a 5xx."""
        h = {"Content-Type": "application/x-amz-json-1.1"}
        if op is not None:
            h["X-Amz-Target"] = op if "." in op else TARGET + op
        h.update(headers or {})
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        r = requests.post(self.url + "/", data=data, headers=h, timeout=30)
        assert r.headers.get("x-amzn-RequestId"), f"no x-amzn-RequestId on HTTP {r.status_code}: {r.text[:300]}"
        assert r.status_code < 500, f"server fault HTTP {r.status_code}: {r.text[:300]}"
        return r

    def jwks(self, pool_id):
        r = requests.get(f"{self.url}/{pool_id}/.well-known/jwks.json", timeout=10)
        assert r.status_code == 200, r.text
        return r.json()


def error_type(r, statuses=(400,)):
    """The `__type` of a refused raw call (asserting its status and its body's shape)."""
    assert r.status_code in statuses, f"HTTP {r.status_code}: {r.text[:300]}"
    body = r.json()
    assert isinstance(body.get("__type"), str) and body["__type"], body
    assert isinstance(body.get("message", ""), str)
    return body["__type"]


def client_error(err):
    """The error code of a botocore ClientError caught by pytest.raises."""
    return err.value.response["Error"]["Code"]


def secret_hash(client_secret, username, client_id):
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class Pool:
    """A user pool (MFA optional) with a public app client allowing the password and refresh flows."""

    def __init__(self, server, admin, mfa="OPTIONAL", **client_kw):
        self.server = server
        self.admin = admin
        self.id = admin.create_user_pool(PoolName="compat-" + uuid.uuid4().hex[:8], MfaConfiguration=mfa)["UserPool"]["Id"]
        client_kw.setdefault("ExplicitAuthFlows", PUBLIC_FLOWS)
        self.client_id = admin.create_user_pool_client(UserPoolId=self.id, ClientName="app", **client_kw)["UserPoolClient"]["ClientId"]

    def user(self, username=None, password=PASSWORD, permanent=True, email=None):
        """A user created by AdminCreateUser (nothing sent); CONFIRMED with `password` when
        `permanent`, else FORCE_CHANGE_PASSWORD with `password` as the temporary one."""
        username = username or "user-" + uuid.uuid4().hex[:10]
        self.admin.admin_create_user(
            UserPoolId=self.id,
            Username=username,
            TemporaryPassword="Temp-Passw0rd!" if permanent else password,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email or f"{username}@example.com"}],
        )
        if permanent:
            self.admin.admin_set_user_password(UserPoolId=self.id, Username=username, Password=password, Permanent=True)
        return username

    def sign_in(self, client, username, password=PASSWORD, client_id=None, **params):
        return client.initiate_auth(
            ClientId=client_id or self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password, **params},
        )

    def issuer(self):
        return f"{self.server.url}/{self.id}"


def verify_jwt(server, pool_id, token, token_use, client_id, lifetime=1800):
    """Verifies a Warden JWT as a resource server would: RS256 signature against the pool's JWKS
    (found by `kid`), issuer, token_use, audience/client_id, and exp - iat."""
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256", header
    keys = [k for k in server.jwks(pool_id)["keys"] if k.get("kid") == header.get("kid")]
    assert len(keys) == 1, f"kid {header.get('kid')!r} not (uniquely) in the JWKS"
    assert keys[0]["kty"] == "RSA" and keys[0].get("use", "sig") == "sig"
    key = jwt.PyJWK(keys[0], algorithm="RS256").key
    issuer = f"{server.url}/{pool_id}"
    if token_use == "id":
        claims = jwt.decode(token, key, algorithms=["RS256"], issuer=issuer, audience=client_id,
                            options={"require": ["exp", "iat", "iss", "sub", "aud"]})
    else:
        claims = jwt.decode(token, key, algorithms=["RS256"], issuer=issuer,
                            options={"verify_aud": False, "require": ["exp", "iat", "iss", "sub"]})
        assert claims["client_id"] == client_id, claims
        assert "aud" not in claims, "Cognito access tokens carry client_id, not aud"
    assert claims["token_use"] == token_use, claims
    if lifetime is not None:
        assert claims["exp"] - claims["iat"] == lifetime, claims
    assert abs(claims["iat"] - time.time()) < 120, "iat is now"
    return claims


def totp_codes_near(secret, steps=3):
    """Every code the server could accept around now (the current step, +-`steps`)."""
    totp = pyotp.TOTP(secret)
    now = time.time()
    return {totp.at(now + 30 * i) for i in range(-steps, steps + 1)}


def wrong_totp(secret):
    """A six-digit code that is not the code of any step near now."""
    near = totp_codes_near(secret)
    for candidate in ("000000", "111111", "222222", "333333", "444444", "555555", "666666", "777777"):
        if candidate not in near:
            return candidate
    raise AssertionError("unreachable")


def next_totp(secret):
    """The next 30-second step's code: a code (step) is accepted only once, and the server allows
    one step of clock skew, so right after a code was used the next step's code is the one to use."""
    return pyotp.TOTP(secret).at(time.time() + 30)
