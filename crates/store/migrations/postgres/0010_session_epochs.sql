-- A user's session epoch: bumped by every write that ends the user's sessions (global sign-out,
-- a new or reset password, disabling). A sign-in carries the epoch it read the user at, and its
-- family, browser session, challenge or authorization code is written only while the epoch is
-- unchanged, so a sign-in under way when the sessions end cannot mint tokens after it.
ALTER TABLE users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
