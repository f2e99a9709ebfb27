"""Fixtures: one live `warden serve` per backend for the whole session (SQLite always, PostgreSQL
when WARDEN_TEST_POSTGRES_URL is set), admin boto3 clients signed with the bootstrap access key,
pools, users, and the environment that points the unmodified scribeauth at the server.

Environment:
  WARDEN_BIN                 the warden binary (default: <repo>/target/debug/warden)
  WARDEN_TEST_POSTGRES_URL   e.g. postgres://postgres@127.0.0.1:5432/postgres: also run on PostgreSQL,
                             each server in a fresh database made (and dropped) with the psql CLI
  WARDEN_REQUIRE_POSTGRES=1  refuse to run without WARDEN_TEST_POSTGRES_URL instead of skipping it
  WARDEN_COMPAT_KEEP=1       keep the servers' data dirs (logs, outbox) after the run
"""

import os

import boto3
import pytest
from warden_compat import (
    AWS_LEAKS,
    BACKENDS,
    PASSWORD,
    PG_URL,
    REGION,
    REQUIRE_PG,
    WARDEN_BIN,
    Pool,
    Server,
)

# Re-exported: test modules import these from conftest too.
__all__ = ["PASSWORD", "REGION", "Server", "Pool"]

# Subprocesses (the gateway test, CLI runs) find the binary through the environment.
os.environ["WARDEN_BIN"] = WARDEN_BIN


def pytest_configure(config):
    if REQUIRE_PG and not PG_URL:
        raise pytest.UsageError(
            "WARDEN_REQUIRE_POSTGRES=1 but WARDEN_TEST_POSTGRES_URL is not set: the PostgreSQL half of the "
            "compatibility suite would be skipped. Set WARDEN_TEST_POSTGRES_URL=postgres://user@host:port/db."
        )


def pytest_report_header(config):
    return [f"warden: {WARDEN_BIN}", f"backends: {', '.join(BACKENDS)}"]


def stop_checked(server):
    problems = server.stop()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="session", params=BACKENDS)
def server(request):
    """The shared server of one backend, with the default argon2 cost (nothing lowered)."""
    s = Server(request.param)
    yield s
    stop_checked(s)


@pytest.fixture
def start_server(server):
    """Starts a dedicated server on the same backend as `server` with extra environment (e.g. a
    low throttle limit); stopped, and checked for crashes, at the end of the test."""
    started = []

    def start(**env):
        s = Server(server.backend, **env)
        started.append(s)
        return s

    yield start
    problems = [p for s in started for p in s.stop()]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def admin(server):
    """cognito-idp, SigV4-signed with the bootstrap operator key."""
    return server.client("cognito-idp")


@pytest.fixture(scope="session")
def unsigned(server):
    """cognito-idp without a signature (the calls end users make)."""
    return server.client("cognito-idp", signed=False)


@pytest.fixture
def pool(server, admin):
    """A fresh pool (MfaConfiguration OPTIONAL) with a public client: password, refresh and
    admin-password flows."""
    return Pool(server, admin)


@pytest.fixture
def user(pool):
    """A CONFIRMED user of `pool` whose password is PASSWORD."""
    return pool.user()


@pytest.fixture
def scribe_env(server, monkeypatch, tmp_path):
    """Points the unmodified scribeauth (and the boto3 it creates) at Warden with environment
    variables only, with no AWS credentials anywhere. Returns the environment for subprocesses
    (the scribeauth CLI)."""
    for k in AWS_LEAKS:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", server.url)
    # The identity-pool methods (get_federated_id/credentials) use the cognito-identity service.
    monkeypatch.setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY", server.url)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # Isolation from the developer's ~/.aws (profiles, endpoint overrides, credentials).
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    # scribeauth calls boto3.client(), i.e. boto3's default session: start it afresh so it reads
    # this environment, as a new process would.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    assert boto3.session.Session().get_credentials() is None, "no AWS credentials may reach scribeauth"
    return dict(os.environ)


@pytest.fixture
def scribe(pool, scribe_env):
    from scribeauth import ScribeAuth

    return ScribeAuth({"client_id": pool.client_id, "user_pool_id": pool.id})
