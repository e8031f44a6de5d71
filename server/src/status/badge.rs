//! `/status/badge/{region}.svg`: a small badge with a region's state.

use app::status::domain::ComponentState;

fn color(state: ComponentState) -> &'static str {
    match state {
        ComponentState::Available => "#059669",
        ComponentState::Maintenance => "#0284c7",
        ComponentState::Limited => "#d97706",
        ComponentState::Incident => "#ea580c",
        ComponentState::Unavailable => "#dc2626",
    }
}

/// Width of `s` in Verdana 11 px, near enough for a badge.
fn width(s: &str) -> usize {
    s.chars().count() * 7 + 12
}

/// The badge; `code` is a region code (letters and digits), so it needs no escaping.
pub fn render(code: &str, state: ComponentState) -> String {
    let label = html_escape::encode_text(code);
    let value = state.as_str();
    let (lw, vw) = (width(code), width(value));
    let total = lw + vw;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" aria-label="{label}: {value}"><title>{label}: {value}</title><rect width="{lw}" height="20" rx="3" fill="#475569"/><rect x="{lw}" width="{vw}" height="20" rx="3" fill="{color}"/><rect x="{lw}" width="4" height="20" fill="{color}"/><g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle"><text x="{lx}" y="14">{label}</text><text x="{vx}" y="14">{value}</text></g></svg>"##,
        color = color(state),
        lx = lw / 2,
        vx = lw + vw / 2,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_badge_names_the_region_and_its_state() {
        let svg = render("westus2", ComponentState::Limited);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(">westus2: limited</title>"));
        assert!(svg.contains("#d97706"));
    }
}
