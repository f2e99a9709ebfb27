CREATE TABLE issuers (
    iss TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
