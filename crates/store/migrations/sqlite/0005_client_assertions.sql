-- private_key_jwt (RFC 7523): the jti of each client assertion, kept until it expires, so an
-- assertion cannot be replayed.
CREATE TABLE client_assertions (
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    jti_hash BLOB NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, jti_hash)
);
CREATE INDEX client_assertions_expiry ON client_assertions(expires_at);
