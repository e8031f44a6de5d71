//! A deployment's state changes as webhook events (`deployment.started`,
//! `.paused`, `.resumed`, `.completed`, `.failed`, `.rolled_back`,
//! `.cancelled`), written to the outbox in the transaction that made them,
//! with the deployment as the API shows it then.

use sqlx::AnyConnection;

use crate::db::Db;
use crate::deployments::domain::DeploymentState as S;
use crate::error::AppResult;
use crate::webhooks::domain::EventType;
use crate::webhooks::server::outbox;

/// The event of a move from `from` to `to`, if subscribers hear of it.
pub fn event_of(from: S, to: S) -> Option<EventType> {
    match (from, to) {
        (S::Planned, S::InProgress) => Some(EventType::DeploymentStarted),
        (_, S::InProgress) => Some(EventType::DeploymentResumed),
        (_, S::Paused) => Some(EventType::DeploymentPaused),
        (_, S::Completed) => Some(EventType::DeploymentCompleted),
        (_, S::Failed) => Some(EventType::DeploymentFailed),
        (_, S::RolledBack) => Some(EventType::DeploymentRolledBack),
        (_, S::Cancelled) => Some(EventType::DeploymentCancelled),
        (_, S::Planned | S::RollingBack) => None,
    }
}

/// Writes the event of deployment `id`'s move for its subscribers.
pub(super) async fn moved(
    db: &Db,
    tx: &mut AnyConnection,
    id: i64,
    from: S,
    to: S,
) -> AppResult<()> {
    let Some(event) = event_of(from, to) else {
        return Ok(());
    };
    let subscribers = outbox::subscribers(tx, event).await?;
    if subscribers.is_empty() {
        return Ok(());
    }
    let data = super::model::load(tx, id, "").await?.deployment();
    outbox::enqueue(db, tx, &subscribers, event, &data).await?;
    Ok(())
}
