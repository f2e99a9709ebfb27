use clap::Subcommand;
use serde_json::json;
use warden_core::model::Group;
use warden_core::service::GroupSpec;

use super::{emit, open, CmdResult};
use crate::config::Config;

#[derive(Subcommand)]
pub enum GroupCmd {
    /// Create a group; its members' tokens name it in `cognito:groups`.
    Create {
        #[arg(long)]
        pool_id: String,
        #[arg(long)]
        name: String,
        /// Lower takes precedence (token order, preferred role); 0 is the highest.
        #[arg(long)]
        precedence: Option<i64>,
        #[arg(long)]
        description: Option<String>,
        /// An IAM role ARN for the id token's `cognito:roles` and `cognito:preferred_role`.
        #[arg(long)]
        role_arn: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List a pool's groups.
    List {
        #[arg(long)]
        pool_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete a group (its members leave it).
    Delete(GroupTarget),
    /// Add a user to a group (nothing changes if they are in it already).
    #[command(name = "add-user")]
    AddUser(Membership),
    /// Remove a user from a group.
    #[command(name = "remove-user")]
    RemoveUser(Membership),
}

#[derive(clap::Args)]
pub struct GroupTarget {
    #[arg(long)]
    pool_id: String,
    #[arg(long)]
    name: String,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct Membership {
    #[arg(long)]
    pool_id: String,
    /// The group.
    #[arg(long)]
    name: String,
    #[arg(long)]
    username: String,
    #[arg(long)]
    json: bool,
}

/// Cognito's GroupType.
fn shape(g: &Group) -> serde_json::Value {
    let mut v = json!({ "GroupName": g.name, "UserPoolId": g.pool_id, "CreationDate": g.created_at });
    if let Some(p) = g.precedence {
        v["Precedence"] = json!(p);
    }
    if let Some(d) = &g.description {
        v["Description"] = json!(d);
    }
    if let Some(arn) = &g.role_arn {
        v["RoleArn"] = json!(arn);
    }
    v
}

pub async fn group(config: &Config, cmd: GroupCmd) -> CmdResult {
    let app = open(config).await?;
    let w = &app.warden;
    let err = |e: warden_core::CoreError| e.to_string();
    match cmd {
        GroupCmd::Create { pool_id, name, precedence, description, role_arn, json } => {
            let g = w
                .directory
                .create_group(GroupSpec { pool_id, name, description, precedence, role_arn })
                .await
                .map_err(err)?;
            emit(json, &shape(&g));
        }
        GroupCmd::List { pool_id, json } => {
            let pool_id = pool_id.as_str();
            let page =
                |after: Option<String>| async move { w.directory.list_groups(pool_id, after.as_deref(), 60).await };
            let all = super::every(60, |g: &Group| g.name.clone(), page).await?;
            emit(json, &serde_json::Value::Array(all.iter().map(shape).collect()));
        }
        GroupCmd::Delete(GroupTarget { pool_id, name, json }) => {
            w.directory.delete_group(&pool_id, &name).await.map_err(err)?;
            emit(json, &json!({ "Deleted": name }));
        }
        GroupCmd::AddUser(Membership { pool_id, name, username, json }) => {
            w.directory.admin_add_user_to_group(&pool_id, &username, &name).await.map_err(err)?;
            emit(json, &json!({ "GroupName": name, "Added": username }));
        }
        GroupCmd::RemoveUser(Membership { pool_id, name, username, json }) => {
            w.directory.admin_remove_user_from_group(&pool_id, &username, &name).await.map_err(err)?;
            emit(json, &json!({ "GroupName": name, "Removed": username }));
        }
    }
    Ok(())
}
