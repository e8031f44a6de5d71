//! Approval policy: ordered rules, the first that matches decides how many
//! distinct approvals a request needs. Pure, and it says why.

use serde::{Deserialize, Serialize};

use crate::fleet::codes::Family;
use crate::fleet::ledger::Health;

/// One rule. Empty conditions match anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    pub family: Option<Family>,
    /// Matches quantities up to and including this.
    pub max_quantity: Option<i64>,
    /// Matches when the region × SKU is in this band.
    pub health: Option<Health>,
    /// Distinct human approvals needed; 0 means the policy approves by itself.
    pub approvals: u8,
}

impl Rule {
    fn matches(&self, family: Family, quantity: i64, health: Health) -> bool {
        self.family.is_none_or(|f| f == family)
            && self.max_quantity.is_none_or(|m| quantity <= m)
            && self.health.is_none_or(|h| h == health)
    }
}

/// The rules a fresh installation starts with (PRODUCT.md "Capacity requests").
pub fn default_rules() -> Vec<Rule> {
    let rule = |name: &str, family, max_quantity, health, approvals| Rule {
        name: name.into(),
        family,
        max_quantity,
        health,
        approvals,
    };
    vec![
        rule("GPU always needs two", Some(Family::Gpu), None, None, 2),
        rule(
            "small and healthy: approved by policy",
            None,
            Some(64),
            Some(Health::Healthy),
            0,
        ),
        rule("up to 500 units needs one", None, Some(500), None, 1),
        rule("larger requests need two", None, None, None, 2),
    ]
}

/// What the policy decided, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub rule: String,
    pub approvals: u8,
}

impl Decision {
    /// In words: "needs 2 approvals: rule 'GPU always needs two'".
    pub fn explain(&self) -> String {
        match self.approvals {
            0 => format!("approved by policy: rule '{}'", self.rule),
            1 => format!("needs 1 approval: rule '{}'", self.rule),
            n => format!("needs {n} approvals: rule '{}'", self.rule),
        }
    }
}

/// The first matching rule decides; with none matching, two approvals (the safe side).
pub fn decide(rules: &[Rule], family: Family, quantity: i64, health: Health) -> Decision {
    rules
        .iter()
        .find(|r| r.matches(family, quantity, health))
        .map(|r| Decision {
            rule: r.name.clone(),
            approvals: r.approvals,
        })
        .unwrap_or(Decision {
            rule: "no rule matched: two approvals".into(),
            approvals: 2,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let r = default_rules();
        let d = decide(&r, Family::Gpu, 8, Health::Healthy);
        assert_eq!(d.approvals, 2, "GPU is never approved by policy");
        assert_eq!(
            d.explain(),
            "needs 2 approvals: rule 'GPU always needs two'"
        );
        assert_eq!(
            decide(&r, Family::General, 64, Health::Healthy).approvals,
            0
        );
        assert_eq!(
            decide(&r, Family::General, 64, Health::Constrained).approvals,
            1
        );
        assert_eq!(
            decide(&r, Family::General, 65, Health::Healthy).approvals,
            1
        );
        assert_eq!(
            decide(&r, Family::Memory, 500, Health::Critical).approvals,
            1
        );
        assert_eq!(
            decide(&r, Family::Memory, 501, Health::Healthy).approvals,
            2
        );
    }

    #[test]
    fn first_match_wins_and_nothing_matching_is_safe() {
        assert_eq!(
            decide(&[], Family::General, 1, Health::Healthy).approvals,
            2
        );
        let rules = vec![
            Rule {
                name: "a".into(),
                family: None,
                max_quantity: None,
                health: None,
                approvals: 1,
            },
            Rule {
                name: "b".into(),
                family: None,
                max_quantity: None,
                health: None,
                approvals: 0,
            },
        ];
        assert_eq!(
            decide(&rules, Family::Compute, 9, Health::Healthy).rule,
            "a"
        );
    }
}
