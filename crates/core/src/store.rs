//! The persistence contract. Stores implement it (SQLite, PostgreSQL); one conformance suite
//! checks both. Each method that changes several rows runs in one transaction.

use async_trait::async_trait;

use crate::clock::Timestamp;
use crate::error::StoreError;
use crate::model::{
    AccessKey, AuthorizationCode, BrowserSession, Challenge, Client, Code, CodeOutcome, CodePurpose, Group, Identity,
    IdentityPool, Issuer, Pool, RefreshFamily, ResourceServer, SigningKeyRecord, TemporaryCredentials, User,
};

pub type StoreResult<T> = Result<T, StoreError>;

/// A one-time code presented for redemption (`Store::redeem_code`): `then.id`'s code for
/// `purpose`.
#[derive(Debug, Clone)]
pub struct CodeRedemption {
    pub purpose: CodePurpose,
    pub code_hash: Vec<u8>,
    pub now: Timestamp,
    pub max_attempts: u32,
    /// What the user becomes on a match.
    pub then: User,
    /// On a match, also end every session of the user.
    pub ends_sessions: bool,
}

/// What the sweep deletes: rows whose expiry (a failure's time) is at or before these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepBefore {
    /// Refresh families: kept past their refresh token's expiry for as long as an access token
    /// refreshed at the last moment lives, since access tokens are checked against them.
    pub families: Timestamp,
    /// Authorization codes: redeemed ones are kept a while for replay detection.
    pub authorization_codes: Timestamp,
    /// Challenges, one-time codes, browser sessions, temporary credentials, client assertions.
    pub short_lived: Timestamp,
    /// Failed attempts older than the throttle window.
    pub failures: Timestamp,
}

