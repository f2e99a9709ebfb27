-- A refresh-token rotation is one UPDATE: the trigger files the replaced hash among the retired
-- ones (for reuse detection) inside that statement, so the change is atomic without an explicit
-- transaction, and costs one round trip and one commit instead of four round trips.
ALTER TABLE families ADD COLUMN rotated_at BIGINT;
CREATE FUNCTION families_retire_rotated_token() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO retired_refresh_tokens (token_hash, family_id, retired_at)
    VALUES (OLD.token_hash, OLD.id, COALESCE(NEW.rotated_at, 0));
    RETURN NEW;
END
$$;
CREATE TRIGGER families_retire_rotated_token AFTER UPDATE OF token_hash ON families
FOR EACH ROW WHEN (OLD.token_hash IS DISTINCT FROM NEW.token_hash)
EXECUTE FUNCTION families_retire_rotated_token();
