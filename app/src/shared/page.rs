//! Keyset pagination, as every list of the API and the pages returns it.

use serde::{Deserialize, Serialize};

/// A page of a keyset-paginated list (PRODUCT.md: `{"items", "next_cursor"}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// The page size of a list when the caller names none.
pub const DEFAULT_LIMIT: i64 = 50;
/// The largest page size a caller may ask for.
pub const MAX_LIMIT: i64 = 500;
/// The page sizes a caller may ask for (`limit`): outside is a 400, not clamped.
pub const LIMITS: std::ops::RangeInclusive<i64> = 1..=MAX_LIMIT;

/// The page size a caller asked for (`limit`): the default when none; a
/// refusal naming the (bounded) value outside `LIMITS`.
pub fn parse_limit(value: Option<&str>) -> Result<i64, String> {
    let Some(v) = value else {
        return Ok(DEFAULT_LIMIT);
    };
    v.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| LIMITS.contains(n))
        .ok_or_else(|| {
            format!(
                "limit: '{}' is not a page size from 1 to {MAX_LIMIT}",
                crate::shared::text::bounded(v, 20)
            )
        })
}

/// Where a keyset page sits in its whole list: "page 3 of 12 · 1,140 clusters".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PagePosition {
    /// Everything the filters match.
    pub total: i64,
    /// 1-based.
    pub number: i64,
    /// At least 1.
    pub pages: i64,
}

impl PagePosition {
    /// From the total, how many come before this page, and the page size.
    pub fn new(total: i64, before: i64, limit: i64) -> Self {
        let limit = limit.max(1);
        let pages = ((total + limit - 1) / limit).max(1);
        PagePosition {
            total,
            number: (before.clamp(0, total) / limit + 1).min(pages),
            pages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_are_refused_outside_the_limits_not_clamped() {
        assert_eq!(parse_limit(None), Ok(50));
        assert_eq!(parse_limit(Some("1")), Ok(1));
        assert_eq!(parse_limit(Some("500")), Ok(500));
        for bad in ["0", "501", "-1", "ten", ""] {
            assert!(
                parse_limit(Some(bad)).unwrap_err().starts_with("limit: '"),
                "{bad}"
            );
        }
        let long = "9".repeat(1000);
        assert!(
            parse_limit(Some(&long)).unwrap_err().len() < 120,
            "the value is bounded"
        );
    }

    #[test]
    fn positions_count_pages_from_one() {
        let p = |total, before, limit| {
            let p = PagePosition::new(total, before, limit);
            (p.number, p.pages)
        };
        assert_eq!(p(0, 0, 50), (1, 1), "an empty list is one page");
        assert_eq!(p(50, 0, 50), (1, 1));
        assert_eq!(p(51, 0, 50), (1, 2));
        assert_eq!(p(51, 50, 50), (2, 2));
        assert_eq!(p(1_140, 100, 100), (2, 12));
        assert_eq!(p(1_140, 1_100, 100), (12, 12));
        // A cursor past everything (the list shrank) stays on the last page.
        assert_eq!(p(10, 40, 5), (2, 2));
    }
}
