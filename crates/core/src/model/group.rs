//! User-pool groups (Cognito's GroupType): named sets of users whose names go into tokens as
//! `cognito:groups`, with an optional IAM role for `cognito:roles`/`cognito:preferred_role`.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

/// A group of a user pool, identified by (pool, name); names are case-sensitive.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Group {
    pub pool_id: String,
    pub name: String,
    pub description: Option<String>,
    /// Lower takes precedence; `None` ranks after every number.
    pub precedence: Option<i64>,
    pub role_arn: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
