//! Paging links and query-string values.

use maud::{Markup, html};

/// Page links for a paged list.
pub fn pager(base: &str, page: i64, total: i64) -> Markup {
    let page = page.clamp(0, 100_000);
    let pages = (total + crate::repo::providers::PAGE_SIZE - 1) / crate::repo::providers::PAGE_SIZE;
    let sep = if base.contains('?') { '&' } else { '?' };
    html! {
        @if pages > 1 {
            nav.pager aria-label="Pagine" {
                @if page > 0 { a href={ (base) (sep) "pagina=" (page - 1) } { "‹ Precedente" } " " }
                span { "Pagina " (page + 1) " di " (pages) " (" (total) " in tutto)" }
                @if page + 1 < pages { " " a href={ (base) (sep) "pagina=" (page + 1) } { "Successiva ›" } }
            }
        }
    }
}

/// Percent-encodes a query value.
pub fn q(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
