//! User-pool groups (CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup, and the
//! membership operations), with Cognito's validation, and the groups a user's tokens carry.

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

use crate::error::Taken;
use crate::error::{CoreError, CoreResult, StoreError};
use crate::model::{Group, User};
use crate::service::services::Directory;

/// The most groups a token can name; a pool holds at most this many (Cognito's quota).
/// PrecedenceType: a non-negative 32-bit integer.
const MAX_PRECEDENCE: i64 = i32::MAX as i64;

/// What CreateGroup asks for; for UpdateGroup, `None` leaves a member as it is and an empty
/// description removes it.
#[derive(Debug, Clone, Default)]
pub struct GroupSpec {
    pub pool_id: String,
    pub name: String,
    pub description: Option<String>,
    pub precedence: Option<i64>,
    pub role_arn: Option<String>,
}

fn constraint(value: &str, member: &str, rule: &str) -> CoreError {
    CoreError::invalid(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {rule}"
    ))
}

/// GroupNameType: 1 to 128 characters matching `[\p{L}\p{M}\p{S}\p{N}\p{P}]+` (no spaces,
/// separators or control and format characters).
pub(crate) fn validate_group_name(name: &str) -> CoreResult<()> {
    let n = name.chars().count();
    if n == 0 || n > 128 {
        return Err(constraint(name, "groupName", "Member must have length between 1 and 128"));
    }
    let allowed = name.chars().all(|c| {
        use GeneralCategoryGroup as G;
        matches!(c.general_category_group(), G::Letter | G::Mark | G::Symbol | G::Number | G::Punctuation)
    });
    if !allowed {
        return Err(constraint(
            name,
            "groupName",
            r"Member must satisfy regular expression pattern: [\p{L}\p{M}\p{S}\p{N}\p{P}]+",
        ));
    }
    Ok(())
}

/// `[\w+=/,.@-]`, `\w` being ASCII letters, digits and `_` (Java's default).
fn arn_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=/,.@-".contains(c)
}

/// ArnType: 20 to 2048 characters of
/// `arn:P:S:R?:ACCOUNT:RESOURCE(:RESOURCE)?(:RESOURCE)?`.
fn valid_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    let word = |s: &&str| !s.is_empty() && s.chars().all(arn_char);
    (20..=2048).contains(&arn.len())
        && (6..=8).contains(&parts.len())
        && parts[0] == "arn"
        && word(&parts[1])
        && word(&parts[2])
        && parts[3].chars().all(arn_char)
        && !parts[4].is_empty()
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5..].iter().all(word)
}

fn validate_spec(spec: &GroupSpec) -> CoreResult<()> {
    validate_group_name(&spec.name)?;
    if let Some(d) = &spec.description {
        if d.chars().count() > 2048 {
            return Err(constraint(d, "description", "Member must have length less than or equal to 2048"));
        }
    }
    if let Some(p) = spec.precedence {
        if !(0..=MAX_PRECEDENCE).contains(&p) {
            return Err(constraint(
                &p.to_string(),
                "precedence",
                &format!("Member must have value between 0 and {MAX_PRECEDENCE}"),
            ));
        }
    }
    if let Some(arn) = &spec.role_arn {
        if !valid_arn(arn) {
            return Err(constraint(arn, "roleArn", "Member must be a valid IAM role ARN of 20 to 2048 characters"));
        }
    }
    Ok(())
}

fn group_not_found() -> CoreError {
    CoreError::not_found("Group not found.")
}

fn check_limit(limit: u32) -> CoreResult<()> {
    if (1..=60).contains(&limit) {
        Ok(())
    } else {
        Err(CoreError::invalid("Limit must be between 1 and 60"))
    }
}

