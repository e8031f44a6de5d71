//! The server side of capacity requests: SQL in `store` (rows parsed into
//! typed fields), input parsing in `fields`, filing/editing/reading in
//! `service`, decisions in `act` (decide, then apply in one transaction; the
//! approval policy's run in `policy_run`) and
//! `bulk`,
//! the pages' views in `views` (what approval would do: `outlook`), the
//! expiry sweeper in `expiry`, the webhook events of its moves in `events`.

pub mod act;
pub mod bulk;
pub mod capacity;
pub mod events;
pub mod expiry;
mod fields;
pub mod outlook;
mod policy_run;
pub mod records;
pub mod service;
pub mod store;
pub mod views;
