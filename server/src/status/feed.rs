//! `/status/feed.atom`: the notices (active and recently resolved) as an Atom feed.

use atom_syndication::{Category, Content, Entry, Feed, FixedDateTime, Link, Person, Text};

use app::status::types::{Notice, StatusView};

fn date(rfc3339: &str) -> FixedDateTime {
    chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap_or_default()
}

fn link(href: String, rel: &str, mime: Option<&str>) -> Link {
    let mut l = Link::default();
    l.set_href(href);
    l.set_rel(rel);
    l.set_mime_type(mime.map(str::to_owned));
    l
}

fn entry(n: &Notice, base: &str) -> Entry {
    let mut e = Entry::default();
    let resolved = if n.is_active() { "" } else { " (resolved)" };
    e.set_title(Text::plain(format!(
        "[{}] {}{resolved}",
        n.kind.as_str(),
        n.title
    )));
    e.set_id(format!("urn:headroom:status:notice:{}", n.id));
    e.set_updated(date(&n.updated_at));
    e.set_published(Some(date(&n.started_at)));
    e.set_links(vec![link(
        format!("{base}/status#notice-{}", n.id),
        "alternate",
        Some("text/html"),
    )]);
    let mut categories = vec![n.kind.as_str().to_owned()];
    categories.extend(n.regions.iter().cloned());
    e.set_categories(
        categories
            .into_iter()
            .map(|term| {
                let mut c = Category::default();
                c.set_term(term);
                c
            })
            .collect::<Vec<_>>(),
    );
    e.set_summary(n.updates.last().map(|u| Text::plain(u.body.clone())));
    let timeline: Vec<String> = n
        .updates
        .iter()
        .rev()
        .map(|u| format!("{}: {}", u.at, u.body))
        .collect();
    let mut content = Content::default();
    content.set_content_type(Some("text".to_owned()));
    content.set_value(Some(timeline.join("\n")));
    e.set_content(Some(content));
    e
}

/// The feed; `origin` (`HEADROOM_PUBLIC_URL`'s scheme and host) makes links absolute.
pub fn render(view: &StatusView, origin: Option<&str>) -> String {
    let base = origin.unwrap_or("");
    let mut feed = Feed::default();
    feed.set_title(Text::plain("Capacity status notices · Headroom"));
    feed.set_id("urn:headroom:status:notices");
    let newest = view
        .active
        .iter()
        .chain(&view.recent)
        .map(|n| n.updated_at.as_str())
        .max()
        .unwrap_or(&view.generated_at);
    feed.set_updated(date(newest));
    let mut author = Person::default();
    author.set_name("Headroom status");
    feed.set_authors(vec![author]);
    feed.set_links(vec![
        link(
            format!("{base}/status/feed.atom"),
            "self",
            Some("application/atom+xml"),
        ),
        link(format!("{base}/status"), "alternate", Some("text/html")),
    ]);
    let mut notices: Vec<&Notice> = view.active.iter().chain(&view.recent).collect();
    notices.sort_by(|a, b| b.updated_at.cmp(&a.updated_at));
    feed.set_entries(
        notices
            .into_iter()
            .map(|n| entry(n, base))
            .collect::<Vec<_>>(),
    );
    feed.to_string()
}