impl Directory {
    pub async fn create_group(&self, spec: GroupSpec) -> CoreResult<Group> {
        validate_spec(&spec)?;
        let pool = self.kernel.pool(&spec.pool_id).await?;
        let now = self.kernel.clock.now();
        let group = Group {
            pool_id: pool.id,
            name: spec.name,
            description: spec.description.filter(|d| !d.is_empty()),
            precedence: spec.precedence,
            role_arn: spec.role_arn,
            created_at: now,
            updated_at: now,
        };
        match self.kernel.store.insert_group(&group).await {
            Ok(()) => Ok(group),
            Err(StoreError::Conflict(_)) => {
                Err(CoreError::exists(Taken::Group, format!("A group with the name {} already exists.", group.name)))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn group(&self, pool_id: &str, name: &str) -> CoreResult<Group> {
        validate_group_name(name)?;
        let pool = self.kernel.pool(pool_id).await?;
        self.kernel.store.get_group(&pool.id, name).await?.ok_or_else(group_not_found)
    }

    /// A page of the pool's groups by name, after `after`.
    pub async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: u32) -> CoreResult<Vec<Group>> {
        check_limit(limit)?;
        let pool = self.kernel.pool(pool_id).await?;
        Ok(self.kernel.store.list_groups(&pool.id, after, limit).await?)
    }

    /// Changes the members given; the others keep their values.
    pub async fn update_group(&self, spec: GroupSpec) -> CoreResult<Group> {
        validate_spec(&spec)?;
        let mut group = self.group(&spec.pool_id, &spec.name).await?;
        if let Some(d) = spec.description {
            group.description = Some(d).filter(|d| !d.is_empty());
        }
        if let Some(p) = spec.precedence {
            group.precedence = Some(p);
        }
        if let Some(arn) = spec.role_arn {
            group.role_arn = Some(arn);
        }
        group.updated_at = self.kernel.clock.now();
        if !self.kernel.store.update_group(&group).await? {
            return Err(group_not_found());
        }
        Ok(group)
    }

    /// Deletes the group; its members leave it (their next tokens no longer name it).
    pub async fn delete_group(&self, pool_id: &str, name: &str) -> CoreResult<()> {
        validate_group_name(name)?;
        let pool = self.kernel.pool(pool_id).await?;
        if !self.kernel.store.delete_group(&pool.id, name).await? {
            return Err(group_not_found());
        }
        Ok(())
    }

    /// AdminAddUserToGroup: idempotent. Tokens issued or refreshed from now on name the group.
    pub async fn admin_add_user_to_group(&self, pool_id: &str, username: &str, group_name: &str) -> CoreResult<()> {
        let group = self.group(pool_id, group_name).await?;
        let user = self.member(pool_id, username).await?;
        self.kernel.store.add_user_to_group(&group.pool_id, &group.name, &user.id).await?;
        Ok(())
    }

    /// AdminRemoveUserFromGroup: succeeds also when the user was not a member, as Cognito does.
    pub async fn admin_remove_user_from_group(
        &self,
        pool_id: &str,
        username: &str,
        group_name: &str,
    ) -> CoreResult<()> {
        let group = self.group(pool_id, group_name).await?;
        let user = self.member(pool_id, username).await?;
        self.kernel.store.remove_user_from_group(&group.pool_id, &group.name, &user.id).await?;
        Ok(())
    }

    /// AdminListGroupsForUser: a page of the user's groups by name, after `after`.
    pub async fn admin_list_groups_for_user(
        &self,
        pool_id: &str,
        username: &str,
        after: Option<&str>,
        limit: u32,
    ) -> CoreResult<Vec<Group>> {
        check_limit(limit)?;
        let user = self.member(pool_id, username).await?;
        Ok(self.kernel.store.list_groups_for_user(&user.id, after, limit).await?)
    }

    /// ListUsersInGroup: a page of the members by normalised username, after `after`.
    pub async fn list_users_in_group(
        &self,
        pool_id: &str,
        group_name: &str,
        after: Option<&str>,
        limit: u32,
    ) -> CoreResult<Vec<User>> {
        check_limit(limit)?;
        let group = self.group(pool_id, group_name).await?;
        Ok(self.kernel.store.list_users_in_group(&group.pool_id, &group.name, after, limit).await?)
    }

    async fn member(&self, pool_id: &str, username: &str) -> CoreResult<User> {
        let pool = self.kernel.pool(pool_id).await?;
        self.kernel.existing_user(&pool, username).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_follow_cognitos_pattern() {
        for ok in ["admins", "Team-A_1", "ümlaut", "日本語", "a+b=c", "x".repeat(128).as_str(), "€$", "é"] {
            assert!(validate_group_name(ok).is_ok(), "{ok}");
        }
        let long = "x".repeat(129);
        for bad in ["", "two words", "tab\there", "zero\u{200b}width", "nl\n", long.as_str(), "\u{e000}"] {
            assert!(validate_group_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn role_arns_follow_cognitos_pattern() {
        for ok in [
            "arn:aws:iam::123456789012:role/Admins",
            "arn:aws:iam::123456789012:role/path/to/Role_1",
            "arn:aws-cn:iam:eu-west-2:123456789012:role:x:y",
        ] {
            assert!(valid_arn(ok), "{ok}");
        }
        for bad in [
            "arn:aws:iam::1:r",
            "not-an-arn-at-all-really",
            "arn:aws:iam::abc456789012:role/Admins",
            "arn:aws:iam::123456789012:",
            "arn:aws:iam::123456789012:role/with space",
            "arn::iam::123456789012:role/Admins",
            "arn:aws:iam::123456789012:a:b:c:d",
        ] {
            assert!(!valid_arn(bad), "{bad}");
        }
    }
}
