CREATE TABLE identity_pools (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    allow_unauthenticated BIGINT NOT NULL,
    providers TEXT NOT NULL,
    roles TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE identities (
    id TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL REFERENCES identity_pools(id) ON DELETE CASCADE,
    login TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (pool_id, login)
);

CREATE TABLE temporary_credentials (
    access_key_id TEXT PRIMARY KEY,
    secret_enc BYTEA NOT NULL,
    session_token_hash BYTEA NOT NULL,
    identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    family_id TEXT NOT NULL,
    role TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX temporary_credentials_identity ON temporary_credentials(identity_id);
CREATE INDEX temporary_credentials_expiry ON temporary_credentials(expires_at);
