//! The server side of deployments: SQL in `store`, reading in `model`, plans
//! in `plan`, creating and reading in `service`, moving along (actions,
//! reports) in `run` and the scheduler's pass in `scheduler`, what holds a ring or an approval back
//! (the health gate, capacity freezes) in `hold`, capacity effects in
//! `effects`, the webhook events of its state changes in `events`, the demo
//! automation in `demo`.

pub mod cache;
pub mod demo;
pub mod effects;
pub mod events;
pub mod hold;
pub mod model;
pub mod plan;
pub mod run;
pub mod scheduler;
pub mod service;
pub mod store;
pub mod views;
