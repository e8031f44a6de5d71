//! Keyset pagination, as every list of the API and the pages returns it.

use serde::{Deserialize, Serialize};

/// A page of a keyset-paginated list (PRODUCT.md: `{"items", "next_cursor"}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The page sizes a caller may ask for (`limit`): outside is a 400, not clamped.
pub const LIMITS: std::ops::RangeInclusive<i64> = 1..=500;
