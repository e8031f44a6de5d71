//! Identifiers and enumerations of the fleet, parsed rather than validated:
//! a `RegionCode` or `SkuCode` that exists is well formed.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A region code such as `westus2`: 2–32 lowercase ASCII letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = (2..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && s.as_bytes()[0].is_ascii_lowercase();
        if ok {
            Ok(RegionCode(s.to_owned()))
        } else {
            Err(format!(
                "'{s}' is not a region code (lowercase letters and digits, such as westus2)"
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RegionCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        RegionCode::parse(&s)
    }
}
impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}
impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A SKU code such as `Dv5` or `ND-H100-v5`: 2–32 ASCII letters, digits and dashes,
/// matched exactly (case matters).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SkuCode(String);

impl SkuCode {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = (2..=32).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && s.as_bytes()[0].is_ascii_alphabetic();
        if ok {
            Ok(SkuCode(s.to_owned()))
        } else {
            Err(format!(
                "'{s}' is not a SKU code (such as Dv5 or ND-H100-v5)"
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SkuCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        SkuCode::parse(&s)
    }
}
impl From<SkuCode> for String {
    fn from(c: SkuCode) -> String {
        c.0
    }
}
impl fmt::Display for SkuCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Stores a parsed code as text and parses it again on the way out, so a row
/// read from the database holds a `RegionCode`, not a string.
#[cfg(feature = "ssr")]
macro_rules! code_column {
    ($name:ident) => {
        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <&str as sqlx::Type<sqlx::Any>>::type_info()
            }
            fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
                <&str as sqlx::Type<sqlx::Any>>::compatible(ty)
            }
        }
        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <String as sqlx::Encode<'q, sqlx::Any>>::encode_by_ref(&self.0, buf)
            }
        }
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(
                value: <sqlx::Any as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
                Ok($name::parse(text)?)
            }
        }
    };
}

#[cfg(feature = "ssr")]
code_column!(RegionCode);
#[cfg(feature = "ssr")]
code_column!(SkuCode);

/// An availability zone of a region: 1, 2 or 3.
pub fn parse_zone(s: &str) -> Result<i64, String> {
    match s.parse::<i64>() {
        Ok(z @ 1..=3) => Ok(z),
        _ => Err(format!("'{s}' is not a zone (1, 2 or 3)")),
    }
}

use crate::shared::enums::text_enum;

text_enum!(
    /// The family of a SKU.
    Family, "SKU family" {
        General => "general",
        Compute => "compute",
        Memory => "memory",
        Storage => "storage",
        Gpu => "gpu",
    }
);

text_enum!(
    /// The unit a SKU's capacity is counted in.
    CapacityUnit, "capacity unit" {
        Vcpu => "vCPU",
        Gpu => "GPU",
        Tib => "TiB",
    }
);

text_enum!(
    /// The lifecycle of a region.
    RegionLifecycle, "region lifecycle" {
        Building => "building",
        Active => "active",
        Retiring => "retiring",
    }
);

text_enum!(
    /// The lifecycle of a cluster.
    ClusterLifecycle, "cluster lifecycle" {
        Buildout => "buildout",
        InService => "in_service",
        Maintenance => "maintenance",
        Decommissioning => "decommissioning",
    }
);

impl Family {
    /// The unit a SKU of this family is counted in (what an imported SKU gets).
    pub fn unit(self) -> CapacityUnit {
        match self {
            Family::Gpu => CapacityUnit::Gpu,
            Family::Storage => CapacityUnit::Tib,
            Family::General | Family::Compute | Family::Memory => CapacityUnit::Vcpu,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes() {
        assert!(RegionCode::parse("westus2").is_ok());
        assert!(RegionCode::parse("WestUS2").is_err());
        assert!(RegionCode::parse("2west").is_err());
        assert!(RegionCode::parse("w").is_err());
        assert!(RegionCode::parse("west us").is_err());
    }

    #[test]
    fn sku_codes_keep_case() {
        assert_eq!(SkuCode::parse("ND-H100-v5").unwrap().as_str(), "ND-H100-v5");
        assert!(SkuCode::parse("Dv5;drop").is_err());
        assert!(SkuCode::parse("-x").is_err());
    }

    #[test]
    fn zones() {
        assert_eq!(parse_zone("2"), Ok(2));
        assert!(parse_zone("0").is_err());
        assert!(parse_zone("4").is_err());
        assert!(parse_zone("x").is_err());
    }

    #[test]
    fn enums_round_trip() {
        for f in Family::ALL {
            assert_eq!(Family::parse(f.as_str()), Ok(*f));
        }
        assert_eq!(
            ClusterLifecycle::parse("in_service"),
            Ok(ClusterLifecycle::InService)
        );
        let err = Family::parse("quantum").unwrap_err();
        assert!(
            err.contains("general, compute, memory, storage, gpu"),
            "{err}"
        );
        assert_eq!(
            serde_json::to_string(&CapacityUnit::Vcpu).unwrap(),
            "\"vCPU\""
        );
    }
}
