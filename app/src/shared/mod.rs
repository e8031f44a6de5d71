//! The shared kernel: what every feature uses and none owns — string enums,
//! keyset pages, field errors, URL encoding, time, bounded text, and (on the
//! server) the audit trail.

pub mod audit_query;
pub mod enums;
pub mod fields;
pub mod page;
pub mod template;
pub mod text;
pub mod time;
pub mod url;

#[cfg(feature = "ssr")]
pub mod audit;
#[cfg(feature = "ssr")]
pub mod drafts;
#[cfg(feature = "ssr")]
pub mod forms;
#[cfg(feature = "ssr")]
pub mod seen;
