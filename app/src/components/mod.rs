//! UI pieces shared by every feature's pages.

pub mod admin;
pub mod chart;
pub mod chart_axis;
pub mod format;
pub mod layout;
pub mod ledger_table;
pub mod widgets;
