use clap::Subcommand;
use serde_json::json;
use warden_core::model::{ResourceServer, ResourceServerScope};
use warden_core::service::ResourceServerSpec;

use super::{emit, open, CmdResult};
use crate::config::Config;

#[derive(Subcommand)]
pub enum ResourceServerCmd {
    /// Create a resource server: an API whose scopes (`<identifier>/<scope>`) clients may be
    /// granted.
    Create {
        #[arg(long)]
        pool_id: String,
        /// The scopes' prefix, e.g. `api` or `https://api.example.com`.
        #[arg(long)]
        identifier: String,
        #[arg(long)]
        name: String,
        /// Scope names, comma-separated (`read,write`).
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
        /// A scope's description, as NAME=TEXT (repeatable); the name itself by default.
        #[arg(long = "scope-description", value_name = "NAME=TEXT")]
        descriptions: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// List a pool's resource servers.
    List {
        #[arg(long)]
        pool_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete a resource server.
    Delete {
        #[arg(long)]
        pool_id: String,
        #[arg(long)]
        identifier: String,
        #[arg(long)]
        json: bool,
    },
}

/// Cognito's ResourceServerType.
fn shape(rs: &ResourceServer) -> serde_json::Value {
    json!({
        "UserPoolId": rs.pool_id,
        "Identifier": rs.identifier,
        "Name": rs.name,
        "Scopes": rs.scopes.iter()
            .map(|s| json!({ "ScopeName": s.name, "ScopeDescription": s.description }))
            .collect::<Vec<_>>(),
    })
}

/// The scopes with their descriptions; a description for an unnamed scope is a mistake.
fn scopes(names: Vec<String>, descriptions: Vec<String>) -> Result<Vec<ResourceServerScope>, String> {
    let mut described = Vec::new();
    for d in descriptions {
        let (name, text) = d.split_once('=').ok_or_else(|| format!("--scope-description {d}: expected NAME=TEXT"))?;
        described.push((name.trim().to_owned(), text.to_owned()));
    }
    let names: Vec<String> = names.into_iter().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).collect();
    if let Some((orphan, _)) = described.iter().find(|(n, _)| !names.contains(n)) {
        return Err(format!("--scope-description {orphan}: no such scope in --scopes"));
    }
    Ok(names
        .into_iter()
        .map(|name| {
            let description = described
                .iter()
                .rev()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| t.clone())
                .unwrap_or_else(|| name.clone());
            ResourceServerScope { name, description }
        })
        .collect())
}

pub async fn resource_server(config: &Config, cmd: ResourceServerCmd) -> CmdResult {
    let app = open(config).await?;
    let w = &app.warden;
    let err = |e: warden_core::CoreError| e.to_string();
    match cmd {
        ResourceServerCmd::Create { pool_id, identifier, name, scopes: names, descriptions, json } => {
            let scopes = scopes(names, descriptions)?;
            let rs = w
                .directory
                .create_resource_server(ResourceServerSpec { pool_id, identifier, name, scopes })
                .await
                .map_err(err)?;
            emit(json, &shape(&rs));
        }
        ResourceServerCmd::List { pool_id, json } => {
            let pool_id = pool_id.as_str();
            let page = |after: Option<String>| async move {
                w.directory.list_resource_servers(pool_id, after.as_deref(), 50).await
            };
            let all = super::every(50, |rs: &ResourceServer| rs.identifier.clone(), page).await?;
            emit(json, &serde_json::Value::Array(all.iter().map(shape).collect()));
        }
        ResourceServerCmd::Delete { pool_id, identifier, json } => {
            w.directory.delete_resource_server(&pool_id, &identifier).await.map_err(err)?;
            emit(json, &json!({ "Deleted": identifier }));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::scopes;

    #[test]
    fn descriptions_default_to_the_name() {
        let got =
            scopes(vec!["read".into(), " write ".into(), String::new()], vec!["write=Change things".into()]).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].name.as_str(), got[0].description.as_str()), ("read", "read"));
        assert_eq!((got[1].name.as_str(), got[1].description.as_str()), ("write", "Change things"));
        assert!(scopes(vec!["read".into()], vec!["nope=x".into()]).is_err());
        assert!(scopes(vec!["read".into()], vec!["read".into()]).is_err());
    }
}
