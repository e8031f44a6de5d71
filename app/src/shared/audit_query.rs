//! Which audit rows to show: filters on actor, action, object and a UTC day
//! range, and the keyset cursor (`before`, an id) — parsed the same way for the
//! audit page, its CSV export and the server function behind both.

use serde::{Deserialize, Serialize};

use super::fields::FieldError;
use super::time::parse_day;

/// The longest filter value accepted (stored values are at most 512 bytes).
pub const MAX_FILTER: usize = 200;

/// A parsed audit query. Text filters match exactly; `object` also matches a
/// prefix when it ends in `*` (`CR-*`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object: Option<String>,
    /// First day (UTC) to include, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day (UTC) to include, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Only rows with an id below this (the next page).
    pub before: Option<i64>,
}

impl AuditQuery {
    /// Parses URL query pairs; blank values mean "no filter", unknown keys are ignored.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<AuditQuery, FieldError> {
        let mut q = AuditQuery::default();
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let text = |field: &'static str| {
                if value.len() > MAX_FILTER || value.chars().any(char::is_control) {
                    Err(FieldError::new(
                        field,
                        format!("{field} must be at most {MAX_FILTER} printable characters"),
                    ))
                } else {
                    Ok(Some(value.to_owned()))
                }
            };
            let day = |field: &'static str| match parse_day(value) {
                Some(_) if value.len() == 10 => Ok(Some(value.to_owned())),
                _ => Err(FieldError::new(
                    field,
                    format!("{field} must be a date, YYYY-MM-DD"),
                )),
            };
            match key {
                "actor" => q.actor = text("actor")?,
                "action" => q.action = text("action")?,
                "object" => q.object = text("object")?,
                "from" => q.from = day("from")?,
                "to" => q.to = day("to")?,
                "before" => {
                    q.before = Some(value.parse().ok().filter(|v| *v > 0).ok_or_else(|| {
                        FieldError::new("before", "before must be a positive row id")
                    })?)
                }
                _ => {}
            }
        }
        if let (Some(from), Some(to)) = (&q.from, &q.to) {
            if from > to {
                return Err(FieldError::new("to", "to must not be before from"));
            }
        }
        Ok(q)
    }

    /// The filters (not the cursor) as a query string, for links and the export.
    pub fn filters(&self) -> String {
        let pairs = [
            ("actor", &self.actor),
            ("action", &self.action),
            ("object", &self.object),
            ("from", &self.from),
            ("to", &self.to),
        ];
        super::url::query_string(
            pairs
                .iter()
                .filter_map(|(k, v)| v.as_deref().map(|v| (*k, v))),
        )
    }

    /// The `object` filter as SQL: (exact value, prefix for `LIKE`).
    pub fn object_match(&self) -> (Option<&str>, Option<String>) {
        match self.object.as_deref() {
            Some(o) if o.ends_with('*') => {
                let prefix = o.trim_end_matches('*');
                // `LIKE` wildcards in the prefix are matched literally.
                let escaped = prefix
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                (None, Some(format!("{escaped}%")))
            }
            other => (other, None),
        }
    }

    /// The first instant after the `to` day, as RFC 3339 text compares.
    pub fn until(&self) -> Option<String> {
        let to = parse_day(self.to.as_deref()?)?;
        Some(super::time::format_day(to.next_day()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<AuditQuery, FieldError> {
        AuditQuery::parse(pairs.iter().copied())
    }

    #[test]
    fn filters_parse_and_round_trip() {
        let q = parse(&[
            ("actor", "approver1"),
            ("action", " request.approve "),
            ("object", "CR-*"),
            ("from", "2026-11-01"),
            ("to", "2026-11-30"),
            ("before", "77"),
            ("other", "x"),
            ("actor", "approver1"),
        ])
        .unwrap();
        assert_eq!(q.action.as_deref(), Some("request.approve"));
        assert_eq!(q.before, Some(77));
        assert_eq!(q.until().as_deref(), Some("2026-12-01"));
        assert_eq!(
            q.filters(),
            "actor=approver1&action=request.approve&object=CR-%2A&from=2026-11-01&to=2026-11-30"
        );
        assert_eq!(q.object_match(), (None, Some("CR-%".to_owned())));
        assert_eq!(parse(&[("actor", "  ")]).unwrap(), AuditQuery::default());
    }

    #[test]
    fn bad_filters_name_their_field() {
        for (key, value) in [
            ("from", "yesterday"),
            ("to", "2026-02-30"),
            ("before", "-1"),
            ("before", "x"),
            ("actor", "a\nb"),
        ] {
            assert_eq!(
                parse(&[(key, value)]).unwrap_err().field,
                key,
                "{key}={value:?}"
            );
        }
        let long = "x".repeat(MAX_FILTER + 1);
        assert_eq!(parse(&[("object", &long)]).unwrap_err().field, "object");
        assert_eq!(
            parse(&[("from", "2026-11-30"), ("to", "2026-11-01")])
                .unwrap_err()
                .field,
            "to"
        );
    }

    #[test]
    fn a_prefix_matches_literally() {
        let q = parse(&[("object", "100%_*")]).unwrap();
        assert_eq!(q.object_match(), (None, Some("100\\%\\_%".to_owned())));
        let q = parse(&[("object", "CR-1001")]).unwrap();
        assert_eq!(q.object_match(), (Some("CR-1001"), None));
    }
}
