//! The core's `Store` trait, delegating to the per-table modules.

use async_trait::async_trait;
use warden_core::model::{
    AccessKey, AuthorizationCode, BrowserSession, Challenge, Client, Code, CodeOutcome, Group, Identity, IdentityPool,
    Issuer, Pool, RefreshFamily, ResourceServer, SigningKeyRecord, TemporaryCredentials, User,
};
use warden_core::store::{CodeRedemption, FamilyKey, Store, StoreResult, SweepBefore};

use crate::SqlStore;

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> StoreResult<()> {
        self.do_ping().await
    }
    async fn insert_pool(&self, pool: &Pool) -> StoreResult<()> {
        self.do_insert_pool(pool).await
    }
    async fn get_pool(&self, id: &str) -> StoreResult<Option<Pool>> {
        self.do_get_pool(id).await
    }
    async fn update_pool(&self, pool: &Pool) -> StoreResult<()> {
        self.do_update_pool(pool).await
    }
    async fn list_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<Pool>> {
        self.do_list_pools(after, limit).await
    }
    async fn delete_pool(&self, id: &str) -> StoreResult<bool> {
        self.do_delete_pool(id).await
    }
    async fn insert_client(&self, client: &Client) -> StoreResult<()> {
        self.do_insert_client(client).await
    }
    async fn get_client(&self, id: &str) -> StoreResult<Option<Client>> {
        self.do_get_client(id).await
    }
    async fn update_client(&self, client: &Client) -> StoreResult<()> {
        self.do_update_client(client).await
    }
    async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<Client>> {
        self.do_list_clients(pool_id, after, limit).await
    }
    async fn delete_client(&self, id: &str) -> StoreResult<bool> {
        self.do_delete_client(id).await
    }
    async fn insert_user(&self, user: &User) -> StoreResult<()> {
        self.do_insert_user(user).await
    }
    async fn get_user(&self, pool_id: &str, user_id: &str) -> StoreResult<Option<User>> {
        self.do_get_user(pool_id, user_id).await
    }
    async fn get_user_by_username(&self, pool_id: &str, username: &str) -> StoreResult<Option<User>> {
        self.do_get_user_by_username(pool_id, username).await
    }
    async fn find_users_by_attribute(&self, pool_id: &str, name: &str, value: &str) -> StoreResult<Vec<User>> {
        self.do_find_users_by_attribute(pool_id, name, value).await
    }
    async fn update_user(&self, user: &mut User) -> StoreResult<()> {
        self.do_update_user(user).await?;
        user.version += 1;
        Ok(())
    }
    async fn list_users(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<User>> {
        self.do_list_users(pool_id, after, limit).await
    }
    async fn delete_user(&self, pool_id: &str, user_id: &str) -> StoreResult<bool> {
        self.do_delete_user(pool_id, user_id).await
    }
    async fn update_user_revoking_families(&self, user: &mut User, at: i64) -> StoreResult<()> {
        let copy = user.clone();
        self.detached(move |s| async move { s.do_update_user_revoking_families(&copy, at).await }).await?;
        user.version += 1;
        user.session_epoch += 1;
        Ok(())
    }
    async fn insert_family(&self, family: &RefreshFamily, user_epoch: i64) -> StoreResult<()> {
        let family = family.clone();
        self.detached(move |s| async move { s.do_insert_family(&family, user_epoch).await }).await
    }
    async fn get_family(&self, id: &str) -> StoreResult<Option<RefreshFamily>> {
        self.do_get_family(id).await
    }
    async fn get_family_by_token_hash(&self, token_hash: &[u8]) -> StoreResult<Option<RefreshFamily>> {
        self.do_get_family_by_token_hash(token_hash).await
    }
    async fn get_family_with_user(&self, key: FamilyKey<'_>) -> StoreResult<Option<(RefreshFamily, User)>> {
        self.do_get_family_with_user(key).await
    }
    async fn revoke_family(&self, id: &str, at: i64) -> StoreResult<bool> {
        self.do_revoke_family(id, at).await
    }
    async fn revoke_user_families(&self, user_id: &str, at: i64) -> StoreResult<u64> {
        let user_id = user_id.to_owned();
        self.detached(move |s| async move { s.do_revoke_user_families(&user_id, at).await }).await
    }
    async fn insert_challenge(&self, challenge: &Challenge, user_epoch: i64) -> StoreResult<()> {
        let challenge = challenge.clone();
        self.detached(move |s| async move { s.do_insert_challenge(&challenge, user_epoch).await }).await
    }
    async fn get_challenge(&self, id_hash: &[u8]) -> StoreResult<Option<Challenge>> {
        self.do_get_challenge(id_hash).await
    }
    async fn consume_challenge(&self, id_hash: &[u8]) -> StoreResult<bool> {
        self.do_consume_challenge(id_hash).await
    }
    async fn record_challenge_failure(&self, id_hash: &[u8]) -> StoreResult<u32> {
        self.do_record_challenge_failure(id_hash).await
    }
    async fn put_code(&self, code: &Code) -> StoreResult<()> {
        self.do_put_code(code).await
    }
    async fn redeem_code(&self, redemption: &CodeRedemption) -> StoreResult<CodeOutcome> {
        let redemption = redemption.clone();
        self.detached(move |s| async move { s.do_redeem_code(&redemption).await }).await
    }
    async fn insert_access_key(&self, key: &AccessKey) -> StoreResult<()> {
        self.do_insert_access_key(key).await
    }
    async fn get_access_key(&self, id: &str) -> StoreResult<Option<AccessKey>> {
        self.do_get_access_key(id).await
    }
    async fn list_access_keys(&self) -> StoreResult<Vec<AccessKey>> {
        self.do_list_access_keys().await
    }
    async fn delete_access_key(&self, id: &str) -> StoreResult<bool> {
        self.do_delete_access_key(id).await
    }
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<()> {
        self.do_insert_signing_key(key).await
    }
    async fn list_signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>> {
        self.do_list_signing_keys().await
    }
    async fn retire_signing_keys(&self, alg: &str, kid: &str, created_at: i64, at: i64) -> StoreResult<u64> {
        self.do_retire_signing_keys(alg, kid, created_at, at).await
    }
    async fn withdraw_signing_key(&self, kid: &str, at: i64) -> StoreResult<bool> {
        self.do_withdraw_signing_key(kid, at).await
    }
    async fn insert_identity_pool(&self, pool: &IdentityPool) -> StoreResult<()> {
        self.do_insert_identity_pool(pool).await
    }
    async fn get_identity_pool(&self, id: &str) -> StoreResult<Option<IdentityPool>> {
        self.do_get_identity_pool(id).await
    }
    async fn update_identity_pool(&self, pool: &IdentityPool) -> StoreResult<()> {
        self.do_update_identity_pool(pool).await
    }
    async fn list_identity_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<IdentityPool>> {
        self.do_list_identity_pools(after, limit).await
    }
    async fn delete_identity_pool(&self, id: &str) -> StoreResult<bool> {
        self.do_delete_identity_pool(id).await
    }
    async fn get_or_create_identity(&self, candidate: &Identity) -> StoreResult<Identity> {
        self.do_get_or_create_identity(candidate).await
    }
    async fn get_identity(&self, id: &str) -> StoreResult<Option<Identity>> {
        self.do_get_identity(id).await
    }
    async fn insert_credentials(&self, creds: &TemporaryCredentials) -> StoreResult<()> {
        let creds = creds.clone();
        self.detached(move |s| async move { s.do_insert_credentials(&creds).await }).await
    }
    async fn get_credentials(&self, access_key_id: &str) -> StoreResult<Option<TemporaryCredentials>> {
        self.do_get_credentials(access_key_id).await
    }
    async fn put_issuer(&self, issuer: &Issuer) -> StoreResult<()> {
        self.do_put_issuer(issuer).await
    }
    async fn get_issuer(&self, iss: &str) -> StoreResult<Option<Issuer>> {
        self.do_get_issuer(iss).await
    }
    async fn list_issuers(&self) -> StoreResult<Vec<Issuer>> {
        self.do_list_issuers().await
    }
    async fn delete_issuer(&self, iss: &str) -> StoreResult<bool> {
        self.do_delete_issuer(iss).await
    }
    async fn record_failure(&self, key: &str, attempt_id: &str, at: i64, since: i64) -> StoreResult<u32> {
        let (key, attempt_id) = (key.to_owned(), attempt_id.to_owned());
        self.detached(move |s| async move { s.do_record_failure(&key, &attempt_id, at, since).await }).await
    }
    async fn count_failures(&self, key: &str, since: i64) -> StoreResult<u32> {
        self.do_count_failures(key, since).await
    }
    async fn clear_failures(&self, key: &str) -> StoreResult<()> {
        self.do_clear_failures(key).await
    }
    async fn sweep(&self, before: &SweepBefore) -> StoreResult<u64> {
        self.do_sweep(before).await
    }
    async fn reserve_attempt(
        &self,
        keys: &[(&str, u32)],
        attempt_id: &str,
        at: i64,
        since: i64,
    ) -> StoreResult<Option<usize>> {
        let keys: Vec<(String, u32)> = keys.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect();
        let attempt_id = attempt_id.to_owned();
        self.detached(move |s| async move { s.do_reserve_attempt(&keys, &attempt_id, at, since).await }).await
    }
    async fn release_attempt(&self, key: &str, attempt_id: &str) -> StoreResult<()> {
        self.do_release_attempt(key, attempt_id).await
    }
    async fn rotate_refresh_token(&self, family_id: &str, old: &[u8], new: &[u8], at: i64) -> StoreResult<bool> {
        self.rotate_batched(family_id, old, new, at).await
    }
    async fn rotate_refresh_token_by_hash(
        &self,
        old: &[u8],
        new: &[u8],
        client_id: &str,
        at: i64,
    ) -> StoreResult<Option<(RefreshFamily, User, Vec<Group>)>> {
        match self.backend {
            // One round trip instead of a read and then a write.
            crate::Backend::Postgres => self.rotate_checked_batched(old, new, client_id, at).await,
            // Reads are answered inline on SQLite: the trait's read-then-rotate costs nothing more.
            crate::Backend::Sqlite => warden_core::store::read_then_rotate(self, old, new, client_id, at).await,
        }
    }
    async fn get_retired_refresh_token(&self, token_hash: &[u8]) -> StoreResult<Option<String>> {
        self.do_get_retired_refresh_token(token_hash).await
    }
    async fn insert_authorization_code(&self, code: &AuthorizationCode) -> StoreResult<()> {
        let code = code.clone();
        self.detached(move |s| async move { s.do_insert_authorization_code(&code).await }).await
    }
    async fn get_authorization_code(&self, code_hash: &[u8]) -> StoreResult<Option<AuthorizationCode>> {
        self.do_get_authorization_code(code_hash).await
    }
    async fn redeem_authorization_code(
        &self,
        code_hash: &[u8],
        at: i64,
        family: &RefreshFamily,
        user_epoch: i64,
    ) -> StoreResult<bool> {
        let (code_hash, family) = (code_hash.to_vec(), family.clone());
        self.detached(move |s| async move { s.do_redeem_authorization_code(&code_hash, at, &family, user_epoch).await })
            .await
    }
    async fn record_client_assertion(&self, client_id: &str, jti_hash: &[u8], exp: i64, now: i64) -> StoreResult<bool> {
        let (client_id, jti_hash) = (client_id.to_owned(), jti_hash.to_vec());
        self.detached(move |s| async move { s.do_record_client_assertion(&client_id, &jti_hash, exp, now).await }).await
    }
    async fn get_consent(&self, user_id: &str, client_id: &str) -> StoreResult<Option<String>> {
        self.do_get_consent(user_id, client_id).await
    }
    async fn put_consent(&self, user_id: &str, client_id: &str, scope: &str, at: i64) -> StoreResult<()> {
        self.do_put_consent(user_id, client_id, scope, at).await
    }
    async fn insert_browser_session(&self, session: &BrowserSession) -> StoreResult<()> {
        let session = session.clone();
        self.detached(move |s| async move { s.do_insert_browser_session(&session).await }).await
    }
    async fn get_browser_session(&self, id_hash: &[u8]) -> StoreResult<Option<BrowserSession>> {
        self.do_get_browser_session(id_hash).await
    }
    async fn delete_browser_session(&self, id_hash: &[u8]) -> StoreResult<bool> {
        self.do_delete_browser_session(id_hash).await
    }
    async fn insert_resource_server(&self, server: &ResourceServer) -> StoreResult<()> {
        self.do_insert_resource_server(server).await
    }
    async fn get_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<Option<ResourceServer>> {
        self.do_get_resource_server(pool_id, identifier).await
    }
    async fn list_resource_servers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ResourceServer>> {
        self.do_list_resource_servers(pool_id, after, limit).await
    }
    async fn update_resource_server(&self, server: &ResourceServer) -> StoreResult<bool> {
        self.do_update_resource_server(server).await
    }
    async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<bool> {
        self.do_delete_resource_server(pool_id, identifier).await
    }
    async fn insert_group(&self, group: &Group) -> StoreResult<()> {
        self.do_insert_group(group).await
    }
    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>> {
        self.do_get_group(pool_id, name).await
    }
    async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<Group>> {
        self.do_list_groups(pool_id, after, limit).await
    }
    async fn update_group(&self, group: &Group) -> StoreResult<bool> {
        self.do_update_group(group).await
    }
    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
        self.do_delete_group(pool_id, name).await
    }
    async fn add_user_to_group(&self, pool_id: &str, name: &str, user_id: &str) -> StoreResult<bool> {
        self.do_add_user_to_group(pool_id, name, user_id).await
    }
    async fn remove_user_from_group(&self, pool_id: &str, name: &str, user_id: &str) -> StoreResult<bool> {
        self.do_remove_user_from_group(pool_id, name, user_id).await
    }
    async fn list_groups_for_user(&self, user_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<Group>> {
        self.do_list_groups_for_user(user_id, after, limit).await
    }
    async fn list_users_in_group(
        &self,
        pool_id: &str,
        name: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<User>> {
        self.do_list_users_in_group(pool_id, name, after, limit).await
    }
    async fn get_family_with_user_and_groups(
        &self,
        key: FamilyKey<'_>,
    ) -> StoreResult<Option<(RefreshFamily, User, Vec<Group>)>> {
        self.do_get_family_with_user_and_groups(key).await
    }
    async fn replace_issuer(&self, old: &Issuer, new: &Issuer) -> StoreResult<bool> {
        self.do_replace_issuer(old, new).await
    }
}
