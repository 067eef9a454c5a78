//! The agenda and the programme outcome over real TLS: appointments and their outcomes (the
//! first held meeting starts the programme), duplicates and back-dating refused, provider
//! isolation with audited 404s, outcomes moving the voucher state, the Region's counts, and
//! concurrent edits that never overwrite each other.
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Fixture, cf, client};
use reqwest::blocking::Client;
use ricolloca::domain::text::iso;
use ricolloca::infra::clock::{Clock, SystemClock, local_datetime};
use ricolloca::infra::pki::KeyKind;
use serde_json::{Value, json};

const HEADER: &str = "codice_fiscale;cognome;nome;data_nascita;sesso;codice_assegno;data_rilascio;cpi;fascia_profilazione;ente;data_scelta";

struct World {
    f: Fixture,
    server: common::Server,
    region: Client,
    op_a: Client,
    op_a2: Client,
    op_b: Client,
    auditor: Client,
    a_people: Vec<String>,
    b_people: Vec<String>,
}

fn world() -> World {
    let f = Fixture::new(KeyKind::EcdsaP256);
    let a = f.add_provider("Lavoro Futuro", "06363391001", "ACC-A");
    let b = f.add_provider("Orienta", "97103880585", "ACC-B");
    let region_cf = cf("BNCMRA80A41D612");
    f.add_operator(&region_cf, "regione", None);
    let (op_a_cf, op_a2_cf, op_b_cf) = (cf("RSSMRA85T10A562"), cf("VRDLCU80A01H501"), cf("NREGNN70C03F205"));
    f.add_operator(&op_a_cf, "operatore", Some(a));
    f.add_operator(&op_a2_cf, "operatore", Some(a));
    f.add_operator(&op_b_cf, "operatore", Some(b));
    let auditor_cf = cf("VRDGPP75M12G702");
    f.add_operator(&auditor_cf, "revisore", None);
    let server = f.start();
    let w = World {
        region: client(&f, Some(&f.card(&region_cf))),
        op_a: client(&f, Some(&f.card(&op_a_cf))),
        op_a2: client(&f, Some(&f.card(&op_a2_cf))),
        op_b: client(&f, Some(&f.card(&op_b_cf))),
        auditor: client(&f, Some(&f.card(&auditor_cf))),
        a_people: ["BRNLRA80B41D612", "CSTLRA80B41D612", "DMCLRA80B41D612"].iter().map(|b| cf(b)).collect(),
        b_people: vec![cf("FRRLRA80B41D612")],
        f,
        server,
    };
    let mut csv = vec![HEADER.to_owned()];
    for (i, p) in w.a_people.iter().enumerate() {
        csv.push(format!("{p};Alfa{i};Anna;01/02/1980;F;ADR-A{i};01/02/2026;CPI-FI;3;06363391001;10/02/2026"));
    }
    for (i, p) in w.b_people.iter().enumerate() {
        csv.push(format!("{p};Beta{i};Bice;01/02/1980;F;ADR-B{i};01/02/2026;CPI-PO;2;ACC-B;10/02/2026"));
    }
    let res = w
        .region
        .post(w.server.url("/api/v1/import/assignments"))
        .header("Content-Type", "text/csv")
        .body(csv.join("\n"))
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    w
}

/// Italian local today plus `days`, as the server sees it.
fn day(days: i64) -> String {
    let today = local_datetime(SystemClock.now()).date();
    iso(today + time::Duration::days(days))
}

fn italian(iso: &str) -> String {
    ricolloca::domain::text::italian_date(iso)
}

impl World {
    fn id_of(&self, cf: &str) -> i64 {
        self.f.db().query_row("SELECT id FROM recipient WHERE codice_fiscale = ?1", [cf], |r| r.get(0)).unwrap()
    }

    fn post(&self, c: &Client, path: &str, body: Value) -> (u16, Value) {
        let res = c.post(self.server.url(path)).json(&body).send().unwrap();
        let status = res.status().as_u16();
        (status, res.json().unwrap_or(Value::Null))
    }

    fn appointment(&self, c: &Client, recipient: i64, data: &str, ora: &str) -> (u16, Value) {
        self.post(
            c,
            &format!("/api/v1/recipients/{recipient}/appointments"),
            json!({ "data": data, "ora": ora, "tipo": "colloquio" }),
        )
    }

