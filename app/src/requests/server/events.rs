//! A request's moves as webhook events (`request.submitted`, `.approved`,
//! `.rejected`, `.fulfilled`, `.expired`), written to the outbox in the
//! transaction that moved it, with the request as the API shows it then.

use sqlx::AnyConnection;

use super::service::load_in;
use crate::db::Db;
use crate::error::AppResult;
use crate::requests::domain::State;
use crate::webhooks::domain::EventType;
use crate::webhooks::server::outbox;

/// The event of a move into `to`, if subscribers hear of it.
pub fn event_of(to: State) -> Option<EventType> {
    match to {
        State::Submitted => Some(EventType::RequestSubmitted),
        State::Approved => Some(EventType::RequestApproved),
        State::Rejected => Some(EventType::RequestRejected),
        State::Fulfilled => Some(EventType::RequestFulfilled),
        State::Expired => Some(EventType::RequestExpired),
        State::Draft | State::AwaitingCapacity | State::Cancelled => None,
    }
}

/// Writes the event of request `id`'s move into `to` for its subscribers.
pub(super) async fn moved(db: &Db, tx: &mut AnyConnection, id: i64, to: State) -> AppResult<()> {
    let Some(event) = event_of(to) else {
        return Ok(());
    };
    let to = outbox::subscribers(tx, event).await?;
    if to.is_empty() {
        return Ok(());
    }
    let data = load_in(tx, id).await?;
    outbox::enqueue(db, tx, &to, event, &data).await?;
    Ok(())
}
