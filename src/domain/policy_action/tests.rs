use time::macros::date;

use super::*;

const OPERATORS: &[&str] = &["RSSMRA85T10A562S"];

fn ctx_with<'a>(operators: &'a [String], projects: &'a [String]) -> Context<'a> {
    Context {
        window: Window { start: date!(2026 - 09 - 01), end: date!(2027 - 02 - 28) },
        today: date!(2026 - 11 - 26),
        operators,
        projects,
    }
}

fn a06() -> ActionInput {
    ActionInput {
        tipo_attivita: "A06".into(),
        data_proposta: "02/11/2026".into(),
        evento: "01".into(),
        data_evento: "2026-11-02".into(),
        dettagli: [("modalita", "individuale"), ("ore", "1,5"), ("operatore_cf", "rssmra85t10a562s")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        ..Default::default()
    }
}

fn check(input: &ActionInput) -> Result<ValidAction, Vec<String>> {
    let operators: Vec<String> = OPERATORS.iter().map(|s| s.to_string()).collect();
    let projects = vec!["01".to_owned()];
    input.validate(&ctx_with(&operators, &projects)).map_err(|e| e.into_iter().map(|f| f.field).collect())
}

fn with(mut input: ActionInput, f: impl FnOnce(&mut ActionInput)) -> ActionInput {
    f(&mut input);
    input
}

fn detail(mut input: ActionInput, k: &str, v: &str) -> ActionInput {
    input.dettagli.insert(k.into(), v.into());
    input
}

#[test]
fn a_proposed_colloquio_is_typed() {
    let v = check(&a06()).unwrap();
    assert_eq!(v.tipo, ActionType::A06);
    assert_eq!(v.data_proposta, date!(2026 - 11 - 02));
    assert_eq!(v.evento, "01");
    assert_eq!(v.dettagli, json!({"modalita": "individuale", "ore": 1.5, "operatore_cf": "RSSMRA85T10A562S"}));
}

#[test]
fn only_the_four_provider_codes_are_accepted() {
    for code in ["A02", "C05", "H03", "", "a06x"] {
        assert_eq!(check(&with(a06(), |i| i.tipo_attivita = code.into())).unwrap_err()[0], "tipo_attivita");
    }
    assert!(check(&with(a06(), |i| i.tipo_attivita = "a06".into())).is_ok());
}

#[test]
fn dates_are_in_order_and_inside_the_programme() {
    // inizio before proposta
    let e = check(&with(a06(), |i| i.data_inizio = "2026-11-01".into())).unwrap_err();
    assert!(e.contains(&"data_inizio".to_owned()), "{e:?}");
    // proposta before the programme period
    let e = check(&with(a06(), |i| {
        i.data_proposta = "2026-08-31".into();
        i.data_evento = "2026-08-31".into();
    }))
    .unwrap_err();
    assert!(e.contains(&"data_proposta".to_owned()));
    // in the future
    let e = check(&with(a06(), |i| {
        i.data_proposta = "2026-11-27".into();
        i.data_evento = "2026-11-27".into();
    }))
    .unwrap_err();
    assert!(e.contains(&"data_proposta".to_owned()));
    // a planned start is fine for a proposal, even in the future, but not after the period
    assert!(check(&with(a06(), |i| i.data_inizio = "2026-12-10".into())).is_ok());
    let e = check(&with(a06(), |i| i.data_inizio = "2027-03-01".into())).unwrap_err();
    assert_eq!(e, ["data_inizio"]);
    // an unreadable date names its field
    assert_eq!(check(&with(a06(), |i| i.data_inizio = "31/02/2026".into())).unwrap_err(), ["data_inizio"]);
}

#[test]
fn each_creation_event_fixes_its_date() {
    // 01: data evento = data proposta
    assert_eq!(check(&with(a06(), |i| i.data_evento = "2026-11-03".into())).unwrap_err(), ["data_evento"]);
    // 02: data inizio = data evento (filled when empty)
    let started = check(&with(a06(), |i| {
        i.evento = "02".into();
        i.data_evento = "2026-11-04".into();
    }))
    .unwrap();
    assert_eq!(started.data_inizio, Some(date!(2026 - 11 - 04)));
    let e = check(&with(a06(), |i| {
        i.evento = "02".into();
        i.data_inizio = "2026-11-05".into();
        i.data_evento = "2026-11-04".into();
    }))
    .unwrap_err();
    assert_eq!(e, ["data_inizio"]);
    // 10: needs a start, data fine = data evento
    let e = check(&with(a06(), |i| {
        i.evento = "10".into();
        i.data_evento = "2026-11-04".into();
    }))
    .unwrap_err();
    assert_eq!(e, ["data_fine"]);
    let ended = check(&with(a06(), |i| {
        i.evento = "10".into();
        i.data_inizio = "2026-11-04".into();
        i.data_evento = "2026-11-04".into();
    }))
    .unwrap();
    assert_eq!(ended.data_fine, Some(date!(2026 - 11 - 04)));
    // other events cannot create an action; a proposal has no end
    assert_eq!(check(&with(a06(), |i| i.evento = "05".into())).unwrap_err(), ["evento"]);
    assert_eq!(
        check(&with(a06(), |i| {
            i.data_inizio = "2026-11-02".into();
            i.data_fine = "2026-11-03".into();
        }))
        .unwrap_err(),
        ["data_fine"]
    );
}

#[test]
fn duration_needs_its_unit_and_a_positive_number() {
    assert!(
        check(&with(a06(), |i| {
            i.durata = "2".into();
            i.tipologia_durata = "o".into();
        }))
        .is_ok()
    );
    assert_eq!(check(&with(a06(), |i| i.durata = "2".into())).unwrap_err(), ["tipologia_durata"]);
    assert_eq!(check(&with(a06(), |i| i.tipologia_durata = "O".into())).unwrap_err(), ["durata"]);
    let e = check(&with(a06(), |i| {
        i.durata = "0".into();
        i.tipologia_durata = "X".into();
    }))
    .unwrap_err();
    assert_eq!(e, ["durata", "tipologia_durata"]);
}

#[test]
fn a06_details() {
    assert_eq!(check(&detail(a06(), "modalita", "gruppo")).unwrap_err(), ["dettagli.partecipanti"]);
    assert!(check(&detail(detail(a06(), "modalita", "gruppo"), "partecipanti", "8")).is_ok());
    assert_eq!(check(&detail(a06(), "partecipanti", "8")).unwrap_err(), ["dettagli.partecipanti"]);
    assert_eq!(check(&detail(a06(), "ore", "1,25")).unwrap_err(), ["dettagli.ore"]);
    assert_eq!(check(&detail(a06(), "ore", "0")).unwrap_err(), ["dettagli.ore"]);
    assert_eq!(check(&detail(a06(), "operatore_cf", "MRTMTT25D09F205Z")).unwrap_err(), ["dettagli.operatore_cf"]);
    assert_eq!(check(&detail(a06(), "azienda_cf", "x")).unwrap_err(), ["dettagli.azienda_cf"]);
}

fn c06() -> ActionInput {
    let mut i = ActionInput {
        tipo_attivita: "C06".into(),
        titolo_denominazione: "Tirocinio di magazziniere".into(),
        descrizione: "Gestione del magazzino e delle spedizioni".into(),
        data_proposta: "2026-11-02".into(),
        data_inizio: "2026-12-01".into(),
        evento: "01".into(),
        data_evento: "2026-11-02".into(),
        ..Default::default()
    };
    for (k, v) in [
        ("azienda_cf", "01234567897"),
        ("azienda_nome", "Logistica Srl"),
        ("azienda_sede", "Prato, via Roma 1"),
        ("tutor_aziendale", "Anna Bianchi"),
        ("fine_prevista", "2027-02-28"),
        ("ore_settimanali", "30"),
    ] {
        i.dettagli.insert(k.into(), v.into());
    }
    i
}

#[test]
fn c06_details() {
    let v = check(&c06()).unwrap();
    assert_eq!(v.dettagli["azienda_cf"], "01234567897");
    // title and description are required for a tirocinio
    let e = check(&with(c06(), |i| {
        i.titolo_denominazione.clear();
        i.descrizione.clear();
    }))
    .unwrap_err();
    assert_eq!(e, ["titolo_denominazione", "descrizione"]);
    // company: P.IVA with a wrong check digit, a valid CF, garbage
    assert_eq!(check(&detail(c06(), "azienda_cf", "01234567890")).unwrap_err(), ["dettagli.azienda_cf"]);
    assert!(check(&detail(c06(), "azienda_cf", "RSSMRA85T10A562S")).is_ok());
    assert_eq!(check(&detail(c06(), "ore_settimanali", "41")).unwrap_err(), ["dettagli.ore_settimanali"]);
    assert_eq!(check(&detail(c06(), "fine_prevista", "2026-11-30")).unwrap_err(), ["dettagli.fine_prevista"]);
    assert_eq!(check(&with(c06(), |i| i.data_inizio.clear())).unwrap_err(), ["data_inizio"]);
}

#[test]
fn b03_and_c07_details() {
    let mut b03 = ActionInput { tipo_attivita: "B03".into(), ..a06() };
    b03.dettagli.clear();
    let e = check(&b03).unwrap_err();
    assert_eq!(e, ["dettagli.ore", "dettagli.argomenti", "dettagli.offerte_proposte"]);
    let b03 = detail(detail(detail(b03, "ore", "3"), "argomenti", "CV e lettera"), "offerte_proposte", "2");
    assert_eq!(check(&b03).unwrap().dettagli["offerte_proposte"], 2);

    let mut c07 =
        ActionInput { tipo_attivita: "C07".into(), titolo_denominazione: "Corso carrellista".into(), ..a06() };
    c07.dettagli.clear();
    for (k, v) in [
        ("titolo_corso", "Carrellista"),
        ("ente_formativo", "Formare Srl"),
        ("ore", "16"),
        ("certificazione", "frequenza"),
    ] {
        c07.dettagli.insert(k.into(), v.into());
    }
    assert!(check(&c07).is_ok());
    assert_eq!(check(&detail(c07.clone(), "certificazione", "laurea")).unwrap_err(), ["dettagli.certificazione"]);
    assert_eq!(check(&with(c07, |i| i.titolo_denominazione = " ".into())).unwrap_err(), ["titolo_denominazione"]);
}

#[test]
fn project_codes_come_from_the_code_list() {
    assert!(check(&with(a06(), |i| i.titolo_progetto = "01".into())).is_ok());
    assert_eq!(check(&with(a06(), |i| i.titolo_progetto = "99".into())).unwrap_err(), ["titolo_progetto"]);
}

#[test]
fn hostile_text_is_refused_by_field() {
    let e = check(&with(c06(), |i| i.descrizione = "a\u{0}b".into())).unwrap_err();
    assert_eq!(e, ["descrizione"]);
    let e = check(&with(c06(), |i| i.titolo_denominazione = "x".repeat(251))).unwrap_err();
    assert_eq!(e, ["titolo_denominazione"]);
}
