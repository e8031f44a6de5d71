//! The fleet's pages.

mod cluster;
mod clusters;
mod overview;
mod region;

pub use cluster::ClusterPage;
pub use clusters::ClustersPage;
pub use overview::OverviewPage;
pub use region::RegionPage;
