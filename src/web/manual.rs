//! `/manuale`: the online manual, Markdown files embedded from `assets/manual/`, rendered to
//! HTML. It is our own text, compiled in; raw HTML inside it is dropped all the same.
//! Also: a search box (`/manuale/cerca`), the whole manual on one printable page
//! (`/manuale/completo`) and the same as one self-contained file for the training day
//! (`ricolloca manual --out FILE`).

use crate::domain::italian::count;
use maud::{Markup, PreEscaped, html};
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, html as md_html};
use rocket::{Route, State, get, routes};

use crate::web::Site;
use crate::web::embedded::{Asset, Assets, IfNoneMatch, lookup};
use crate::web::guards::PublicReader;
use crate::web::views::layout::page_at;

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

pub fn chapter_count() -> usize {
    chapters().len()
}

fn source(file: &str) -> Option<String> {
    Assets::get(&format!("manual/{file}")).map(|f| String::from_utf8_lossy(&f.data).into_owned())
}

fn title_of(markdown: &str) -> String {
    markdown.lines().find_map(|l| l.strip_prefix("# ")).unwrap_or("Capitolo").trim().to_owned()
}

fn render(markdown: &str) -> String {
    // A fence's language (```toml) would become class="language-toml", a class the stylesheet
    // does not define (the browser suite checks): every code block is shown the same way.
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES)
        .filter(|e| !matches!(e, Event::Html(_) | Event::InlineHtml(_)))
        .map(|e| match e {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced("".into())))
            }
            other => other,
        });
    let mut out = String::new();
    md_html::push_html(&mut out, parser);
    out
}

/// Lower case without accents, so that "attivita" finds "attività".
fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' => 'a',
            'è' | 'é' => 'e',
            'ì' | 'í' => 'i',
            'ò' | 'ó' => 'o',
            'ù' | 'ú' => 'u',
            c => c,
        })
        .collect()
}

