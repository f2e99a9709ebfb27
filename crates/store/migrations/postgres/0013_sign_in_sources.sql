-- Where each user signed in from (a hash of pool, username and source address): an address a
-- user signed in from lately stays admitted when failures from elsewhere reach the user's
-- ceiling. Swept by age.
CREATE TABLE sign_in_sources (
    key TEXT PRIMARY KEY,
    seen_at BIGINT NOT NULL
);
CREATE INDEX sign_in_sources_seen ON sign_in_sources(seen_at);
