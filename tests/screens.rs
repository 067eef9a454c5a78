//! Screens show no action the role cannot perform: each role's pages, reached by following the
//! links from its home page (and those other roles reach, opened by address), are read for
//! their forms, and each form is posted as that role (with its token, otherwise empty). No form
//! and no link may answer "not available for your profile".

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use common::{Fixture, cf, client};
use reqwest::blocking::Client;
use ricolloca::infra::pki::KeyKind;

const WRONG_ROLE: &str = "Questa funzione non è disponibile per il proprio profilo di accesso.";

/// Links to follow: pages of this server, not downloads, not the manual.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|l| l.replace("&amp;", "&"))
        .filter(|l| l.starts_with('/') && !l.starts_with("//"))
        .filter(|l| {
            !(l.starts_with("/manuale")
                || l.starts_with("/static")
                || l.contains(".csv")
                || l.contains(".zip")
                || l.contains("/file")
                || l.contains("/documenti/")
                || l.contains("/stampa")
                || l.ends_with(".pdf"))
        })
        .collect()
}

/// The `action` of every `method="post"` form on the page.
fn forms(html: &str) -> Vec<String> {
    html.split("<form")
        .skip(1)
        .filter_map(|f| {
            let tag = f.split('>').next()?;
            if !tag.contains("method=\"post\"") {
                return None;
            }
            tag.split("action=\"").nth(1)?.split('"').next().map(|a| a.replace("&amp;", "&"))
        })
        .collect()
}

fn token(html: &str) -> Option<String> {
    let at = html.find("name=\"_token\" value=\"")?;
    html[at + 21..].split('"').next().map(str::to_owned)
}

/// Every page the role reaches from its home page (at most 3 per path shape), with the
/// forms found on each; and the links that lead to a refusal for this role.
fn crawl(c: &Client, base: &str, role: &str, problems: &mut Vec<String>) -> BTreeMap<String, (String, Vec<String>)> {
    let mut seen = BTreeMap::new();
    let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
    let mut queue = VecDeque::from([(String::from("/"), String::new())]);
    while let Some((path, from)) = queue.pop_front() {
        if seen.contains_key(&path) || seen.len() > 120 {
            continue;
        }
        let shape: String = path
            .split('?')
            .next()
            .unwrap_or_default()
            .chars()
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect();
        let n = shapes.entry(shape).or_default();
        if *n >= 3 {
            continue;
        }
        *n += 1;
        let res = c.get(format!("{base}{path}")).send().unwrap();
        let status = res.status().as_u16();
        let html = res.text().unwrap_or_default();
        if status == 403 && html.contains(WRONG_ROLE) {
            problems.push(format!("{role}: {from} links to {path}, which answers 403 for {role}"));
        }
        if !(200..300).contains(&status) {
            seen.insert(path, (String::new(), Vec::new()));
            continue;
        }
        for l in links(&html) {
            queue.push_back((l, path.clone()));
        }
        let found = forms(&html);
        seen.insert(path, (html, found));
    }
    seen
}

#[test]
fn no_screen_offers_a_form_its_role_cannot_send() {
    let f = Fixture::new(KeyKind::EcdsaP256);
    let p = f.add_provider("Lavoro Futuro", "06363391001", "ACC-1");
    let people = [
        ("operatore", cf("RSSMRA85T10A562"), Some(p)),
        ("regione", cf("BNCMRA80A41D612"), None),
        ("revisore", cf("VRDGPP75M12G702"), None),
        ("tecnico", cf("NRELGU70A01D612"), None),
    ];
    for (role, person, provider) in &people {
        f.add_operator(person, role, *provider);
    }
    let server = f.start();
    let base = server.url("");
    let base = base.trim_end_matches('/');
    let region = client(&f, Some(&f.card(&people[1].1)));
    let csv = format!(
        "codice_fiscale;cognome;nome;data_nascita;sesso;codice_assegno;data_rilascio;cpi;fascia_profilazione;ente;data_scelta\n\
         {};Bruni;Laura;01/02/1980;F;ADR-1;01/02/2026;CPI-FI;3;06363391001;10/02/2026",
        cf("BRNLRA80B41D612")
    );
    let res = region
        .post(format!("{base}/api/v1/import/assignments"))
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);

    // Each role's pages: what its links reach, and every page another role reached that it
    // may open too (an address typed, a link shared).
    let clients: Vec<(&str, Client)> =
        people.iter().map(|(role, person, _)| (*role, client(&f, Some(&f.card(person))))).collect();
    let mut problems = Vec::new();
    let mut crawled: Vec<BTreeMap<String, (String, Vec<String>)>> =
        clients.iter().map(|(role, c)| crawl(c, base, role, &mut problems)).collect();
    let all: BTreeSet<String> = crawled.iter().flat_map(|p| p.keys().cloned()).collect();
    for ((_, c), pages) in clients.iter().zip(crawled.iter_mut()) {
        for path in &all {
            if !pages.contains_key(path) {
                let res = c.get(format!("{base}{path}")).send().unwrap();
                if res.status().is_success() {
                    let html = res.text().unwrap();
                    let found = forms(&html);
                    pages.insert(path.clone(), (html, found));
                }
            }
        }
    }
    let mut checked = 0;
    for ((role, c), pages) in clients.iter().zip(&crawled) {
        assert!(pages.len() > 3, "{role}: only {} pages reached", pages.len());
        let mut posted = BTreeSet::new();
        for (page, (html, actions)) in pages {
            for action in actions {
                if !posted.insert(action.clone()) {
                    continue;
                }
                checked += 1;
                let token = token(html).unwrap_or_default();
                let res = c
                    .post(format!("{base}{action}"))
                    .header("Origin", base)
                    .form(&[("_token", token.as_str())])
                    .send()
                    .unwrap();
                let status = res.status().as_u16();
                let body = res.text().unwrap_or_default();
                if status == 403 && body.contains(WRONG_ROLE) {
                    problems.push(format!("{role}: {page} offers a form to {action}, which answers 403 for {role}"));
                }
            }
        }
    }
    assert!(checked >= 10, "only {checked} forms found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
