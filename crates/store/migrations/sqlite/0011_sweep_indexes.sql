-- The hourly sweep deletes expired rows by their expiry; DeleteUserPool deletes families and
-- challenges by pool.
CREATE INDEX families_expiry ON families(expires_at);
CREATE INDEX families_pool ON families(pool_id);
CREATE INDEX challenges_expiry ON challenges(expires_at);
CREATE INDEX challenges_pool ON challenges(pool_id);
CREATE INDEX codes_expiry ON codes(expires_at);
CREATE INDEX authorization_codes_expiry ON authorization_codes(expires_at);
CREATE INDEX browser_sessions_expiry ON browser_sessions(expires_at);
CREATE INDEX failures_at ON failures(at);
