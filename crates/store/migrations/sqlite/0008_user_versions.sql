-- Optimistic concurrency for users: every write names the version it read and bumps it, so two
-- changes racing on one user (a password change and a TOTP sign-in, two TOTP answers with one
-- code) cannot silently overwrite each other; the loser is refused and changes nothing.
ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
