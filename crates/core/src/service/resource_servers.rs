//! Resource servers: the APIs whose custom scopes (`<identifier>/<scope>`) service clients and
//! users' clients may be granted (Cognito's CreateResourceServer and friends).

use crate::error::{CoreError, CoreResult, StoreError};
use crate::model::{ResourceServer, ResourceServerScope};
use crate::service::services::Directory;

/// What the operator asks for.
#[derive(Debug, Clone, Default)]
pub struct ResourceServerSpec {
    pub pool_id: String,
    pub identifier: String,
    pub name: String,
    pub scopes: Vec<ResourceServerScope>,
}

/// Cognito's ScopeNameType: `[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+`, 1-256 characters.
fn valid_scope_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.chars().all(|c| {
            c == '!'
                || ('\u{23}'..='\u{2E}').contains(&c)
                || ('\u{30}'..='\u{5B}').contains(&c)
                || ('\u{5D}'..='\u{7E}').contains(&c)
        })
}

fn validate(spec: &ResourceServerSpec) -> CoreResult<()> {
    let id_ok = !spec.identifier.is_empty()
        && spec.identifier.len() <= 256
        && spec.identifier.chars().all(|c| ('\u{21}'..='\u{7E}').contains(&c) && c != '\\' && c != '"');
    if !id_ok {
        return Err(CoreError::invalid("Identifier must be 1 to 256 printable characters without spaces"));
    }
    let name = spec.name.trim();
    if name.is_empty() || name.chars().count() > 256 {
        return Err(CoreError::invalid("Name must be 1 to 256 characters"));
    }
    if spec.scopes.len() > 100 {
        return Err(CoreError::invalid("A resource server has at most 100 scopes"));
    }
    for (i, s) in spec.scopes.iter().enumerate() {
        if !valid_scope_name(&s.name) {
            return Err(CoreError::invalid(format!("Invalid scope name: {}", s.name)));
        }
        if s.description.is_empty() || s.description.chars().count() > 256 {
            return Err(CoreError::invalid("ScopeDescription must be 1 to 256 characters"));
        }
        if spec.scopes[..i].iter().any(|o| o.name == s.name) {
            return Err(CoreError::invalid(format!("Duplicate scope name: {}", s.name)));
        }
    }
    Ok(())
}

impl Directory {
    pub async fn create_resource_server(&self, spec: ResourceServerSpec) -> CoreResult<ResourceServer> {
        self.kernel.pool(&spec.pool_id).await?;
        validate(&spec)?;
        let server = ResourceServer {
            pool_id: spec.pool_id,
            identifier: spec.identifier,
            name: spec.name.trim().to_owned(),
            scopes: spec.scopes,
            created_at: self.kernel.clock.now(),
        };
        let inserted = self.kernel.store.insert_resource_server(&server).await;
        self.kernel.forget_resource_server(&server.pool_id, &server.identifier);
        match inserted {
            Ok(()) => Ok(server),
            Err(StoreError::Conflict(_)) => Err(CoreError::invalid(format!(
                "{} already exists in user pool {}.",
                server.identifier, server.pool_id
            ))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn resource_server(&self, pool_id: &str, identifier: &str) -> CoreResult<ResourceServer> {
        self.kernel.pool(pool_id).await?;
        self.kernel
            .store
            .get_resource_server(pool_id, identifier)
            .await?
            .ok_or_else(|| CoreError::not_found(format!("Resource server {identifier} does not exist.")))
    }

    pub async fn list_resource_servers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> CoreResult<Vec<ResourceServer>> {
        self.kernel.pool(pool_id).await?;
        if !(1..=50).contains(&limit) {
            return Err(CoreError::invalid("MaxResults must be between 1 and 50"));
        }
        Ok(self.kernel.store.list_resource_servers(pool_id, after, limit).await?)
    }

    /// Replaces the name and scopes (UpdateResourceServer replaces, as Cognito does).
    pub async fn update_resource_server(&self, spec: ResourceServerSpec) -> CoreResult<ResourceServer> {
        let mut server = self.resource_server(&spec.pool_id, &spec.identifier).await?;
        validate(&spec)?;
        server.name = spec.name.trim().to_owned();
        server.scopes = spec.scopes;
        let updated = self.kernel.store.update_resource_server(&server).await;
        self.kernel.forget_resource_server(&server.pool_id, &server.identifier);
        if !updated? {
            return Err(CoreError::not_found(format!("Resource server {} does not exist.", server.identifier)));
        }
        Ok(server)
    }

    pub async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> CoreResult<()> {
        self.kernel.pool(pool_id).await?;
        let deleted = self.kernel.store.delete_resource_server(pool_id, identifier).await;
        self.kernel.forget_resource_server(pool_id, identifier);
        if !deleted? {
            return Err(CoreError::not_found(format!("Resource server {identifier} does not exist.")));
        }
        Ok(())
    }
}