    fn voucher(&self, recipient: i64) -> (String, Option<String>, Option<String>) {
        self.f
            .db()
            .query_row(
                "SELECT state, programme_start, programme_end FROM voucher WHERE recipient_id = ?1",
                [recipient],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    }

    fn token(&self, c: &Client, page: &str) -> String {
        let html = c.get(self.server.url(page)).send().unwrap().text().unwrap();
        let at = html.find("name=\"_token\" value=\"").expect("a form with a token");
        let rest = &html[at + 21..];
        rest[..rest.find('"').unwrap()].to_owned()
    }
}

fn fields(body: &Value) -> Vec<String> {
    body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn the_first_held_appointment_starts_the_programme_and_shows_everywhere() {
    let w = world();
    let mine = w.id_of(&w.a_people[0]);
    assert_eq!(w.voucher(mine), ("issued".into(), None, None));

    // Yesterday's meeting, entered today: inside the back-dating window.
    let (status, a) = w.appointment(&w.op_a, mine, &day(-1), "10:00");
    assert_eq!(status, 201, "{a}");
    assert_eq!(
        (a["starts_at"].as_str(), a["version"].as_i64()),
        (Some(format!("{}T10:00", day(-1)).as_str()), Some(1))
    );
    let id = a["id"].as_i64().unwrap();

    // The same person at the same time again: refused, and said why.
    let (status, body) = w.appointment(&w.op_a, mine, &day(-1), "10:00");
    assert_eq!(status, 409, "{body}");
    assert_eq!(fields(&body), ["ora"]);
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("già un appuntamento"), "{body}");
    // Too far back, unknown kind, bad time: named fields, nothing stored.
    let (status, body) = w.appointment(&w.op_a, mine, &day(-8), "10:00");
    assert_eq!((status, fields(&body)), (422, vec!["data".to_owned()]), "{body}");
    let (status, body) = w.post(
        &w.op_a,
        &format!("/api/v1/recipients/{mine}/appointments"),
        json!({ "data": day(1), "ora": "25:00", "tipo": "merenda" }),
    );
    assert_eq!((status, fields(&body)), (422, vec!["ora".to_owned(), "tipo".to_owned()]), "{body}");
    assert_eq!(w.f.audit_count("appointment.create"), 1);

    // Held: the six months start from that day.
    let (status, body) = w.post(
        &w.op_a,
        &format!("/api/v1/appointments/{id}/outcome"),
        json!({ "esito": "held", "nota": "", "version": 1 }),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["programme_start"], day(-1));
    let (state, start, end) = w.voucher(mine);
    assert_eq!((state.as_str(), start.as_deref()), ("in_progress", Some(day(-1).as_str())));
    let end = end.unwrap();
    let audit = w.f.last_audit();
    assert_eq!(
        (audit.0.as_str(), audit.2["programme_start"].as_str()),
        ("appointment.outcome", Some(day(-1).as_str()))
    );
    // A stale edit is refused and changes nothing.
    let (status, body) = w.post(
        &w.op_a,
        &format!("/api/v1/appointments/{id}/outcome"),
        json!({ "esito": "absent_unjustified", "nota": "", "version": 1 }),
    );
    assert_eq!((status, fields(&body)), (409, vec!["version".to_owned()]), "{body}");
    // The meeting that started the programme cannot silently become an absence.
    let (status, body) = w.post(
        &w.op_a,
        &format!("/api/v1/appointments/{id}/outcome"),
        json!({ "esito": "absent_unjustified", "nota": "errore", "version": 2 }),
    );
    assert_eq!((status, fields(&body)), (422, vec!["esito".to_owned()]), "{body}");
    assert_eq!(w.voucher(mine).1.as_deref(), Some(day(-1).as_str()));

    // A future meeting through the scheda's form (with its token): the cruscotto shows it next.
    let token = w.token(&w.op_a, &format!("/destinatari/{mine}"));
    let res = w
        .op_a
        .post(w.server.url(&format!("/destinatari/{mine}/appuntamenti")))
        .form(&[("_token", token.as_str()), ("data", &day(2)), ("ora", "09:15"), ("tipo", "verifica")])
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let scheda = res.text().unwrap();
    assert!(scheda.contains(&format!("dal {} al {}", italian(&day(-1)), italian(&end))), "programme period shown");
    assert!(scheda.contains(&format!("{} 09:15", italian(&day(2)))) && scheda.contains("svolto"));
    let cruscotto = w.op_a.get(w.server.url("/cruscotto")).send().unwrap().text().unwrap();
    assert!(cruscotto.contains(&format!("{} 09:15", italian(&day(2)))), "next appointment on the cruscotto");
    // A form error comes back on the form, values kept; the form draws the provider's tutors
    // again, so that view is audited first, as the scheda's.
    let views = w.f.audit_count("recipient.view");
    let res = w
        .op_a
        .post(w.server.url(&format!("/destinatari/{mine}/appuntamenti")))
        .form(&[("_token", token.as_str()), ("data", &day(2)), ("ora", "09:15"), ("tipo", "verifica")])
        .send()
        .unwrap();
    assert_eq!(res.status(), 409);
    assert!(res.text().unwrap().contains("già un appuntamento"));
    assert_eq!(w.f.audit_count("recipient.view"), views + 1);
    let (action, _, detail) = w.f.last_audit();
    assert_eq!((action.as_str(), &detail), ("recipient.view", &json!({ "cf": w.a_people[0] })));
    // A refused outcome form comes back under the person's name: that view is audited first.
    let res = w
        .op_a
        .post(w.server.url(&format!("/appuntamenti/{id}/esito")))
        .form(&[("_token", token.as_str()), ("esito", "absent_unjustified"), ("nota", "errore"), ("version", "2")])
        .send()
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().unwrap().contains("Alfa0 Anna"));
    let (action, _, detail) = w.f.last_audit();
    assert_eq!((action.as_str(), &detail), ("agenda.view", &json!({ "appointment": id, "refused": true })));
    assert_eq!(w.f.audit_count("agenda.view"), 1);

