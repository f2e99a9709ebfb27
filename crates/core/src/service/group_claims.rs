//! The group claims of a token: the user's groups in token order, `cognito:roles` and
//! `cognito:preferred_role`.

use crate::model::Group;

/// The most groups a token names.
pub(crate) const MAX_TOKEN_GROUPS: u32 = 10_000;

/// A user's groups in token order: precedence ascending (a group without one after every group
/// with one), then name.
pub(crate) fn token_order(groups: &mut [Group]) {
    groups.sort_by(|a, b| {
        (a.precedence.is_none(), a.precedence, &a.name).cmp(&(b.precedence.is_none(), b.precedence, &b.name))
    });
}

/// `cognito:roles`: the role ARNs of the user's groups, in token order, each once.
pub(crate) fn roles(groups: &[Group]) -> Vec<String> {
    let mut roles: Vec<String> = Vec::new();
    for arn in groups.iter().filter_map(|g| g.role_arn.as_ref()) {
        if !roles.contains(arn) {
            roles.push(arn.clone());
        }
    }
    roles
}

/// `cognito:preferred_role`: the role of the group with the lowest precedence among those with
/// a role; when several groups tie there, their role only if they all share it.
pub(crate) fn preferred_role(groups: &[Group]) -> Option<String> {
    let with_role: Vec<&Group> = groups.iter().filter(|g| g.role_arn.is_some()).collect();
    let rank = |g: &Group| g.precedence.unwrap_or(i64::MAX);
    let best = with_role.iter().map(|g| rank(g)).min()?;
    let mut tied = with_role.iter().filter(|g| rank(g) == best).filter_map(|g| g.role_arn.as_deref());
    let first = tied.next()?;
    tied.all(|arn| arn == first).then(|| first.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(name: &str, precedence: Option<i64>, role: Option<&str>) -> Group {
        Group {
            pool_id: "p".into(),
            name: name.into(),
            description: None,
            precedence,
            role_arn: role.map(str::to_owned),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn token_order_is_precedence_then_name_with_none_last() {
        let mut groups = vec![
            g("zeta", None, None),
            g("beta", Some(5), None),
            g("alpha", None, None),
            g("gamma", Some(0), None),
            g("delta", Some(5), None),
        ];
        token_order(&mut groups);
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["gamma", "beta", "delta", "alpha", "zeta"]);
    }

    #[test]
    fn preferred_role_is_the_lowest_precedence_role_unless_tied_on_different_roles() {
        let (a, b) = ("arn:aws:iam::123456789012:role/A", "arn:aws:iam::123456789012:role/B");
        assert_eq!(preferred_role(&[]), None);
        assert_eq!(preferred_role(&[g("x", Some(0), None)]), None);
        assert_eq!(preferred_role(&[g("x", Some(0), None), g("y", Some(3), Some(b))]).as_deref(), Some(b));
        assert_eq!(preferred_role(&[g("x", Some(1), Some(a)), g("y", Some(3), Some(b))]).as_deref(), Some(a));
        assert_eq!(preferred_role(&[g("x", Some(1), Some(a)), g("y", Some(1), Some(b))]), None);
        assert_eq!(preferred_role(&[g("x", Some(1), Some(a)), g("y", Some(1), Some(a))]).as_deref(), Some(a));
        assert_eq!(preferred_role(&[g("x", None, Some(a)), g("y", Some(9), Some(b))]).as_deref(), Some(b));
        assert_eq!(preferred_role(&[g("x", None, Some(a)), g("y", None, Some(b))]), None);
        assert_eq!(roles(&[g("x", Some(1), Some(a)), g("y", Some(2), Some(b)), g("z", Some(3), Some(a))]), [a, b]);
    }
}
