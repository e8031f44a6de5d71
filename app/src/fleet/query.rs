//! The cluster list query: filters, sort, keyset cursor and page size, parsed
//! from URL query parameters by the same code for the page and the API.

use super::codes::{parse_zone, ClusterLifecycle, Family, RegionCode, SkuCode};
use super::ledger::Health;
use crate::shared::fields::FieldError;
use crate::shared::url::encode_component;
use serde::{Deserialize, Serialize};

/// How the cluster list is ordered; every order ends in `id` so keyset pages are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ClusterSort {
    #[default]
    Name,
    FreeAsc,
    FreeDesc,
    UtilizationAsc,
    UtilizationDesc,
}

impl ClusterSort {
    pub const ALL: [ClusterSort; 5] = [
        ClusterSort::Name,
        ClusterSort::FreeAsc,
        ClusterSort::FreeDesc,
        ClusterSort::UtilizationAsc,
        ClusterSort::UtilizationDesc,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            ClusterSort::Name => "name",
            ClusterSort::FreeAsc => "free",
            ClusterSort::FreeDesc => "-free",
            ClusterSort::UtilizationAsc => "utilization",
            ClusterSort::UtilizationDesc => "-utilization",
        }
    }

    /// The sort a click on a sortable column header asks for: by name; by free
    /// or utilization, most first, and the other way on a second click.
    pub fn toggled(self, column: SortColumn) -> ClusterSort {
        match (column, self) {
            (SortColumn::Name, _) => ClusterSort::Name,
            (SortColumn::Free, ClusterSort::FreeDesc) => ClusterSort::FreeAsc,
            (SortColumn::Free, _) => ClusterSort::FreeDesc,
            (SortColumn::Utilization, ClusterSort::UtilizationDesc) => ClusterSort::UtilizationAsc,
            (SortColumn::Utilization, _) => ClusterSort::UtilizationDesc,
        }
    }

    /// How `column` is sorted now, as `aria-sort` says it.
    pub fn aria(self, column: SortColumn) -> &'static str {
        match (column, self) {
            (SortColumn::Name, ClusterSort::Name)
            | (SortColumn::Free, ClusterSort::FreeAsc)
            | (SortColumn::Utilization, ClusterSort::UtilizationAsc) => "ascending",
            (SortColumn::Free, ClusterSort::FreeDesc)
            | (SortColumn::Utilization, ClusterSort::UtilizationDesc) => "descending",
            _ => "none",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            ClusterSort::Name => "Name",
            ClusterSort::FreeAsc => "Free units, fewest first",
            ClusterSort::FreeDesc => "Free units, most first",
            ClusterSort::UtilizationAsc => "Utilization, lowest first",
            ClusterSort::UtilizationDesc => "Utilization, highest first",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        ClusterSort::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                format!("'{s}' is not a sort (one of name, free, -free, utilization, -utilization)")
            })
    }
}

/// Where the previous page ended: the sort key of its last row and that row's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cursor {
    /// After (name, id).
    Text(String, i64),
    /// After (number, id), for the numeric sorts.
    Number(i64, i64),
}

impl Cursor {
    /// Encodes as `n.<value>.<id>` or `t.<id>.<value>`; names are URL-safe already.
    pub fn encode(&self) -> String {
        match self {
            Cursor::Number(v, id) => format!("n.{v}.{id}"),
            Cursor::Text(v, id) => format!("t.{id}.{v}"),
        }
    }

    fn decode(s: &str, sort: ClusterSort) -> Option<Cursor> {
        let (kind, rest) = s.split_once('.')?;
        let (a, b) = rest.split_once('.')?;
        match (kind, sort) {
            ("t", ClusterSort::Name) => {
                let ok = !b.is_empty() && b.len() <= 128 && b.bytes().all(|c| c.is_ascii_graphic());
                ok.then(|| Some(Cursor::Text(b.to_owned(), a.parse().ok()?)))?
            }
            ("n", s) if s != ClusterSort::Name => {
                Some(Cursor::Number(a.parse().ok()?, b.parse().ok()?))
            }
            _ => None,
        }
    }
}

pub use crate::shared::page::{DEFAULT_LIMIT, MAX_LIMIT};

/// A column of the cluster list that sorts when its header is clicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    Name,
    Free,
    Utilization,
}

/// A parsed cluster list query.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClusterQuery {
    pub region: Option<RegionCode>,
    pub zone: Option<i64>,
    pub sku: Option<SkuCode>,
    pub family: Option<Family>,
    pub lifecycle: Option<ClusterLifecycle>,
    pub health: Option<Health>,
    pub sort: ClusterSort,
    pub limit: i64,
    pub cursor: Option<Cursor>,
}