    // The agenda lists both; the API too; each read audited.
    let agenda = w.op_a.get(w.server.url("/agenda")).send().unwrap().text().unwrap();
    assert!(agenda.contains("Alfa0 Anna") && agenda.contains("in programma") && agenda.contains("svolto"));
    let list: Value =
        w.op_a.get(w.server.url(&format!("/api/v1/recipients/{mine}/appointments"))).send().unwrap().json().unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(w.f.audit_count("agenda.view"), 3);
}

#[test]
fn refusals_go_to_the_cpi_report() {
    let w = world();
    let mine = w.id_of(&w.a_people[1]);
    let (_, a) = w.appointment(&w.op_a, mine, &day(-2), "11:00");
    let id = a["id"].as_i64().unwrap();
    let url = format!("/api/v1/appointments/{id}/outcome");
    let (status, body) = w.post(&w.op_a, &url, json!({ "esito": "refused", "nota": "", "version": 1 }));
    assert_eq!((status, fields(&body)), (422, vec!["nota".to_owned()]), "what was refused is required");
    let (status, _) =
        w.post(&w.op_a, &url, json!({ "esito": "refused", "nota": "Rifiuta il laboratorio di gruppo", "version": 1 }));
    assert_eq!(status, 200);
    // Not started by a refusal.
    assert_eq!(w.voucher(mine).0, "issued");
    let month = day(-2)[..7].to_owned();
    let html = w.op_a.get(w.server.url(&format!("/agenda/segnalazioni?mese={month}"))).send().unwrap().text().unwrap();
    assert!(html.contains(&w.a_people[1]) && html.contains("Rifiuta il laboratorio di gruppo"), "{html}");
    let res = w.op_a.get(w.server.url(&format!("/agenda/segnalazioni.csv?mese={month}"))).send().unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let csv = res.text().unwrap();
    assert!(csv.lines().any(|l| l.contains(&w.a_people[1]) && l.contains("refused")), "{csv}");
    // Another provider's report does not show it.
    let html = w.op_b.get(w.server.url(&format!("/agenda/segnalazioni?mese={month}"))).send().unwrap().text().unwrap();
    assert!(!html.contains(&w.a_people[1]));
    assert_eq!(w.f.audit_count("agenda.report"), 3);
}

