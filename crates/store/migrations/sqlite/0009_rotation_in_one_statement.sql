-- A refresh-token rotation is one UPDATE: the trigger files the replaced hash among the retired
-- ones (for reuse detection) inside that statement, so the change is atomic without an explicit
-- transaction, and costs SQLite's single writer one round trip instead of four.
ALTER TABLE families ADD COLUMN rotated_at BIGINT;
CREATE TRIGGER families_retire_rotated_token AFTER UPDATE OF token_hash ON families
WHEN OLD.token_hash <> NEW.token_hash
BEGIN
    INSERT INTO retired_refresh_tokens (token_hash, family_id, retired_at)
    VALUES (OLD.token_hash, OLD.id, COALESCE(NEW.rotated_at, 0));
END;
