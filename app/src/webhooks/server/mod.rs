//! Server-only webhook code: the outbox features write to, the worker that
//! delivers, signing, destination checks, the admins' service and the SQL.

pub mod dest;
pub mod outbox;
pub mod service;
pub mod sign;
pub mod store;
pub mod worker;