/// How a refresh family is looked up.
#[derive(Debug, Clone, Copy)]
pub enum FamilyKey<'a> {
    /// Its id, the tokens' `origin_jti`.
    Id(&'a str),
    /// The SHA-256 of its refresh token.
    TokenHash(&'a [u8]),
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Reachability, for `/ready`.
    async fn ping(&self) -> StoreResult<()>;

    // Pools
    async fn insert_pool(&self, pool: &Pool) -> StoreResult<()>;
    async fn get_pool(&self, id: &str) -> StoreResult<Option<Pool>>;
    async fn update_pool(&self, pool: &Pool) -> StoreResult<()>;
    /// Pools ordered by id, after `after` (exclusive).
    async fn list_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<Pool>>;
    /// Deletes the pool and everything in it. Returns false if there was no such pool.
    async fn delete_pool(&self, id: &str) -> StoreResult<bool>;

    // Clients
    async fn insert_client(&self, client: &Client) -> StoreResult<()>;
    async fn get_client(&self, id: &str) -> StoreResult<Option<Client>>;
    async fn update_client(&self, client: &Client) -> StoreResult<()>;
    async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<Client>>;
    /// Deletes the client and its token families.
    async fn delete_client(&self, id: &str) -> StoreResult<bool>;

    // Users
    /// `StoreError::Conflict` if the (case-insensitive) username is taken in the pool.
    async fn insert_user(&self, user: &User) -> StoreResult<()>;
    async fn get_user(&self, pool_id: &str, user_id: &str) -> StoreResult<Option<User>>;
    async fn get_user_by_username(&self, pool_id: &str, username: &str) -> StoreResult<Option<User>>;
    /// Users whose attribute `name` equals `value` exactly (email, phone_number aliases).
    async fn find_users_by_attribute(&self, pool_id: &str, name: &str, value: &str) -> StoreResult<Vec<User>>;
    /// Writes `user` if the stored row is still at `user.version`, and bumps both; otherwise
    /// `StoreError::Stale` and nothing is written (the user changed or was deleted meanwhile).
    async fn update_user(&self, user: &mut User) -> StoreResult<()>;
    /// Users ordered by normalised username, after `after` (exclusive).
    async fn list_users(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<User>>;
    /// Deletes the user with its families, challenges and codes.
    async fn delete_user(&self, pool_id: &str, user_id: &str) -> StoreResult<bool>;
    /// Writes `user` and ends every session of theirs (as `revoke_user_families`), in one
    /// transaction (password resets, admin password changes, disabling). Version-checked as
    /// `update_user`; `user.session_epoch` is bumped with the stored one.
    async fn update_user_revoking_families(&self, user: &mut User, at: Timestamp) -> StoreResult<()>;

    // Refresh-token families
    /// Inserts a sign-in's family while the user's session epoch is still `user_epoch` (the one
    /// the sign-in read): `Stale`, writing nothing, once their sessions were ended meanwhile.
    async fn insert_family(&self, family: &RefreshFamily, user_epoch: i64) -> StoreResult<()>;
    async fn get_family(&self, id: &str) -> StoreResult<Option<RefreshFamily>>;
    async fn get_family_by_token_hash(&self, token_hash: &[u8]) -> StoreResult<Option<RefreshFamily>>;
    /// A family and its user in one read (the refresh and access-token hot paths).
    async fn get_family_with_user(&self, key: FamilyKey<'_>) -> StoreResult<Option<(RefreshFamily, User)>>;
    /// Revokes one family (idempotent). Returns false if no such family.
    async fn revoke_family(&self, id: &str, at: Timestamp) -> StoreResult<bool>;
    /// Ends every session of a user, in one transaction: bumps their session epoch (so sign-ins
    /// under way can write nothing more), revokes every live family, and deletes their browser
    /// sessions, open challenges and unredeemed authorization codes (redeemed ones stay, for
    /// replay detection). Returns how many families were revoked.
    async fn revoke_user_families(&self, user_id: &str, at: Timestamp) -> StoreResult<u64>;
    /// Replaces the family's refresh token if `old_hash` is still its current one and the family
    /// is not revoked, and keeps `old_hash` as retired (reuse detection), atomically. False
    /// otherwise.
    async fn rotate_refresh_token(
        &self,
        family_id: &str,
        old_hash: &[u8],
        new_hash: &[u8],
        at: Timestamp,
    ) -> StoreResult<bool>;
    /// A whole refresh with rotation: the family whose current token hash is `old_hash` gets
    /// `new_hash` (the old one retired as by `rotate_refresh_token`) if it was issued to
    /// `client_id`, is neither revoked nor expired at `at`, and its user is enabled. Returns the
    /// family as rotated, its user and the user's groups; `None`, with nothing changed, when any
    /// of that fails (the caller reads to learn why). By default a read and then a rotation; a
    /// store may do it in one statement.
    async fn rotate_refresh_token_by_hash(
        &self,
        old_hash: &[u8],
        new_hash: &[u8],
        client_id: &str,
        at: Timestamp,
    ) -> StoreResult<Option<(RefreshFamily, User, Vec<Group>)>> {
        read_then_rotate(self, old_hash, new_hash, client_id, at).await
    }
    /// The family a rotated-out refresh token belonged to.
    async fn get_retired_refresh_token(&self, token_hash: &[u8]) -> StoreResult<Option<String>>;

    // Authorization codes
    /// Inserts the code while the user's session epoch is still `code.user_epoch`; `Stale`
    /// otherwise.
    async fn insert_authorization_code(&self, code: &AuthorizationCode) -> StoreResult<()>;
    async fn get_authorization_code(&self, code_hash: &[u8]) -> StoreResult<Option<AuthorizationCode>>;
    /// Marks the code redeemed and inserts the family of its tokens, in one transaction; false
    /// (nothing written) if the code was already redeemed or has expired at `at`; `Stale`
    /// (nothing written) if the user's session epoch is no longer `user_epoch`.
    async fn redeem_authorization_code(
        &self,
        code_hash: &[u8],
        at: Timestamp,
        family: &RefreshFamily,
        user_epoch: i64,
    ) -> StoreResult<bool>;

    /// Records a client assertion's `jti` (hashed) until `expires_at`; false if the client
    /// already used it (a replay). Forgets assertions that expired before `now`.
    async fn record_client_assertion(
        &self,
        client_id: &str,
        jti_hash: &[u8],
        expires_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool>;

    /// The scopes (space-separated) the user consented to for the client, if any.
    async fn get_consent(&self, user_id: &str, client_id: &str) -> StoreResult<Option<String>>;
    /// Records (replaces) the user's consent for the client.
    async fn put_consent(&self, user_id: &str, client_id: &str, scope: &str, at: Timestamp) -> StoreResult<()>;

    // Hosted-login browser sessions
    /// Inserts the session while the user's session epoch is still `session.user_epoch`;
    /// `Stale` otherwise.
    async fn insert_browser_session(&self, session: &BrowserSession) -> StoreResult<()>;
    async fn get_browser_session(&self, id_hash: &[u8]) -> StoreResult<Option<BrowserSession>>;
    async fn delete_browser_session(&self, id_hash: &[u8]) -> StoreResult<bool>;

    // Resource servers
    /// `StoreError::Conflict` if the pool already has a server with this identifier.
    async fn insert_resource_server(&self, server: &ResourceServer) -> StoreResult<()>;
    async fn get_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<Option<ResourceServer>>;
    /// A pool's servers ordered by identifier, after `after` (exclusive).
    async fn list_resource_servers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ResourceServer>>;
    /// False if there was no such server.
    async fn update_resource_server(&self, server: &ResourceServer) -> StoreResult<bool>;
    async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<bool>;

    // Challenges
    /// Inserts the challenge while the user's session epoch is still `user_epoch`; `Stale`
    /// otherwise.
    async fn insert_challenge(&self, challenge: &Challenge, user_epoch: i64) -> StoreResult<()>;
    async fn get_challenge(&self, id_hash: &[u8]) -> StoreResult<Option<Challenge>>;
    /// Deletes the challenge; true only for the one caller that deleted it (single use).
    async fn consume_challenge(&self, id_hash: &[u8]) -> StoreResult<bool>;
    /// Counts a failed answer and returns the new count.
    async fn record_challenge_failure(&self, id_hash: &[u8]) -> StoreResult<u32>;

    // One-time codes
    /// Stores the user's code for `code.purpose`, replacing any earlier one.
    async fn put_code(&self, code: &Code) -> StoreResult<()>;
    /// Checks and redeems a code in one transaction. On a match the code is deleted and
    /// `then` is written (version-checked as `update_user`: `StoreError::Stale` undoes the
    /// redemption); on a mismatch the attempt is counted and, past `max_attempts`, the code is
    /// deleted. With `ends_sessions`, a match also ends every session of the user, in the same
    /// transaction (as `revoke_user_families`: a reset password leaves no session behind, even
    /// when the revocation would have failed on its own).
    async fn redeem_code(&self, redemption: &CodeRedemption) -> StoreResult<CodeOutcome>;

    // Access keys
    async fn insert_access_key(&self, key: &AccessKey) -> StoreResult<()>;
    async fn get_access_key(&self, id: &str) -> StoreResult<Option<AccessKey>>;
    async fn list_access_keys(&self) -> StoreResult<Vec<AccessKey>>;
    async fn delete_access_key(&self, id: &str) -> StoreResult<bool>;

    // Signing keys
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<()>;
    async fn list_signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>>;
    /// Retires, from `at`, every key of `alg` older than the key `kid` created at `created_at`
    /// (created before it, or in the same second with a smaller kid) that is not retired by
    /// then; returns how many. Newer keys are left alone: of two rotations at once, the newer
    /// key stays unretired.
    async fn retire_signing_keys(&self, alg: &str, kid: &str, created_at: Timestamp, at: Timestamp)
        -> StoreResult<u64>;
    /// Sets a retired key's `retired_at` to `at` (withdrawing it early); false when `kid` is
    /// not a retired key (unknown, or the one no rotation has replaced).
    async fn withdraw_signing_key(&self, kid: &str, at: Timestamp) -> StoreResult<bool>;

    // Identity pools
    async fn insert_identity_pool(&self, pool: &IdentityPool) -> StoreResult<()>;
    async fn get_identity_pool(&self, id: &str) -> StoreResult<Option<IdentityPool>>;
    async fn update_identity_pool(&self, pool: &IdentityPool) -> StoreResult<()>;
    /// Identity pools ordered by id, after `after` (exclusive).
    async fn list_identity_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<IdentityPool>>;
    /// Deletes the identity pool with its identities and credentials.
    async fn delete_identity_pool(&self, id: &str) -> StoreResult<bool>;
    /// The identity of `login` in the pool, created as `candidate` if there is none yet; safe
    /// under concurrency (one identity per login).
    async fn get_or_create_identity(&self, candidate: &Identity) -> StoreResult<Identity>;
    async fn get_identity(&self, id: &str) -> StoreResult<Option<Identity>>;
    async fn insert_credentials(&self, creds: &TemporaryCredentials) -> StoreResult<()>;
    async fn get_credentials(&self, access_key_id: &str) -> StoreResult<Option<TemporaryCredentials>>;

    // Self-managed token issuers
    /// Adds or replaces the issuer with this `iss`.
    async fn put_issuer(&self, issuer: &Issuer) -> StoreResult<()>;
    async fn get_issuer(&self, iss: &str) -> StoreResult<Option<Issuer>>;
    async fn list_issuers(&self) -> StoreResult<Vec<Issuer>>;
    async fn delete_issuer(&self, iss: &str) -> StoreResult<bool>;

    // Groups
    /// `StoreError::Conflict` if the pool already has a group of this name (names are exact).
    async fn insert_group(&self, group: &Group) -> StoreResult<()>;
    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>>;
    /// A pool's groups ordered by name, after `after` (exclusive).
    async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<Group>>;
    /// Writes the group's description, precedence, role and `updated_at`. False if there was no
    /// such group.
    async fn update_group(&self, group: &Group) -> StoreResult<bool>;
    /// Deletes the group and every membership in it. False if there was no such group.
    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool>;
    /// Makes the user a member of the group (idempotent). True if they were not one before;
    /// false, writing nothing, when they were or when the group or the user (in that pool) does
    /// not exist.
    async fn add_user_to_group(&self, pool_id: &str, name: &str, user_id: &str) -> StoreResult<bool>;
    /// False if the user was not a member.
    async fn remove_user_from_group(&self, pool_id: &str, name: &str, user_id: &str) -> StoreResult<bool>;
    /// The user's groups ordered by name, after `after` (exclusive). One indexed read: sign-ins
    /// and code grants call it for their tokens.
    async fn list_groups_for_user(&self, user_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<Group>>;
    /// The group's members ordered by normalised username, after `after` (exclusive).
    async fn list_users_in_group(
        &self,
        pool_id: &str,
        name: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<User>>;
    /// `get_family_with_user` and the user's groups (in no particular order) in one read: the
    /// refresh paths, which put the groups in the tokens they sign.
    async fn get_family_with_user_and_groups(
        &self,
        key: FamilyKey<'_>,
    ) -> StoreResult<Option<(RefreshFamily, User, Vec<Group>)>>;

    // Throttling
    /// Records one failed attempt under `key`, once per `attempt_id` (a client's retries of the
    /// same call share it), and returns the number of attempts since `since`.
    async fn record_failure(&self, key: &str, attempt_id: &str, at: Timestamp, since: Timestamp) -> StoreResult<u32>;
    async fn count_failures(&self, key: &str, since: Timestamp) -> StoreResult<u32>;
    async fn clear_failures(&self, key: &str) -> StoreResult<()>;
    /// Deletes what expired before the cut-offs; returns how many rows went.
    async fn sweep(&self, before: &SweepBefore) -> StoreResult<u64>;
    /// Counts `attempt_id` against each `(key, limit)` before the attempt is checked, so that
    /// attempts in flight count: unless a key already holds `limit` attempts since `since`,
    /// then nothing is recorded and that key's index is returned. Serialised per key, so
    /// concurrent attempts cannot together pass a limit.
    async fn reserve_attempt(
        &self,
        keys: &[(&str, u32)],
        attempt_id: &str,
        at: Timestamp,
        since: Timestamp,
    ) -> StoreResult<Option<usize>>;
    /// Takes back one reserved attempt (it succeeded and is not to count).
    async fn release_attempt(&self, key: &str, attempt_id: &str) -> StoreResult<()>;

    // Self-managed token issuers (continued)
    /// Writes `new` (same `iss`) in place of `old` if the stored issuer is still `old`; false,
    /// writing nothing, when it was replaced or removed meanwhile (a key refresh must not undo
    /// that).
    async fn replace_issuer(&self, old: &Issuer, new: &Issuer) -> StoreResult<bool>;
}

/// `Store::rotate_refresh_token_by_hash` as a read and then a rotation (its default).
pub async fn read_then_rotate<S: Store + ?Sized>(
    store: &S,
    old_hash: &[u8],
    new_hash: &[u8],
    client_id: &str,
    at: Timestamp,
) -> StoreResult<Option<(RefreshFamily, User, Vec<Group>)>> {
    let Some((mut family, user, groups)) =
        store.get_family_with_user_and_groups(FamilyKey::TokenHash(old_hash)).await?
    else {
        return Ok(None);
    };
    if family.client_id != client_id || family.revoked_at.is_some() || family.expires_at <= at || !user.enabled {
        return Ok(None);
    }
    if !store.rotate_refresh_token(&family.id, old_hash, new_hash, at).await? {
        return Ok(None);
    }
    family.token_hash = new_hash.to_vec();
    Ok(Some((family, user, groups)))
}
