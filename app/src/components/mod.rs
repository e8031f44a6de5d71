//! UI pieces shared by every feature's pages.

pub mod chart;
pub mod format;
pub mod layout;
pub mod widgets;