impl ClusterQuery {
    /// Parses URL query pairs. Empty values mean "no filter"; unknown keys are ignored.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, FieldError> {
        let mut q = ClusterQuery {
            limit: DEFAULT_LIMIT,
            ..Default::default()
        };
        let mut cursor = None;
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key {
                "region" => {
                    q.region =
                        Some(RegionCode::parse(value).map_err(|m| FieldError::new("region", m))?)
                }
                "zone" => q.zone = Some(parse_zone(value).map_err(|m| FieldError::new("zone", m))?),
                "sku" => {
                    q.sku = Some(SkuCode::parse(value).map_err(|m| FieldError::new("sku", m))?)
                }
                "family" => {
                    q.family = Some(Family::parse(value).map_err(|m| FieldError::new("family", m))?)
                }
                "lifecycle" => {
                    q.lifecycle = Some(
                        ClusterLifecycle::parse(value)
                            .map_err(|m| FieldError::new("lifecycle", m))?,
                    )
                }
                "health" => {
                    q.health = Some(Health::parse(value).ok_or_else(|| {
                        FieldError::new(
                            "health",
                            format!(
                                "'{value}' is not a health band (healthy, constrained, critical)"
                            ),
                        )
                    })?)
                }
                "sort" => {
                    q.sort = ClusterSort::parse(value).map_err(|m| FieldError::new("sort", m))?
                }
                "limit" => {
                    q.limit = crate::shared::page::parse_limit(Some(value))
                        .map_err(|m| FieldError::new("limit", m))?
                }
                "cursor" => cursor = Some(value),
                _ => {}
            }
        }
        if let Some(c) = cursor {
            q.cursor = Some(Cursor::decode(c, q.sort).ok_or_else(|| {
                FieldError::new(
                    "cursor",
                    "is not a cursor from this list and sort; start again from the first page",
                )
            })?);
        }
        Ok(q)
    }

    /// The query as URL pairs (without cursor and with the default limit omitted), for links.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        if let Some(r) = &self.region {
            v.push(("region", r.to_string()));
        }
        if let Some(z) = self.zone {
            v.push(("zone", z.to_string()));
        }
        if let Some(s) = &self.sku {
            v.push(("sku", s.to_string()));
        }
        if let Some(f) = self.family {
            v.push(("family", f.to_string()));
        }
        if let Some(l) = self.lifecycle {
            v.push(("lifecycle", l.to_string()));
        }
        if let Some(h) = self.health {
            v.push(("health", h.to_string()));
        }
        if self.sort != ClusterSort::Name {
            v.push(("sort", self.sort.as_str().to_owned()));
        }
        if self.limit != DEFAULT_LIMIT {
            v.push(("limit", self.limit.to_string()));
        }
        v
    }

    /// A URL query string (`a=b&c=d`), percent-encoding values, with an optional cursor.
    pub fn to_query_string(&self, cursor: Option<&str>) -> String {
        let mut pairs = self.to_pairs();
        if let Some(c) = cursor {
            pairs.push(("cursor", c.to_owned()));
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_component(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[(&str, &str)]) -> Result<ClusterQuery, FieldError> {
        ClusterQuery::parse(s.iter().copied())
    }

    #[test]
    fn headers_toggle_their_sort() {
        use ClusterSort::*;
        assert_eq!(Name.toggled(SortColumn::Free), FreeDesc);
        assert_eq!(FreeDesc.toggled(SortColumn::Free), FreeAsc);
        assert_eq!(FreeAsc.toggled(SortColumn::Free), FreeDesc);
        assert_eq!(FreeAsc.toggled(SortColumn::Utilization), UtilizationDesc);
        assert_eq!(
            UtilizationDesc.toggled(SortColumn::Utilization),
            UtilizationAsc
        );
        assert_eq!(UtilizationDesc.toggled(SortColumn::Name), Name);
        assert_eq!(FreeDesc.aria(SortColumn::Free), "descending");
        assert_eq!(FreeDesc.aria(SortColumn::Name), "none");
        assert_eq!(Name.aria(SortColumn::Name), "ascending");
    }

    #[test]
    fn defaults() {
        let q = parse(&[]).unwrap();
        assert_eq!(q.limit, 50);
        assert_eq!(q.sort, ClusterSort::Name);
    }

    #[test]
    fn bad_fields_are_named() {
        assert_eq!(parse(&[("limit", "0")]).unwrap_err().field, "limit");
        assert_eq!(parse(&[("limit", "501")]).unwrap_err().field, "limit");
        assert_eq!(parse(&[("zone", "9")]).unwrap_err().field, "zone");
        assert_eq!(parse(&[("health", "sick")]).unwrap_err().field, "health");
        assert_eq!(parse(&[("region", "West US")]).unwrap_err().field, "region");
        assert_eq!(parse(&[("cursor", "garbage")]).unwrap_err().field, "cursor");
        assert_eq!(
            parse(&[("sort", "-free"), ("cursor", "t.1.abc")])
                .unwrap_err()
                .field,
            "cursor"
        );
    }

    #[test]
    fn cursors_round_trip() {
        let q = parse(&[
            ("sort", "-free"),
            ("cursor", &Cursor::Number(-5, 42).encode()),
        ])
        .unwrap();
        assert_eq!(q.cursor, Some(Cursor::Number(-5, 42)));
        let name = Cursor::Text("westus2-az1-dv5-001".into(), 7).encode();
        let q = parse(&[("cursor", &name)]).unwrap();
        assert_eq!(
            q.cursor,
            Some(Cursor::Text("westus2-az1-dv5-001".into(), 7))
        );
    }

    #[test]
    fn query_string_round_trips() {
        let q = parse(&[
            ("region", "westus2"),
            ("sku", "ND-H100-v5"),
            ("sort", "-utilization"),
            ("health", "critical"),
        ])
        .unwrap();
        let s = q.to_query_string(None);
        let pairs: Vec<(&str, &str)> = s.split('&').map(|p| p.split_once('=').unwrap()).collect();
        assert_eq!(parse(&pairs).unwrap(), q);
    }
}
