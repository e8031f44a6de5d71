//! Roles and the signed-in caller, shared by the browser and the server.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// What a user may do (PRODUCT.md "Access"); a user holds a set of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything a signed-in user may read.
    Viewer,
    /// Files requests, edits their own drafts, cancels their own requests.
    Requester,
    /// Approves and rejects requests.
    Approver,
    /// Fulfils requests and runs deployments.
    Operator,
    /// Manages users, tokens, settings, policies and notices.
    Admin,
    /// Reads `/metrics` (a scraper's account); alone, nothing else.
    Monitor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Viewer,
        Role::Requester,
        Role::Approver,
        Role::Operator,
        Role::Admin,
        Role::Monitor,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Requester => "requester",
            Role::Approver => "approver",
            Role::Operator => "operator",
            Role::Admin => "admin",
            Role::Monitor => "monitor",
        }
    }

    pub fn parse(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "'{s}' is not a role (viewer, requester, approver, operator, admin, monitor)"
                )
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of roles, stored as comma-separated names.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Roles(BTreeSet<Role>);

impl Roles {
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Self {
        Roles(roles.into_iter().collect())
    }

    /// Parses `"viewer,approver"`; an empty string is the empty set.
    pub fn parse(s: &str) -> Result<Self, String> {
        s.split(',')
            .filter(|p| !p.trim().is_empty())
            .map(Role::parse)
            .collect::<Result<_, _>>()
            .map(Roles)
    }

    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    /// The roles in both sets: a token narrowed to fewer roles than its user.
    pub fn intersect(&self, other: &Roles) -> Roles {
        Roles(self.0.intersection(&other.0).copied().collect())
    }

    pub fn is_subset(&self, other: &Roles) -> bool {
        self.0.is_subset(&other.0)
    }
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|r| r.as_str()).collect();
        f.write_str(&names.join(","))
    }
}

/// The signed-in person (or the user a token acts for), with the roles in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub name: String,
    pub roles: Roles,
}

impl CurrentUser {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(role)
    }

    /// Whether the user reads what signed-in users read: everyone but a
    /// monitor-only account, which reads `/metrics` and nothing else
    /// (PRODUCT.md "Access").
    pub fn reads(&self) -> bool {
        self.roles.iter().any(|r| r != Role::Monitor) || self.roles.is_empty()
    }
}

/// A user name: 1–64 of letters, digits and `. _ @ -` (so e-mail addresses from an
/// SSO proxy fit), compared exactly.
pub fn parse_user_name(s: &str) -> Result<String, String> {
    let s = s.trim();
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'-'));
    if ok {
        Ok(s.to_owned())
    } else {
        Err("a user name is 1–64 letters, digits or . _ @ -".into())
    }
}

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

/// A new password: at least 12 characters, at most 1,024 bytes.
pub fn check_new_password(p: &str) -> Result<(), String> {
    if p.chars().count() < MIN_PASSWORD {
        Err(format!("a password has at least {MIN_PASSWORD} characters"))
    } else if p.len() > 1024 {
        Err("a password has at most 1,024 bytes".into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        let r = Roles::parse("approver, viewer").unwrap();
        assert!(r.contains(Role::Approver) && r.contains(Role::Viewer) && !r.contains(Role::Admin));
        assert_eq!(r.to_string(), "viewer,approver");
        assert_eq!(Roles::parse("").unwrap(), Roles::default());
        assert!(Roles::parse("viewer,boss").is_err());
        assert_eq!(
            Roles::parse("monitor,admin").unwrap().to_string(),
            "admin,monitor"
        );
    }

    #[test]
    fn a_monitor_alone_reads_nothing_else() {
        let user = |roles: &[Role]| CurrentUser {
            id: 1,
            name: "u".into(),
            roles: Roles::new(roles.iter().copied()),
        };
        assert!(!user(&[Role::Monitor]).reads());
        assert!(user(&[Role::Monitor, Role::Viewer]).reads());
        assert!(user(&[Role::Viewer]).reads());
        assert!(
            user(&[]).reads(),
            "a user without roles still reads the fleet"
        );
    }

    #[test]
    fn narrowing_never_widens() {
        let user = Roles::new([Role::Viewer, Role::Approver]);
        let asked = Roles::new([Role::Approver, Role::Admin]);
        assert_eq!(user.intersect(&asked), Roles::new([Role::Approver]));
    }

    #[test]
    fn names_and_passwords() {
        assert_eq!(
            parse_user_name(" alice@example.com "),
            Ok("alice@example.com".into())
        );
        assert!(parse_user_name("bob smith").is_err());
        assert!(parse_user_name("").is_err());
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("twelve chars").is_ok());
        assert!(check_new_password("ééééééééééé").is_err(), "11 characters");
    }
}
