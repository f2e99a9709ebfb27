"""Fixtures: a live `warden serve` per backend (SQLite always, PostgreSQL when
WARDEN_TEST_POSTGRES_URL is set), admin boto3 clients signed with a Warden access key, and
helpers that point the unmodified scribeauth at the server with environment variables only."""

import json
import os
import socket
import subprocess
import tempfile
import time
import uuid

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config

WARDEN_BIN = os.environ.get("WARDEN_BIN", os.path.join(os.path.dirname(__file__), "../../target/debug/warden"))
PG_URL = os.environ.get("WARDEN_TEST_POSTGRES_URL")
if os.environ.get("WARDEN_REQUIRE_POSTGRES") == "1" and not PG_URL:
    raise RuntimeError("WARDEN_REQUIRE_POSTGRES=1 but WARDEN_TEST_POSTGRES_URL is not set: the PostgreSQL run would be skipped")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])
REGION = "eu-west-2"
PASSWORD = "Correct-Horse-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, sql):
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True, capture_output=True)


class Server:
    """One `warden serve` process with its own data dir (and database)."""

    def __init__(self, backend, **env):
        self.backend = backend
        self.data_dir = tempfile.mkdtemp(prefix="warden-compat-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key_id = "AKIA" + uuid.uuid4().hex[:16].upper()
        self.secret = "compat-" + uuid.uuid4().hex
        self.database = None
        full_env = dict(os.environ)
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            full_env.pop(k, None)
        full_env.update(
            WARDEN_LISTEN=f"127.0.0.1:{self.port}",
            WARDEN_DATA_DIR=self.data_dir,
            WARDEN_ADMIN_ACCESS_KEY_ID=self.key_id,
            WARDEN_ADMIN_SECRET_ACCESS_KEY=self.secret,
            WARDEN_THROTTLE_PER_SOURCE="1000",
            RUST_LOG="warn",
        )
        full_env.pop("WARDEN_DATABASE_URL", None)
        if backend == "postgres":
            self.database = "warden_compat_" + uuid.uuid4().hex[:12]
            psql(PG_URL, f"CREATE DATABASE {self.database}")
            base = PG_URL.rsplit("/", 1)[0]
            full_env["WARDEN_DATABASE_URL"] = f"{base}/{self.database}"
        full_env.update({k: str(v) for k, v in env.items()})
        self.env = full_env
        self.log = open(os.path.join(self.data_dir, "server.log"), "wb")
        self.proc = subprocess.Popen([WARDEN_BIN, "serve"], env=full_env, stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while True:
            try:
                if requests.get(self.url + "/ready", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("warden did not start: " + open(os.path.join(self.data_dir, "server.log")).read())
            time.sleep(0.1)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        if self.database:
            psql(PG_URL, f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")

    def client(self, service, signed=True, **kw):
        if signed:
            kw.setdefault("aws_access_key_id", self.key_id)
            kw.setdefault("aws_secret_access_key", self.secret)
        else:
            kw["config"] = Config(signature_version=UNSIGNED)
        return boto3.client(service, region_name=REGION, endpoint_url=self.url, **kw)

    def outbox(self):
        path = os.path.join(self.data_dir, "outbox.jsonl")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def last_code(self, username, template):
        for message in reversed(self.outbox()):
            if message["username"] == username and message["template"] == template:
                return message["code"]
        raise AssertionError(f"no {template} code for {username} in the outbox")


@pytest.fixture(scope="session", params=BACKENDS)
def server(request):
    s = Server(request.param)
    yield s
    s.stop()


@pytest.fixture
def admin(server):
    return server.client("cognito-idp")


@pytest.fixture
def unsigned(server):
    return server.client("cognito-idp", signed=False)


class Pool:
    def __init__(self, server, admin):
        self.admin = admin
        self.id = admin.create_user_pool(PoolName="compat-" + uuid.uuid4().hex[:6], MfaConfiguration="OPTIONAL")["UserPool"]["Id"]
        self.client_id = admin.create_user_pool_client(
            UserPoolId=self.id,
            ClientName="app",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"],
        )["UserPoolClient"]["ClientId"]

    def user(self, username=None, password=PASSWORD, permanent=True, email=None):
        username = username or "user-" + uuid.uuid4().hex[:8]
        self.admin.admin_create_user(
            UserPoolId=self.id,
            Username=username,
            TemporaryPassword=password if not permanent else "Temp-Passw0rd!",
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email or f"{username}@example.com"}],
        )
        if permanent:
            self.admin.admin_set_user_password(UserPoolId=self.id, Username=username, Password=password, Permanent=True)
        return username


@pytest.fixture
def pool(server, admin):
    return Pool(server, admin)


@pytest.fixture
def scribe_env(server, monkeypatch):
    """Only environment variables point the unmodified scribeauth (and its boto3) at Warden."""
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", server.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY", server.url)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    }


@pytest.fixture
def scribe(pool, scribe_env):
    from scribeauth import ScribeAuth

    return ScribeAuth({"client_id": pool.client_id, "user_pool_id": pool.id})
