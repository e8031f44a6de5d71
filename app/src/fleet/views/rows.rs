//! The rows the fleet pages send as arrays rather than objects (the keys of
//! every row were much of a page's hydration data): the overview's grid, a
//! region's zone × SKU table and the cluster list. A ledger goes as its four
//! stored numbers, a band as its place in `Health::ALL`.

use serde::{Deserialize, Serialize};

use crate::components::format::tenths_of_percent;
use crate::fleet::codes::{CapacityUnit, ClusterLifecycle, Family};
use crate::fleet::ledger::{Health, Ledger, LedgerError};
use crate::fleet::types::{Cluster, ZoneSku};

/// One row of the overview's grid: a cell per family in `Family::ALL`
/// order, `None` where the region has none. Sent as an array,
/// `["westus2","West US 2",[[823,1],null,…]]`: 64 rows of keys and cells as
/// strings were most of the page's hydration data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "GridWire", into = "GridWire")]
pub struct GridLine {
    pub region: String,
    pub name: String,
    pub cells: Vec<Option<GridCell>>,
}

type GridWire = (String, String, Vec<Option<GridCell>>);

impl From<GridWire> for GridLine {
    fn from((region, name, cells): GridWire) -> Self {
        GridLine {
            region,
            name,
            cells,
        }
    }
}

impl From<GridLine> for GridWire {
    fn from(g: GridLine) -> Self {
        (g.region, g.name, g.cells)
    }
}

/// A grid cell: the utilization in tenths of a percent, as shown (`823` is
/// `82.3%`), and its band. Sent as `[823, 1]`, the band by its place in
/// `Health::ALL`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "(i64, u8)", into = "(i64, u8)")]
pub struct GridCell {
    pub tenths: i64,
    pub health: Health,
}

/// A band as sent: its place in `Health::ALL`.
fn band_of(h: Health) -> u8 {
    Health::ALL.iter().position(|x| *x == h).unwrap_or(0) as u8
}

fn health_of(band: u8) -> Result<Health, &'static str> {
    Health::ALL
        .get(usize::from(band))
        .copied()
        .ok_or("no such health band")
}

/// A ledger as sent: `[total, allocated, reserved, out_of_service]`.
fn ledger_wire(l: Ledger) -> [i64; 4] {
    [l.total(), l.allocated(), l.reserved(), l.out_of_service()]
}

impl TryFrom<(i64, u8)> for GridCell {
    type Error = &'static str;
    fn try_from((tenths, band): (i64, u8)) -> Result<Self, Self::Error> {
        Ok(GridCell {
            tenths,
            health: health_of(band)?,
        })
    }
}

impl From<GridCell> for (i64, u8) {
    fn from(c: GridCell) -> Self {
        (c.tenths, band_of(c.health))
    }
}

/// One row of a region's zone × SKU table. Sent as an array, not an object:
/// the keys of 64 rows were half the table's hydration data. Its utilization
/// and health follow from the ledger and the region's thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ZoneWire", into = "ZoneWire")]
pub struct ZoneLine {
    pub zone: i64,
    pub sku: String,
    pub family: Family,
    pub unit: CapacityUnit,
    pub clusters: i64,
    pub ledger: Ledger,
}

/// A `ZoneLine` as sent: `[zone, sku, family, unit, clusters, [total,
/// allocated, reserved, out_of_service]]`.
type ZoneWire = (i64, String, Family, CapacityUnit, i64, [i64; 4]);

impl TryFrom<ZoneWire> for ZoneLine {
    type Error = LedgerError;
    fn try_from((zone, sku, family, unit, clusters, l): ZoneWire) -> Result<Self, Self::Error> {
        Ok(ZoneLine {
            ledger: Ledger::parse(l[0], l[1], l[2], l[3])?,
            zone,
            sku,
            family,
            unit,
            clusters,
        })
    }
}

impl From<ZoneLine> for ZoneWire {
    fn from(z: ZoneLine) -> Self {
        let ledger = ledger_wire(z.ledger);
        (z.zone, z.sku, z.family, z.unit, z.clusters, ledger)
    }
}

/// One row of the cluster list page. Sent as an array, `[81642, "name",
/// "region", 1, "Dasv5", "in_service", [total, allocated, reserved,
/// out_of_service], 755, 1]` (utilization in tenths of a percent, the band by
/// its place in `Health::ALL`): the API's `Cluster` objects were ~400 bytes a
/// row of the page's hydration data, this is about a third.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ClusterWire", into = "ClusterWire")]
pub struct ClusterLine {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub zone: i64,
    pub sku: String,
    pub lifecycle: ClusterLifecycle,
    pub ledger: Ledger,
    pub tenths: i64,
    pub health: Health,
}