/// The agenda and the CPI report over the API: per tutor and per sede, paged, scoped to the
/// provider, audited like the screens; the Region has no agenda (403).
#[test]
fn the_agenda_and_the_cpi_report_as_json() {
    let w = world();
    let (first, second) = (w.id_of(&w.a_people[0]), w.id_of(&w.a_people[1]));
    let tutor: i64 =
        w.f.db()
            .query_row("SELECT id FROM operator WHERE codice_fiscale = ?1", [cf("VRDLCU80A01H501")], |r| r.get(0))
            .unwrap();
    let (status, _) = w.post(
        &w.op_a,
        &format!("/api/v1/recipients/{first}/appointments"),
        json!({ "data": day(1), "ora": "09:30", "tipo": "colloquio", "tutor": tutor }),
    );
    assert_eq!(status, 201);
    let (_, refused) = w.appointment(&w.op_a, second, &day(-2), "11:00");
    let (_, other) = w.appointment(&w.op_a, second, &day(2), "11:00");
    assert!(other["id"].is_i64());
    let url = format!("/api/v1/appointments/{}/outcome", refused["id"]);
    let (status, _) = w.post(&w.op_a, &url, json!({ "esito": "absent_unjustified", "nota": "", "version": 1 }));
    assert_eq!(status, 200);

    let get = |c: &Client, path: &str| -> (u16, Value) {
        let res = c.get(w.server.url(path)).send().unwrap();
        (res.status().as_u16(), res.json().unwrap_or(Value::Null))
    };
    let range = format!("from={}&to={}", day(-3), day(3));
    let (status, all) = get(&w.op_a, &format!("/api/v1/agenda?{range}"));
    assert_eq!(status, 200);
    assert_eq!(all["total"], 3);
    assert_eq!(all["items"][0]["persona"]["codice_fiscale"], w.a_people[1].as_str(), "time order");
    let (_, by_tutor) = get(&w.op_a, &format!("/api/v1/agenda?{range}&tutor={tutor}"));
    assert_eq!(by_tutor["total"], 1);
    assert_eq!(by_tutor["items"][0]["recipient"], first);
    let (_, paged) = get(&w.op_a, &format!("/api/v1/agenda?{range}&per_page=2&page=2"));
    assert_eq!((paged["total"].as_i64(), paged["items"].as_array().unwrap().len()), (Some(3), 1));
    assert_eq!(w.f.last_audit().0, "agenda.view");
    let (status, body) = get(&w.op_a, "/api/v1/agenda?from=ieri");
    assert_eq!((status, fields(&body)), (422, vec!["from".to_owned()]));
    // Another provider's operator sees none of it; the Region has no agenda.
    let (_, theirs) = get(&w.op_b, &format!("/api/v1/agenda?{range}"));
    assert_eq!(theirs["total"], 0);
    assert_eq!(get(&w.region, "/api/v1/agenda").0, 403);

    let month = day(-2)[..7].to_owned();
    let (status, report) = get(&w.op_a, &format!("/api/v1/agenda/reports?month={month}"));
    assert_eq!(status, 200);
    let rows = report["segnalazioni"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["codice_fiscale"], w.a_people[1].as_str());
    assert_eq!(rows[0]["esito"], "absent_unjustified");
    assert_eq!(w.f.last_audit().0, "agenda.report");
    assert_eq!(w.f.last_audit().2["format"], "json");
    let (_, theirs) = get(&w.op_b, &format!("/api/v1/agenda/reports?month={month}"));
    assert_eq!(theirs["segnalazioni"].as_array().unwrap().len(), 0);
}

