//! A page's render runs to its end even when its client goes away.
//!
//! Leptos streams a page while its resources resolve on other tokio tasks,
//! each in a child of the request's reactive owner. When a client hangs up
//! mid-page, hyper drops the body, and with it the request's owner, on one
//! worker while such a task may be walking up that same owner chain for a
//! context (`use_context`) on another. reactive_graph 0.2.16 can then drop
//! the last reference to an ancestor while it still holds a read lock on the
//! descendant that the ancestor's cleanup write-locks: the worker thread
//! blocks forever (seen under `wrk` on `/deployments/{key}`: one of the two
//! workers stuck in `RwLock::write_contended` under `Owner::with_context`,
//! the server at half speed and unable to stop); 0.2.16 is the newest release.
//!
//! So a page's body that is dropped before its end is not dropped: it is
//! handed to a task that reads it to the end and discards it, so the owner is
//! let go the way Leptos does it on a finished page (`unset_with_forced_cleanup`
//! after the last chunk), never while a resource task is still in it. That
//! costs what the page would have cost had the client stayed; a page's reads
//! are bounded by the pool's timeouts.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, BodyDataStream, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::Response;
use futures::{Stream, StreamExt};

/// Wraps the body of every streamed HTML response (Leptos pages) in
/// `Finishing`; a body already whole (a sized one: the status pages, error
/// pages) has nothing left to render and keeps its length.
pub async fn pages(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let html = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let streamed = HttpBody::size_hint(resp.body()).exact().is_none();
    match html && streamed {
        true => resp.map(|body| Body::from_stream(Finishing::new(body))),
        false => resp,
    }
}

/// A body that, dropped before its end, is read to its end on its own task.
pub struct Finishing {
    inner: Option<BodyDataStream>,
    ended: bool,
}

impl Finishing {
    pub fn new(body: Body) -> Self {
        Self {
            inner: Some(body.into_data_stream()),
            ended: false,
        }
    }
}

impl Stream for Finishing {
    type Item = Result<Bytes, axum::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let next = inner.poll_next_unpin(cx);
        if let Poll::Ready(None | Some(Err(_))) = next {
            this.ended = true;
        }
        next
    }
}

impl Drop for Finishing {
    fn drop(&mut self) {
        let Some(mut rest) = self.inner.take().filter(|_| !self.ended) else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            metrics::counter!("headroom_pages_finished_after_hangup_total").increment(1);
            runtime.spawn(async move { while let Some(Ok(_)) = rest.next().await {} });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A body of `n` chunks that counts how many were read, one per yield.
    fn counted(n: usize, read: Arc<AtomicUsize>) -> Body {
        Body::from_stream(futures::stream::iter(0..n).then(move |i| {
            let read = Arc::clone(&read);
            async move {
                tokio::task::yield_now().await;
                read.fetch_add(1, Ordering::SeqCst);
                Ok::<_, std::io::Error>(Bytes::from(i.to_string()))
            }
        }))
    }

    #[tokio::test]
    async fn a_body_dropped_halfway_is_read_to_its_end() {
        let read = Arc::new(AtomicUsize::new(0));
        let mut body = Finishing::new(counted(50, Arc::clone(&read)));
        assert!(body.next().await.is_some());
        assert!(body.next().await.is_some());
        drop(body);
        for _ in 0..1_000 {
            if read.load(Ordering::SeqCst) == 50 {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!(
            "only {} of 50 chunks were read",
            read.load(Ordering::SeqCst)
        );
    }

    #[tokio::test]
    async fn a_body_read_to_its_end_is_not_read_again() {
        let read = Arc::new(AtomicUsize::new(0));
        let mut body = Finishing::new(counted(3, Arc::clone(&read)));
        while body.next().await.is_some() {}
        assert!(body.ended && body.inner.is_some());
        drop(body);
        assert_eq!(read.load(Ordering::SeqCst), 3);
    }
}
