-- The hourly sweep deletes expired rows by their expiry; DeleteUserPool deletes challenges by
-- pool. Families get no such index: a refresh-token rotation rewrites the row's index entries
-- (its token hash is indexed), so every index on families costs the refresh path; the hourly
-- sweep scans them instead.
CREATE INDEX challenges_expiry ON challenges(expires_at);
CREATE INDEX challenges_pool ON challenges(pool_id);
CREATE INDEX codes_expiry ON codes(expires_at);
CREATE INDEX authorization_codes_expiry ON authorization_codes(expires_at);
CREATE INDEX browser_sessions_expiry ON browser_sessions(expires_at);
CREATE INDEX failures_at ON failures(at);