/// The words of a Markdown block as a reader sees them: no `**`, backticks, link targets,
/// table pipes or heading marks; one space between words.
fn plain_text(block: &str) -> String {
    use pulldown_cmark::TagEnd;
    let mut text = String::new();
    for event in Parser::new_ext(block, Options::ENABLE_TABLES) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(TagEnd::TableCell | TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A paragraph of the manual that holds every word searched for.
struct Hit {
    slug: String,
    chapter: String,
    section: String,
    snippet: String,
}

const MAX_HITS: usize = 40;

/// Paragraphs (blank-line separated) holding every word of `query`, in reading order, with
/// the heading they fall under. Markdown markup is left out of the snippet.
/// What a hit shows: a paragraph, or one row of a table (a long table, such as the audit
/// event catalogue, would otherwise be one hit whose snippet shows only its first rows).
fn units(block: &str) -> Vec<String> {
    let lines: Vec<&str> = block.lines().collect();
    let is_table = lines.len() > 2 && lines.iter().all(|l| l.trim_start().starts_with('|'));
    if !is_table {
        return vec![block.to_owned()];
    }
    // A row alone is no Markdown table: its cells become the words of a paragraph.
    lines.into_iter().skip(2).map(|row| row.replace('|', " ").trim().to_owned()).collect()
}

fn search(query: &str) -> Vec<Hit> {
    let words: Vec<String> =
        fold(query).split_whitespace().filter(|w| w.chars().count() >= 2).map(str::to_owned).collect();
    if words.is_empty() {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for (slug, file) in chapters() {
        let Some(markdown) = source(&file) else { continue };
        let chapter = title_of(&markdown);
        let mut section = chapter.clone();
        for block in markdown.split("\n\n").flat_map(units) {
            let block = block.as_str();
            if let Some(heading) = block.lines().find_map(|l| l.strip_prefix("## ").or_else(|| l.strip_prefix("### ")))
            {
                section = heading.trim().to_owned();
            }
            let folded = fold(block);
            if words.iter().all(|w| folded.contains(w.as_str())) {
                let plain = plain_text(block);
                let mut snippet: String = plain.chars().take(240).collect();
                if plain.chars().count() > 240 {
                    snippet.push('…');
                }
                hits.push(Hit { slug: slug.clone(), chapter: chapter.clone(), section: section.clone(), snippet });
                if hits.len() == MAX_HITS {
                    return hits;
                }
            }
        }
    }
    hits
}

fn search_box(value: &str) -> Markup {
    html! {
        form.manual-search role="search" method="get" action="/manuale/cerca" {
            label for="manual-q" { "Cerca nel manuale" }
            input #manual-q type="search" name="q" value=(value) minlength="2" maxlength="100";
            button.button type="submit" { "Cerca" }
        }
    }
}

#[get("/cerca?<q>")]
fn find(q: Option<&str>, site: &State<Site>, reader: PublicReader) -> Markup {
    let q: String = q.unwrap_or_default().chars().take(100).collect();
    let hits = search(&q);
    page_at(
        Some(site),
        "Cerca nel manuale",
        reader.0.as_deref(),
        "/manuale/cerca",
        html! {
            nav.breadcrumb aria-label="Percorso" { a href="/manuale" { "Manuale" } " › Cerca" }
            h1 { "Cerca nel manuale" }
            (search_box(&q))
            @if q.trim().chars().count() < 2 {
                p { "Scrivere almeno due lettere." }
            } @else if hits.is_empty() {
                p role="status" { "Nessun risultato per «" (q) "». Provare con meno parole o con l'" a href="/manuale" { "indice" } "." }
            } @else {
                p role="status" { @if hits.len() == MAX_HITS { (MAX_HITS) " o più risultati" } @else { (count(hits.len(), "risultato", "risultati")) } " per «" (q) "»." }
                ol.search-results {
                    @for h in &hits {
                        li {
                            a href={ "/manuale/" (h.slug) } { (h.chapter) }
                            @if h.section != h.chapter { " › " (h.section) }
                            p { (h.snippet) }
                        }
                    }
                }
            }
        },
    )
}

/// Every chapter in order, as one article (for printing and for the file).
fn whole_manual() -> Markup {
    let chapters: Vec<(String, String)> =
        chapters().into_iter().filter_map(|(slug, file)| source(&file).map(|md| (slug, md))).collect();
    html! {
        h1 { "Manuale di Ricolloca" }
        nav aria-label="Indice" {
            ol.manual-toc { @for (slug, md) in &chapters { li { a href={ "#" (slug) } { (title_of(md)) } } } }
        }
        @for (slug, md) in &chapters {
            section.manual-chapter id=(slug) {
                article.manual { (PreEscaped(render(md))) }
            }
        }
    }
}

#[get("/completo")]
fn whole(site: &State<Site>, reader: PublicReader) -> Markup {
    page_at(
        Some(site),
        "Manuale completo",
        reader.0.as_deref(),
        "/manuale/completo",
        html! {
            nav.breadcrumb aria-label="Percorso" { a href="/manuale" { "Manuale" } " › Manuale completo" }
            p.no-print { "Tutti i capitoli in una pagina: per stamparla usare il comando Stampa del browser (Ctrl+P)." }
            (whole_manual())
        },
    )
}

/// The whole manual as one HTML file that opens without the server (training day, archive):
/// the style sheet inlined, images as data URIs.
pub fn standalone_html(region_name: &str) -> String {
    use base64::Engine as _;
    let css = Assets::get("css/app.css").map(|f| String::from_utf8_lossy(&f.data).into_owned()).unwrap_or_default();
    let mut body = whole_manual().into_string();
    for path in Assets::iter().filter(|p| p.ends_with(".png") || p.ends_with(".svg")) {
        // Chapters point at their pictures as `img/<file>` (served at /manuale/img/).
        let url = match path.strip_prefix("manual/") {
            Some(rel) => format!("\"{rel}\""),
            None => format!("/static/{path}"),
        };
        if body.contains(&url)
            && let Some(file) = Assets::get(&path)
        {
            let mime = if path.ends_with(".png") { "image/png" } else { "image/svg+xml" };
            let data = base64::engine::general_purpose::STANDARD.encode(&file.data);
            let inline = format!("data:{mime};base64,{data}");
            let inline = if url.starts_with('"') { format!("\"{inline}\"") } else { inline };
            body = body.replace(&url, &inline);
        }
    }
    // Links between chapters point inside the file.
    for (slug, _) in chapters() {
        body = body.replace(&format!("href=\"/manuale/{slug}\""), &format!("href=\"#{slug}\""));
    }
    let page = html! {
        (maud::DOCTYPE)
        html lang="it" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Manuale di Ricolloca — " (region_name) }
                style { (PreEscaped(css)) }
            }
            body { main.container #contenuto { (PreEscaped(body)) } }
        }
    };
    page.into_string()
}

#[get("/")]
fn index(site: &State<Site>, reader: PublicReader) -> Markup {
    let chapters = chapters();
    page_at(
        Some(site),
        "Manuale",
        reader.0.as_deref(),
        "/manuale",
        html! {
            h1 { "Manuale di Ricolloca" }
            p.lead { "Guida per gli operatori dei soggetti accreditati, il personale regionale, i revisori e l'amministratore tecnico." }
            (search_box(""))
            p { a href="/manuale/completo" { "Tutto il manuale in una pagina" } " (da stampare o conservare)." }
            ol.manual-toc {
                @for (slug, file) in &chapters {
                    li { a href={ "/manuale/" (slug) } { (source(file).map(|s| title_of(&s)).unwrap_or_default()) } }
                }
            }
        },
    )
}

#[get("/<slug>")]
fn chapter(slug: &str, site: &State<Site>, reader: PublicReader) -> Option<Markup> {
    let (_, file) = chapters().into_iter().find(|(s, _)| s == slug)?;
    let markdown = source(&file)?;
    let title = title_of(&markdown);
    Some(page_at(
        Some(site),
        &title,
        reader.0.as_deref(),
        &format!("/manuale/{slug}"),
        html! {
            nav.breadcrumb aria-label="Percorso" { a href="/manuale" { "Manuale" } " › " (title) }
            (search_box(""))
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
    routes![index, chapter, find, whole, image]
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
        let code = render("```toml\n[backup]\n```\n");
        assert!(code.contains("<pre><code>[backup]") && !code.contains("language-"), "{code}");
    }

    #[test]
    fn search_folds_case_and_accents_and_needs_every_word() {
        let hits = search("ATTIVITA periodica");
        assert!(!hits.is_empty());
        assert!(hits.iter().all(|h| fold(&h.snippet).contains("attivita") && fold(&h.snippet).contains("periodica")));
        assert!(search("parolachenonesiste attivita").is_empty());
        assert!(search("a").is_empty(), "one letter is no search");
        assert!(search("backup").iter().any(|h| h.slug == "backup"));
    }

    #[test]
    fn snippets_read_as_text_without_markdown() {
        let plain = plain_text(
            "Premere **Esegui** e poi `backup --out` ([capitolo](/manuale/backup)).\n\n| a | b |\n|---|---|\n| x | y |",
        );
        assert_eq!(plain, "Premere Esegui e poi backup --out (capitolo). a b x y");
        for hit in search("backup").iter().chain(&search("smartcard")).chain(&search("registro")) {
            for mark in ["**", "`", "](", "|", "## "] {
                assert!(!hit.snippet.contains(mark), "{mark} in {}", hit.snippet);
            }
        }
    }

    #[test]
    fn the_file_for_the_training_day_stands_alone() {
        let html = standalone_html("Regione di prova");
        assert!(html.contains("<style>") && html.contains("Manuale di Ricolloca"));
        assert!(!html.contains("/static/") && !html.contains("src=\"img/"), "every picture inlined");
        for (slug, _) in chapters() {
            assert!(html.contains(&format!("id=\"{slug}\"")), "chapter {slug}");
        }
    }
}
