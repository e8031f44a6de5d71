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

/// The default rules as the settings page shows them: one rule per line,
/// `name | conditions | approvals`, conditions being `family=F`, `quantity<=N`,
/// `health=H` (any of them, space-separated) or `any`.
pub const DEFAULT_POLICY: &str = "GPU always needs two | family=gpu | 2
small and healthy: approved by policy | quantity<=64 health=healthy | 0
up to 500 units needs one | quantity<=500 | 1
larger requests need two | any | 2";

/// At most this many rules; a policy is something people read.
pub const MAX_RULES: usize = 50;
/// At most this many approvals per rule.
pub const MAX_APPROVALS: u8 = 5;

impl Rule {
    /// This rule as one line of the policy text.
    pub fn to_line(&self) -> String {
        let mut conditions = Vec::new();
        if let Some(f) = self.family {
            conditions.push(format!("family={f}"));
        }
        if let Some(q) = self.max_quantity {
            conditions.push(format!("quantity<={q}"));
        }
        if let Some(h) = self.health {
            conditions.push(format!("health={}", h.as_str()));
        }
        let conditions = if conditions.is_empty() {
            "any".to_owned()
        } else {
            conditions.join(" ")
        };
        format!("{} | {} | {}", self.name, conditions, self.approvals)
    }

    /// Parses one line of the policy text; the error says what is wrong with it.
    pub fn parse_line(line: &str) -> Result<Rule, String> {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let [name, conditions, approvals] = parts[..] else {
            return Err("must be 'name | conditions | approvals'".into());
        };
        if name.is_empty() || name.chars().count() > 80 {
            return Err("the rule name must be 1 to 80 characters".into());
        }
        let approvals = match approvals.parse::<u8>() {
            Ok(n) if n <= MAX_APPROVALS => n,
            _ => {
                return Err(format!(
                    "approvals '{approvals}' must be a whole number from 0 to {MAX_APPROVALS}"
                ))
            }
        };
        let mut rule = Rule {
            name: name.to_owned(),
            family: None,
            max_quantity: None,
            health: None,
            approvals,
        };
        for term in conditions.split_whitespace() {
            if term == "any" {
                continue;
            }
            if let Some(f) = term.strip_prefix("family=") {
                rule.family = Some(Family::parse(f)?);
            } else if let Some(q) = term.strip_prefix("quantity<=") {
                rule.max_quantity = Some(match q.parse::<i64>() {
                    Ok(n) if n > 0 => n,
                    _ => return Err(format!("'{q}' in quantity<= is not a whole number above 0")),
                });
            } else if let Some(h) = term.strip_prefix("health=") {
                rule.health = Some(Health::parse(h).ok_or_else(|| {
                    format!("'{h}' is not a health band (healthy, constrained or critical)")
                })?);
            } else {
                return Err(format!(
                    "unknown condition '{term}' (use family=, quantity<=, health= or any)"
                ));
            }
        }
        Ok(rule)
    }
}

/// Parses the policy text: one rule per non-blank line, in order. An error names the line.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>, String> {
    let rules = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| Rule::parse_line(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect::<Result<Vec<_>, _>>()?;
    if rules.is_empty() {
        return Err("needs at least one rule".into());
    }
    if rules.len() > MAX_RULES {
        return Err(format!("has {} rules; at most {MAX_RULES}", rules.len()));
    }
    Ok(rules)
}

/// The policy text of `rules`, one per line.
pub fn format_rules(rules: &[Rule]) -> String {
    rules
        .iter()
        .map(Rule::to_line)
        .collect::<Vec<_>>()
        .join("\n")
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
    fn default_text_is_the_default_rules() {
        assert_eq!(parse_rules(DEFAULT_POLICY), Ok(default_rules()));
        assert_eq!(format_rules(&default_rules()), DEFAULT_POLICY);
    }

    #[test]
    fn bad_policy_lines_are_named() {
        assert_eq!(
            parse_rules("ok | any | 1\n\nbad | family=quantum | 1"),
            Err("line 3: 'quantum' is not a SKU family (one of general, compute, memory, storage, gpu)".into())
        );
        assert!(parse_rules("x | any | 9")
            .unwrap_err()
            .contains("from 0 to 5"));
        assert!(parse_rules("x | size>3 | 1")
            .unwrap_err()
            .contains("unknown condition 'size>3'"));
        assert!(parse_rules("x | quantity<=0 | 1")
            .unwrap_err()
            .contains("above 0"));
        assert!(parse_rules("just a name")
            .unwrap_err()
            .contains("name | conditions | approvals"));
        assert_eq!(parse_rules("  \n "), Err("needs at least one rule".into()));
    }

    proptest::proptest! {
        #[test]
        fn any_rule_survives_its_own_text(
            name in "[a-zA-Z][a-zA-Z0-9 ,'-]{0,40}[a-zA-Z0-9]",
            family in proptest::option::of(0usize..5),
            max_quantity in proptest::option::of(1i64..1_000_000),
            health in proptest::option::of(0usize..3),
            approvals in 0u8..=MAX_APPROVALS,
        ) {
            let rule = Rule {
                name,
                family: family.map(|i| Family::ALL[i]),
                max_quantity,
                health: health.map(|i| Health::ALL[i]),
                approvals,
            };
            proptest::prop_assert_eq!(Rule::parse_line(&rule.to_line()), Ok(rule));
        }
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
