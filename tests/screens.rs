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

/// Every `id` on the page, in order.
fn ids(html: &str) -> Vec<&str> {
    html.split(" id=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect()
}

/// The values of `attr="..."` on the page.
fn values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    html.split(&format!(" {attr}=\"")).skip(1).filter_map(|rest| rest.split('"').next()).collect()
}

/// An id given twice, a label whose `for` or an in-page link (the error summary's) whose
/// `#target` names no element: the label would not name its field, the link would move
/// focus nowhere (or to another form's field).
fn id_problems(page: &str, html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for id in ids(html) {
        if !seen.insert(id) {
            problems.push(format!("{page}: id \"{id}\" twice"));
        }
    }
    for target in values(html, "for") {
        if !seen.contains(target) {
            problems.push(format!("{page}: label for \"{target}\", no such id"));
        }
    }
    for target in values(html, "href").into_iter().filter_map(|h| h.strip_prefix('#')).filter(|t| !t.is_empty()) {
        if !seen.contains(target) {
            problems.push(format!("{page}: link to #{target}, no such id"));
        }
    }
    problems
}

#[test]
fn every_id_is_unique_and_every_label_and_summary_link_reaches_its_field() {
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
    // Two sedi: the provider's page holds an edit form for each (their fields had one id).
    let mut sedi = Vec::new();
    for (address, comune) in [("Via Roma 1", "Pisa"), ("Via Garibaldi 2", "Lucca")] {
        let res = region
            .post(format!("{base}/api/v1/providers/{p}/sedi"))
            .json(&serde_json::json!({ "address": address, "comune": comune }))
            .send()
            .unwrap();
        assert_eq!(res.status(), 201);
        sedi.push(res.json::<serde_json::Value>().unwrap()["id"].as_i64().unwrap());
    }
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

    let mut problems = Vec::new();
    let mut pages = 0;
    for (role, person, _) in &people {
        let c = client(&f, Some(&f.card(person)));
        let crawled = crawl(&c, base, role, &mut Vec::new());
        let provider_page = format!("/regione/soggetti/{p}");
        let mut checked: Vec<(String, String)> = crawled.into_iter().map(|(path, (html, _))| (path, html)).collect();
        if *role == "regione" {
            let html = c.get(format!("{base}{provider_page}")).send().unwrap().text().unwrap();
            for sede in &sedi {
                assert!(html.contains(&format!("id=\"f-sede-{sede}-address\"")), "{html}");
            }
            checked.push((provider_page.clone(), html));
            // Every account's page (a tecnico's carries the exemption form besides the others).
            for n in 1..=people.len() {
                let path = format!("/regione/operatori/{n}");
                checked.push((path.clone(), c.get(format!("{base}{path}")).send().unwrap().text().unwrap()));
            }
        }
        for (path, html) in &checked {
            pages += 1;
            problems.extend(id_problems(&format!("{role} {path}"), html));
        }
    }
    assert!(pages > 20, "only {pages} pages checked");

    // A refused sede edit: the summary's link reaches that sede's field.
    let html = region.get(format!("{base}/regione/soggetti/{p}")).send().unwrap().text().unwrap();
    let form_token = token(&html).unwrap();
    let res = region
        .post(format!("{base}/regione/sedi/{}", sedi[1]))
        .header("Origin", base)
        .form(&[("_token", form_token.as_str()), ("address", ""), ("comune", "Lucca")])
        .send()
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().unwrap();
    assert!(html.contains(&format!("href=\"#f-sede-{}-address\"", sedi[1])), "{html}");
    assert!(html.contains(&format!("id=\"f-sede-{}-address-errore\"", sedi[1])), "{html}");
    problems.extend(id_problems("refused sede edit", &html));

    // Every form each role is offered, sent empty: the refused forms that come back (422, 409)
    // are pages too (last: some of these posts close or change things).
    let mut refused = 0;
    for (role, person, _) in &people {
        let c = client(&f, Some(&f.card(person)));
        let mut posted = BTreeSet::new();
        for (page, (html, actions)) in crawl(&c, base, role, &mut Vec::new()) {
            let token = token(&html).unwrap_or_default();
            for action in actions.into_iter().filter(|a| posted.insert(a.clone())) {
                let res = c.post(format!("{base}{action}")).header("Origin", base).form(&[("_token", token.as_str())]);
                let res = res.send().unwrap();
                if matches!(res.status().as_u16(), 409 | 422) {
                    refused += 1;
                    problems
                        .extend(id_problems(&format!("{role} {action} refused (from {page})"), &res.text().unwrap()));
                }
            }
        }
    }
    assert!(refused >= 10, "only {refused} refused forms checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
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