#[test]
fn another_providers_person_or_appointment_is_not_found_and_audited() {
    let w = world();
    let theirs = w.id_of(&w.b_people[0]);
    let (status, a) = w.appointment(&w.op_b, theirs, &day(1), "10:00");
    assert_eq!(status, 201, "{a}");
    let their_appointment = a["id"].as_i64().unwrap();
    let attempts: Vec<(&str, String, Value)> = vec![
        ("GET", format!("/api/v1/recipients/{theirs}/appointments"), Value::Null),
        (
            "POST",
            format!("/api/v1/recipients/{theirs}/appointments"),
            json!({ "data": day(1), "ora": "11:00", "tipo": "colloquio" }),
        ),
        (
            "POST",
            format!("/api/v1/appointments/{their_appointment}/outcome"),
            json!({ "esito": "cancelled", "version": 1 }),
        ),
        ("GET", format!("/api/v1/recipients/{theirs}/outcome"), Value::Null),
        ("POST", format!("/api/v1/recipients/{theirs}/outcome"), json!({ "esito": "lapsed", "data": day(0) })),
        ("GET", format!("/destinatari/{theirs}/esito"), Value::Null),
    ];
    for (method, path, body) in attempts {
        let before = w.f.audit_count("access.denied");
        let res = match method {
            "GET" => w.op_a.get(w.server.url(&path)).send().unwrap(),
            _ => w.op_a.post(w.server.url(&path)).json(&body).send().unwrap(),
        };
        assert_eq!(res.status(), 404, "{method} {path}");
        assert_eq!(w.f.audit_count("access.denied"), before + 1, "{method} {path}");
        assert_eq!(w.f.last_audit().2["reason"], "foreign_or_unknown_object");
    }
    // Their appointment is untouched; their agenda is theirs.
    let state: Option<String> =
        w.f.db().query_row("SELECT outcome FROM appointment WHERE id = ?1", [their_appointment], |r| r.get(0)).unwrap();
    assert_eq!(state, None);
    assert!(!w.op_a.get(w.server.url("/agenda")).send().unwrap().text().unwrap().contains("Beta0"));
    // Wrong roles: the Region reads but does not write; the auditor reads neither.
    let (status, _) = w.appointment(&w.region, theirs, &day(1), "12:00");
    assert_eq!(status, 403);
    assert_eq!(
        w.region.get(w.server.url(&format!("/api/v1/recipients/{theirs}/appointments"))).send().unwrap().status(),
        200
    );
    assert_eq!(w.region.get(w.server.url(&format!("/destinatari/{theirs}/esito"))).send().unwrap().status(), 200);
    assert_eq!(w.region.get(w.server.url("/agenda")).send().unwrap().status(), 403);
    assert_eq!(w.auditor.get(w.server.url("/agenda")).send().unwrap().status(), 403);
    assert_eq!(w.auditor.get(w.server.url(&format!("/destinatari/{theirs}/esito"))).send().unwrap().status(), 403);
    assert_eq!(w.op_a.get(w.server.url("/regione/esiti")).send().unwrap().status(), 403);
}

#[test]
fn a_refused_programme_outcome_form_audits_the_page_it_draws_again() {
    let w = world();
    let mine = w.id_of(&w.a_people[0]);
    let page = format!("/destinatari/{mine}/esito");
    let token = w.token(&w.op_a, &page);
    let before = w.f.audit_count("outcome.view");
    // Hired without the employer: refused, the voucher and its person shown again.
    let res = w
        .op_a
        .post(w.server.url(&page))
        .form(&[("_token", token.as_str()), ("version", "1"), ("esito", "hired"), ("data", &italian(&day(0)))])
        .send()
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().unwrap().contains(&w.a_people[0]));
    assert_eq!(w.f.audit_count("outcome.view"), before + 1);
    let (action, _, detail) = w.f.last_audit();
    assert_eq!((action.as_str(), detail["cf"].as_str()), ("outcome.view", Some(w.a_people[0].as_str())));
}

