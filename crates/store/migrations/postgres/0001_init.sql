CREATE TABLE pools (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    settings TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE clients (
    id TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    secret_enc BYTEA,
    settings TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX clients_pool ON clients(pool_id, id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    username_lc TEXT NOT NULL,
    email TEXT,
    phone_number TEXT,
    status TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    password_hash TEXT,
    temp_expires_at BIGINT,
    attributes TEXT NOT NULL,
    totp_secret_enc BYTEA,
    totp_verified BIGINT NOT NULL,
    totp_enabled BIGINT NOT NULL,
    totp_last_step BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (pool_id, username_lc)
);
CREATE INDEX users_email ON users(pool_id, email);
CREATE INDEX users_phone ON users(pool_id, phone_number);

CREATE TABLE families (
    id TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash BYTEA NOT NULL UNIQUE,
    auth_time BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX families_user ON families(user_id);
CREATE INDEX families_client ON families(client_id);

CREATE TABLE challenges (
    id_hash BYTEA PRIMARY KEY,
    pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    failures BIGINT NOT NULL,
    auth_time BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX challenges_user ON challenges(user_id);
CREATE INDEX challenges_client ON challenges(client_id);

CREATE TABLE codes (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    code_hash BYTEA NOT NULL,
    attempts BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, purpose)
);

CREATE TABLE access_keys (
    id TEXT PRIMARY KEY,
    secret_enc BYTEA NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    alg TEXT NOT NULL,
    private_enc BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);

CREATE TABLE failures (
    key TEXT NOT NULL,
    attempt_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (key, attempt_id)
);
CREATE INDEX failures_key_at ON failures(key, at);
