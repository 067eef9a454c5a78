//! `/manuale`: the online manual, Markdown files embedded from `assets/manual/`, rendered to
//! HTML. It is our own text, compiled in; raw HTML inside it is dropped all the same.

use maud::{Markup, PreEscaped, html};
use pulldown_cmark::{Event, Options, Parser, html as md_html};
use rocket::{Route, State, get, routes};

use crate::web::Site;
use crate::web::assets::{Asset, Assets, IfNoneMatch, lookup};
use crate::web::views::layout::page;

/// Manual chapters in reading order: (slug, file under assets/manual/).
fn chapters() -> Vec<(String, String)> {
    let mut files: Vec<String> = Assets::iter()
        .filter_map(|p| p.strip_prefix("manual/").map(str::to_owned))
        .filter(|p| p.ends_with(".md"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            // "10-accesso.md" -> "accesso": the number only orders the chapters.
            let stem = f.trim_end_matches(".md");
            let slug = stem.split_once('-').map(|(_, s)| s).unwrap_or(stem).to_owned();
            (slug, f)
        })
        .collect()
}

fn source(file: &str) -> Option<String> {
    Assets::get(&format!("manual/{file}")).map(|f| String::from_utf8_lossy(&f.data).into_owned())
}

fn title_of(markdown: &str) -> String {
    markdown.lines().find_map(|l| l.strip_prefix("# ")).unwrap_or("Capitolo").trim().to_owned()
}

fn render(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES)
        .filter(|e| !matches!(e, Event::Html(_) | Event::InlineHtml(_)));
    let mut out = String::new();
    md_html::push_html(&mut out, parser);
    out
}

#[get("/")]
fn index(site: &State<Site>) -> Markup {
    let chapters = chapters();
    page(
        Some(site),
        "Manuale",
        None,
        html! {
            h1 { "Manuale di Ricolloca" }
            p.lead { "Guida per gli operatori dei soggetti accreditati, il personale regionale, i revisori e l'amministratore tecnico." }
            ol.manual-toc {
                @for (slug, file) in &chapters {
                    li { a href={ "/manuale/" (slug) } { (source(file).map(|s| title_of(&s)).unwrap_or_default()) } }
                }
            }
        },
    )
}

#[get("/<slug>")]
fn chapter(slug: &str, site: &State<Site>) -> Option<Markup> {
    let (_, file) = chapters().into_iter().find(|(s, _)| s == slug)?;
    let markdown = source(&file)?;
    let title = title_of(&markdown);
    Some(page(
        Some(site),
        &title,
        None,
        html! {
            nav.breadcrumb aria-label="Percorso" { a href="/manuale" { "Manuale" } " › " (title) }
            article.manual { (PreEscaped(render(&markdown))) }
        },
    ))
}

/// The manual's pictures (`assets/manual/img/`), referenced from the chapters as `img/<file>`.
#[get("/img/<file>")]
fn image(file: &str, inm: IfNoneMatch) -> Option<Asset> {
    if !file.ends_with(".png") || file.contains('/') {
        return None;
    }
    lookup(&format!("manual/img/{file}"), inm.0.as_deref())
}

pub fn routes() -> Vec<Route> {
    routes![index, chapter, image]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manual_has_the_access_chapter_and_drops_raw_html() {
        assert!(chapters().iter().any(|(s, _)| s == "accesso"));
        let html = render("# T\n\n<script>alert(1)</script>\n\ntesto <b>x</b>");
        assert!(!html.contains("<script>") && !html.contains("<b>"), "{html}");
        assert!(html.contains("<h1>T</h1>"));
    }
}