type ClusterWire = (
    i64,
    String,
    String,
    i64,
    String,
    ClusterLifecycle,
    [i64; 4],
    i64,
    u8,
);

impl TryFrom<ClusterWire> for ClusterLine {
    type Error = String;
    fn try_from(w: ClusterWire) -> Result<Self, Self::Error> {
        let (id, name, region, zone, sku, lifecycle, l, tenths, band) = w;
        Ok(ClusterLine {
            ledger: Ledger::parse(l[0], l[1], l[2], l[3]).map_err(|e| e.to_string())?,
            health: health_of(band)?,
            id,
            name,
            region,
            zone,
            sku,
            lifecycle,
            tenths,
        })
    }
}

impl From<ClusterLine> for ClusterWire {
    fn from(c: ClusterLine) -> Self {
        let (ledger, band) = (ledger_wire(c.ledger), band_of(c.health));
        (
            c.id,
            c.name,
            c.region,
            c.zone,
            c.sku,
            c.lifecycle,
            ledger,
            c.tenths,
            band,
        )
    }
}

impl From<Cluster> for ClusterLine {
    fn from(c: Cluster) -> Self {
        ClusterLine {
            tenths: tenths_of_percent(c.utilization),
            id: c.id,
            name: c.name,
            region: c.region,
            zone: c.zone,
            sku: c.sku,
            lifecycle: c.lifecycle,
            ledger: c.ledger,
            health: c.health,
        }
    }
}

impl From<ZoneSku> for ZoneLine {
    fn from(z: ZoneSku) -> Self {
        ZoneLine {
            zone: z.zone,
            sku: z.sku,
            family: z.family,
            unit: z.unit,
            clusters: z.rollup.clusters,
            ledger: z.rollup.ledger,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn a_cluster_row_goes_as_an_array_and_comes_back_whole() {
        let line = ClusterLine::from(Cluster {
            id: 81642,
            name: "westus2-az1-dv5-001".into(),
            region: "westus2".into(),
            zone: 1,
            sku: "Dv5".into(),
            family: Family::General,
            lifecycle: ClusterLifecycle::Maintenance,
            ledger: Ledger::parse(1000, 600, 50, 100).unwrap(),
            utilization: 0.722_22,
            health: Health::Healthy,
        });
        let json = serde_json::to_string(&line).unwrap();
        assert_eq!(
            json,
            r#"[81642,"westus2-az1-dv5-001","westus2",1,"Dv5","maintenance",[1000,600,50,100],722,0]"#
        );
        assert_eq!(serde_json::from_str::<ClusterLine>(&json).unwrap(), line);
        // What does not make a ledger or a band is refused, not shown.
        assert!(serde_json::from_str::<ClusterLine>(
            r#"[1,"a","b",1,"c","in_service",[10,20,0,0],0,0]"#
        )
        .is_err());
        assert!(serde_json::from_str::<ClusterLine>(
            r#"[1,"a","b",1,"c","in_service",[10,2,0,0],0,9]"#
        )
        .is_err());
    }

    #[test]
    fn a_grid_row_goes_as_arrays_and_comes_back_whole() {
        let cell = |tenths, health| Some(GridCell { tenths, health });
        let line = GridLine {
            region: "westus2".into(),
            name: "West US 2".into(),
            cells: vec![
                cell(823, Health::Constrained),
                None,
                cell(1000, Health::Critical),
            ],
        };
        let json = serde_json::to_string(&line).unwrap();
        assert_eq!(json, r#"["westus2","West US 2",[[823,1],null,[1000,2]]]"#);
        assert_eq!(serde_json::from_str::<GridLine>(&json).unwrap(), line);
        assert!(
            serde_json::from_str::<GridCell>("[823,3]").is_err(),
            "three bands only"
        );
    }

    #[test]
    fn a_zone_row_goes_as_an_array_and_comes_back_whole() {
        let line = ZoneLine {
            zone: 2,
            sku: "D4s_v5".into(),
            family: Family::General,
            unit: CapacityUnit::Vcpu,
            clusters: 12,
            ledger: Ledger::parse(1_000, 600, 100, 50).unwrap(),
        };
        let json = serde_json::to_string(&line).unwrap();
        assert_eq!(
            json,
            r#"[2,"D4s_v5","general","vCPU",12,[1000,600,100,50]]"#
        );
        assert_eq!(serde_json::from_str::<ZoneLine>(&json).unwrap(), line);
        // An overcommitted ledger is refused on the way in, as anywhere.
        let bad = r#"[2,"D4s_v5","general","vCPU",12,[10,6,6,0]]"#;
        assert!(serde_json::from_str::<ZoneLine>(bad).is_err());
    }
}