#[test]
fn outcomes_move_the_voucher_and_the_region_counts_them() {
    let w = world();
    let (hired, paused) = (w.id_of(&w.a_people[0]), w.id_of(&w.a_people[1]));
    let outcome = |c: &Client, who: i64, body: Value| w.post(c, &format!("/api/v1/recipients/{who}/outcome"), body);
    // Invalid employer and missing months: named fields.
    let (status, body) = outcome(
        &w.op_a,
        hired,
        json!({ "esito": "hired", "data": day(0), "datore_cf": "06363391002", "datore_nome": "Officine",
                "contratto": "fixed_term" }),
    );
    assert_eq!((status, fields(&body)), (422, vec!["datore_cf".to_owned(), "mesi".to_owned()]), "{body}");
    let (status, body) = outcome(&w.op_a, hired, json!({ "esito": "resumed", "data": day(0) }));
    assert_eq!((status, fields(&body)), (422, vec!["esito".to_owned()]), "resume only from suspended");
    let (status, body) = outcome(
        &w.op_a,
        hired,
        json!({ "esito": "hired", "data": day(0), "datore_cf": "97103880585", "datore_nome": "Officine Rossi",
                "contratto": "fixed_term", "mesi": 12, "version": 1 }),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["state"], "outcome");
    assert_eq!(w.voucher(hired).0, "outcome");
    // Closed: nothing more is recorded on it.
    let (status, body) = outcome(&w.op_a, hired, json!({ "esito": "ended", "data": day(0) }));
    assert_eq!(status, 422);
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("già chiuso"), "{body}");
    let got: Value =
        w.op_a.get(w.server.url(&format!("/api/v1/recipients/{hired}/outcome"))).send().unwrap().json().unwrap();
    assert_eq!((got["state"].as_str(), got["history"].as_array().unwrap().len()), (Some("outcome"), 1));
    assert_eq!(got["history"][0]["datore_cf"], "97103880585");

    // Suspension for a fixed-term job, then the resume: the state follows, the history grows.
    let (_, a) = w.appointment(&w.op_a, paused, &day(-3), "09:00");
    let url = format!("/api/v1/appointments/{}/outcome", a["id"]);
    assert_eq!(w.post(&w.op_a, &url, json!({ "esito": "held", "version": 1 })).0, 200);
    let (status, body) = outcome(&w.op_a, paused, json!({ "esito": "suspended", "data": day(-1), "ripresa": day(60) }));
    assert_eq!(status, 201, "{body}");
    assert_eq!(w.voucher(paused).0, "suspended");
    let end_before = w.voucher(paused).2.unwrap();
    let (status, body) = outcome(&w.op_a, paused, json!({ "esito": "resumed", "data": day(0) }));
    assert_eq!((status, body["state"].as_str()), (201, Some("in_progress")), "{body}");
    let end_after = w.voucher(paused).2.unwrap();
    assert!(end_after > end_before, "the day suspended is added: {end_before} -> {end_after}");
    let rows: i64 = w.f.db().query_row("SELECT count(*) FROM programme_outcome", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 3);
    assert_eq!(w.f.audit_count("programme.outcome"), 3);

    // The Region's counts: one fixed-term hiring of 12 months, one suspension, for provider A.
    let html = w.region.get(w.server.url("/regione/esiti")).send().unwrap().text().unwrap();
    assert!(html.contains("Lavoro Futuro") && html.contains("Orienta"));
    let csv = w.region.get(w.server.url("/regione/esiti.csv")).send().unwrap().text().unwrap();
    let line = csv.lines().find(|l| l.contains("Lavoro Futuro")).unwrap();
    let cells: Vec<&str> = line.split(';').collect();
    assert_eq!(&cells[4..15], ["0", "0", "1", "0", "0", "0", "1", "0", "0", "0", "1"], "{csv}");
    let other = csv.lines().find(|l| l.contains("Orienta")).unwrap();
    assert!(other.ends_with(";0;0;0;0;0;0;0;0;0;0;0"), "{other}");
    assert_eq!(w.f.audit_count("outcome.report"), 2);
    // The auditor reads the counts too (no personal data), the operator does not.
    assert_eq!(w.auditor.get(w.server.url("/regione/esiti")).send().unwrap().status(), 200);
}

#[test]
fn concurrent_outcome_edits_never_overwrite() {
    let w = world();
    let mine = w.id_of(&w.a_people[2]);
    let (_, a) = w.appointment(&w.op_a, mine, &day(-1), "15:30");
    let url = w.server.url(&format!("/api/v1/appointments/{}/outcome", a["id"]));
    // Two colleagues record an outcome from the same version at the same moment.
    let barrier = std::sync::Barrier::new(2);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = [(&w.op_a, "held"), (&w.op_a2, "absent_justified")]
            .into_iter()
            .map(|(c, esito)| {
                let (url, barrier) = (&url, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    let body = json!({ "esito": esito, "nota": "certificato medico", "version": 1 });
                    c.post(url).json(&body).send().unwrap().status().as_u16()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sorted = statuses.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [200, 409], "{statuses:?}");
    let version: i64 =
        w.f.db()
            .query_row("SELECT version FROM appointment WHERE id = ?1", [a["id"].as_i64().unwrap()], |r| r.get(0))
            .unwrap();
    assert_eq!(version, 2);
    assert_eq!(w.f.audit_count("appointment.outcome"), 1);
    // The programme outcome carries the voucher's version the same way.
    let body = json!({ "esito": "lapsed", "data": day(0), "version": 99 });
    let (status, body) = w.post(&w.op_a2, &format!("/api/v1/recipients/{mine}/outcome"), body);
    assert_eq!((status, fields(&body)), (409, vec!["version".to_owned()]), "{body}");
}
