-- The OAuth 2.0 / OpenID Connect door: granted scopes on families, rotated-out refresh tokens
-- (reuse detection), authorization codes, hosted-login browser sessions, resource servers.
ALTER TABLE families ADD COLUMN scope TEXT;
ALTER TABLE families ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
ALTER TABLE challenges ADD COLUMN hosted BIGINT NOT NULL DEFAULT 0;

CREATE TABLE retired_refresh_tokens (
    token_hash BLOB PRIMARY KEY,
    family_id TEXT NOT NULL REFERENCES families(id) ON DELETE CASCADE,
    retired_at BIGINT NOT NULL
);
CREATE INDEX retired_refresh_tokens_family ON retired_refresh_tokens(family_id);

CREATE TABLE authorization_codes (
    code_hash BLOB PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    doc TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    redeemed_at BIGINT
);
CREATE INDEX authorization_codes_client ON authorization_codes(client_id);
CREATE INDEX authorization_codes_user ON authorization_codes(user_id);

CREATE TABLE browser_sessions (
    id_hash BLOB PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    doc TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX browser_sessions_user ON browser_sessions(user_id);

CREATE TABLE resource_servers (
    pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
    identifier TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (pool_id, identifier)
);
