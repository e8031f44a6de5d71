//! The demo fleet's catalogue: real-looking regions and SKUs.

use app::fleet::codes::{CapacityUnit, Family};

/// The name and geography of a region this catalogue knows (what an import
/// that brings the region in calls it).
pub fn region_named(code: &str) -> Option<(&'static str, &'static str)> {
    REGIONS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, name, geography)| (*name, *geography))
}

/// (code, name, geography), busiest first so small fleets get the familiar ones.
pub const REGIONS: &[(&str, &str, &str)] = &[
    ("westus2", "West US 2", "United States"),
    ("eastus", "East US", "United States"),
    ("westeurope", "West Europe", "Europe"),
    ("southeastasia", "Southeast Asia", "Asia Pacific"),
    ("eastus2", "East US 2", "United States"),
    ("northeurope", "North Europe", "Europe"),
    ("centralus", "Central US", "United States"),
    ("uksouth", "UK South", "United Kingdom"),
    ("japaneast", "Japan East", "Japan"),
    ("australiaeast", "Australia East", "Australia"),
    ("westus3", "West US 3", "United States"),
    ("southcentralus", "South Central US", "United States"),
    ("northcentralus", "North Central US", "United States"),
    ("westcentralus", "West Central US", "United States"),
    ("westus", "West US", "United States"),
    ("canadacentral", "Canada Central", "Canada"),
    ("canadaeast", "Canada East", "Canada"),
    ("brazilsouth", "Brazil South", "Brazil"),
    ("brazilsoutheast", "Brazil Southeast", "Brazil"),
    ("mexicocentral", "Mexico Central", "Mexico"),
    ("chilecentral", "Chile Central", "Chile"),
    ("francecentral", "France Central", "France"),
    ("francesouth", "France South", "France"),
    ("germanywestcentral", "Germany West Central", "Germany"),
    ("germanynorth", "Germany North", "Germany"),
    ("swedencentral", "Sweden Central", "Sweden"),
    ("swedensouth", "Sweden South", "Sweden"),
    ("norwayeast", "Norway East", "Norway"),
    ("norwaywest", "Norway West", "Norway"),
    ("switzerlandnorth", "Switzerland North", "Switzerland"),
    ("switzerlandwest", "Switzerland West", "Switzerland"),
    ("ukwest", "UK West", "United Kingdom"),
    ("polandcentral", "Poland Central", "Poland"),
    ("italynorth", "Italy North", "Italy"),
    ("spaincentral", "Spain Central", "Spain"),
    ("austriaeast", "Austria East", "Austria"),
    ("belgiumcentral", "Belgium Central", "Belgium"),
    ("denmarkeast", "Denmark East", "Denmark"),
    ("finlandcentral", "Finland Central", "Finland"),
    ("greececentral", "Greece Central", "Greece"),
    ("eastasia", "East Asia", "Asia Pacific"),
    ("japanwest", "Japan West", "Japan"),
    ("koreacentral", "Korea Central", "Korea"),
    ("koreasouth", "Korea South", "Korea"),
    ("centralindia", "Central India", "India"),
    ("southindia", "South India", "India"),
    ("westindia", "West India", "India"),
    ("jioindiawest", "Jio India West", "India"),
    ("jioindiacentral", "Jio India Central", "India"),
    ("australiasoutheast", "Australia Southeast", "Australia"),
    ("australiacentral", "Australia Central", "Australia"),
    ("australiacentral2", "Australia Central 2", "Australia"),
    ("newzealandnorth", "New Zealand North", "New Zealand"),
    ("indonesiacentral", "Indonesia Central", "Asia Pacific"),
    ("malaysiawest", "Malaysia West", "Asia Pacific"),
    ("taiwannorth", "Taiwan North", "Asia Pacific"),
    ("uaenorth", "UAE North", "Middle East"),
    ("uaecentral", "UAE Central", "Middle East"),
    ("qatarcentral", "Qatar Central", "Middle East"),
    ("israelcentral", "Israel Central", "Middle East"),
    ("saudiarabiaeast", "Saudi Arabia East", "Middle East"),
    ("southafricanorth", "South Africa North", "Africa"),
    ("southafricawest", "South Africa West", "Africa"),
    ("kenyacentral", "Kenya Central", "Africa"),
];

/// A SKU of the demo catalogue: code, family, unit, units per node.
pub struct SkuSpec {
    pub code: &'static str,
    pub family: Family,
    pub unit: CapacityUnit,
    pub per_node: i64,
}

pub const SKUS: &[SkuSpec] = &[
    SkuSpec {
        code: "Dv5",
        family: Family::General,
        unit: CapacityUnit::Vcpu,
        per_node: 96,
    },
    SkuSpec {
        code: "Dv6",
        family: Family::General,
        unit: CapacityUnit::Vcpu,
        per_node: 128,
    },
    SkuSpec {
        code: "Dasv5",
        family: Family::General,
        unit: CapacityUnit::Vcpu,
        per_node: 96,
    },
    SkuSpec {
        code: "Fsv2",
        family: Family::Compute,
        unit: CapacityUnit::Vcpu,
        per_node: 72,
    },
    SkuSpec {
        code: "Fasv6",
        family: Family::Compute,
        unit: CapacityUnit::Vcpu,
        per_node: 64,
    },
    SkuSpec {
        code: "Ev5",
        family: Family::Memory,
        unit: CapacityUnit::Vcpu,
        per_node: 104,
    },
    SkuSpec {
        code: "Easv5",
        family: Family::Memory,
        unit: CapacityUnit::Vcpu,
        per_node: 96,
    },
    SkuSpec {
        code: "Mv2",
        family: Family::Memory,
        unit: CapacityUnit::Vcpu,
        per_node: 416,
    },
    SkuSpec {
        code: "Lsv3",
        family: Family::Storage,
        unit: CapacityUnit::Tib,
        per_node: 16,
    },
    SkuSpec {
        code: "Lasv3",
        family: Family::Storage,
        unit: CapacityUnit::Tib,
        per_node: 19,
    },
    SkuSpec {
        code: "ND-H100-v5",
        family: Family::Gpu,
        unit: CapacityUnit::Gpu,
        per_node: 8,
    },
    SkuSpec {
        code: "ND-A100-v4",
        family: Family::Gpu,
        unit: CapacityUnit::Gpu,
        per_node: 8,
    },
    SkuSpec {
        code: "NC-A100-v4",
        family: Family::Gpu,
        unit: CapacityUnit::Gpu,
        per_node: 4,
    },
    SkuSpec {
        code: "NV-A10-v5",
        family: Family::Gpu,
        unit: CapacityUnit::Gpu,
        per_node: 2,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_imported_skus_unit_follows_its_family_as_in_the_catalogue() {
        for sku in SKUS {
            assert_eq!(sku.family.unit(), sku.unit, "{}", sku.code);
        }
        assert_eq!(
            region_named("westus2"),
            Some(("West US 2", "United States"))
        );
        assert_eq!(region_named("atlantis"), None);
    }
}
