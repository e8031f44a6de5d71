//! The fleet's pages.

mod cluster;
mod clusters;
mod import;
mod overview;
mod region;

pub use cluster::ClusterPage;
pub use clusters::ClustersPage;
pub use import::ImportPage;
pub use overview::OverviewPage;
pub use region::RegionPage;
