use super::*;
use crate::domain::sap::{
    AltreInformazioni, Azienda, ConoscenzaInformatica, DatiStranieri, FormazioneProfessionale, Indirizzo,
    LinguaStraniera, ListaSpeciale, LuogoLavoro, PeriodoDisoccupazione, PoliticaAttiva, TipoRapporto, TitoloStudio,
    UltimoEvento,
};
use crate::infra::sap_schema::validate;

/// Fixtures written to the national schema, revision 009 (and one in the 008 layout).
pub const STRANIERO: &str = include_str!("../../../tests/fixtures/sap/straniero-completa.xml");
pub const MINIMA: &str = include_str!("../../../tests/fixtures/sap/minima.xml");
pub const EVENTI: &str = include_str!("../../../tests/fixtures/sap/eventi.xml");
pub const REV008: &str = include_str!("../../../tests/fixtures/sap/rev008.xml");
/// ISO-8859-1 on purpose: accents in the declared encoding.
pub const ESPERIENZE: &[u8] = include_bytes!("../../../tests/fixtures/sap/esperienze.xml");

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

fn ok(bytes: &[u8]) -> ParsedSap {
    match parse(bytes) {
        Ok(p) => p,
        Err(e) => panic!("refused: {e}"),
    }
}

fn refused(bytes: &[u8]) -> SapError {
    match parse(bytes) {
        Ok(p) => panic!("accepted: {p:?}"),
        Err(e) => e,
    }
}

/// (path, reason contains) of every finding, for compact assertions.
fn found(p: &ParsedSap) -> Vec<(String, u32, String)> {
    p.findings.iter().map(|f| (f.path.clone(), f.count, f.reason.clone())).collect()
}

/// A small SAP with the given declaration and name bytes (for the encoding tests).
fn minimal(decl: &str, cognome: &[u8], nome: &[u8]) -> Vec<u8> {
    let mut doc = Vec::new();
    doc.extend_from_slice(decl.as_bytes());
    doc.extend_from_slice(
        b"\n<lavoratore><datianagrafici><datipersonali><codicefiscale>RCCMNL83S18D969H</codicefiscale><cognome>",
    );
    doc.extend_from_slice(cognome);
    doc.extend_from_slice(b"</cognome><nome>");
    doc.extend_from_slice(nome);
    doc.extend_from_slice(b"</nome></datipersonali></datianagrafici></lavoratore>\n");
    doc
}

/// A SAP whose first policy holds `inner`, to try one field at a time.
fn with_policy(inner: &str) -> String {
    format!(
        "<lavoratore><datianagrafici><datipersonali><codicefiscale>RSSMRA85T10A562S</codicefiscale>\
         </datipersonali></datianagrafici><politiche_attive_lst><politiche_attive>{inner}\
         </politiche_attive></politiche_attive_lst></lavoratore>"
    )
}

#[test]
fn the_fixtures_conform_to_the_schema() {
    for (name, doc) in [
        ("straniero-completa", STRANIERO.as_bytes()),
        ("minima", MINIMA.as_bytes()),
        ("eventi", EVENTI.as_bytes()),
        ("esperienze", ESPERIENZE),
    ] {
        assert_eq!(validate(doc), Vec::new(), "{name}");
        let p = ok(doc);
        assert_eq!(p.findings, Vec::new(), "{name}");
        assert_eq!(p.warnings, Vec::<String>::new(), "{name}");
    }
    // The 008 layout is read without a word, but it is not revision 009.
    assert_eq!(ok(REV008.as_bytes()).findings, Vec::new());
    let strict = validate(REV008.as_bytes());
    assert_eq!(strict.len(), 1, "{strict:?}");
    assert_eq!(strict[0].path, "/lavoratore/politiche_attive");
    assert_eq!(strict[0].count, 3);
}

#[test]
fn a_foreign_worker_with_a_permit_reads_every_element() {
    let p = ok(STRANIERO.as_bytes());
    assert_eq!(p.codice_fiscale.as_str(), "HSSMHM88M12Z330T");
    assert_eq!(p.encoding, "UTF-8");
    let sap = &p.sap;

    let di = &sap.dati_invio;
    assert_eq!(
        (&di.data_ultimo_aggiornamento, &di.identificativo_sap, &di.codice_ente_titolare, &di.tipo_variazione),
        (&s("2026-09-14"), &s("TO01711608H"), &s("G702C000681"), &s("02"))
    );
    assert_eq!(di.data_nascita, s("1988-08-12"));

    let dp = &sap.dati_anagrafici.dati_personali;
    assert_eq!(dp.codice_fiscale, "HSSMHM88M12Z330T");
    assert_eq!((&dp.cognome, &dp.nome, &dp.sesso), (&s("HASSAN"), &s("MOHAMED"), &s("M")));
    assert_eq!((&dp.data_nascita, &dp.comune_nascita, &dp.cittadinanza), (&s("1988-08-12"), &s("Z330"), &s("436")));
    assert_eq!(
        sap.dati_anagrafici.dati_stranieri,
        Some(DatiStranieri {
            tipo_documento: s("2"),
            numero: s("I0123456"),
            motivo: s("LAVORO SUBORDINATO"),
            valido_al: s("2027-03-31"),
            data_ultimo_mantenimento_iscrizione: s("2025-06-30"),
        })
    );
    assert_eq!(
        sap.dati_anagrafici.residenza,
        Some(Indirizzo {
            comune: s("G702"),
            cap: s("56122"),
            indirizzo: s("Via Santa Maria 12"),
            localita: s("Centro storico")
        })
    );
    assert_eq!(
        sap.dati_anagrafici.domicilio,
        Some(Indirizzo {
            comune: s("G702"),
            cap: s("56127"),
            indirizzo: s("Lungarno Pacinotti 43 & int. 2"),
            localita: s("Lungarno")
        })
    );
    let r = &sap.dati_anagrafici.recapiti;
    assert_eq!(
        (&r.telefono, &r.cellulare, &r.fax, &r.email),
        (&s("050 123456"), &s("333 7654321"), &s("050 654321"), &s("m.hassan@example.it"))
    );

    let da = &sap.dati_amministrativi;
    let st = &da.stato_in_anagrafe;
    assert_eq!((&st.stato_occupazionale, &st.condizione, &st.categoria_297), (&s("DI"), &s("DO"), &s("A")));
    assert_eq!((&st.anzianita_mesi, &st.indice_profiling), (&s("14"), &s("0.7912")));
    assert_eq!((&st.data_evento, &st.data_disponibilita), (&s("2026-02-01"), &s("2025-07-01")));
    assert_eq!(
        da.periodi_disoccupazione,
        vec![PeriodoDisoccupazione { data_ingresso: s("2025-07-01"), tipo_ingresso: s("D") }]
    );
    assert_eq!(
        da.liste_speciali,
        vec![ListaSpeciale {
            tipo_lista: s("1"),
            data_iscrizione: s("2025-07-15"),
            data_fine_iscrizione: s("2026-07-14"),
            data_massimo_differimento: s("2026-12-31"),
            provincia: s("050"),
        }]
    );
    assert_eq!((&da.obbligo_formativo, &da.categorie_protette, &da.indice_isee), (&s("SI"), &s("01"), &s("1.25")));

    assert_eq!(sap.esperienze_lavoro.len(), 1);
    let e = &sap.esperienze_lavoro[0];
    assert_eq!(
        e.azienda,
        Azienda {
            codice_fiscale: s("01234567897"),
            denominazione: s("Agenzia Lavoro Toscana S.p.A."),
            indirizzo: s("Via Roma 1, Pisa"),
            ateco: s("78.20.00"),
        }
    );
    assert_eq!(
        e.utilizzatrice,
        Some(Azienda {
            codice_fiscale: s("80001234568"),
            denominazione: s("Logistica Tirrena S.r.l."),
            indirizzo: s("Via del Porto 8, Livorno"),
            ateco: s("52.10.10"),
        })
    );
    assert_eq!((&e.data_inizio, &e.data_fine), (&s("2023-03-01"), &s("2025-06-30")));
    assert_eq!(e.data_fine_periodo_formativo, s("2024-02-29"));
    assert_eq!(e.professione, s("8.1.3.1.0"));
    assert_eq!(e.compiti, s("Carico e scarico merci, inventario di magazzino"));
    assert_eq!(
        e.tipo_rapporto,
        TipoRapporto {
            tipo_contratto: s("A.03.00"),
            categoria_inquadramento: s("4"),
            assunzione_legge_68: s("NO"),
            lavoratore_in_mobilita: s("NO"),
            lavoro_stagionale: s("SI"),
            lavoro_in_agricoltura: s("NO"),
        }
    );
    assert_eq!(e.modalita_lavoro, s("FT"));
    assert_eq!(e.luogo_lavoro, LuogoLavoro { indirizzo: s("Via del Porto 8"), comune: s("E625") });

    let ic = &sap.informazioni_curriculari;
    assert_eq!(ic.livelli_istruzione, vec!["30".to_owned()]);
    assert_eq!(
        ic.titoli_studio,
        vec![TitoloStudio {
            livello: s("30"),
            corso_studio: s("30000001"),
            descrizione_corso_studio: s("Diploma di scuola secondaria, Casablanca"),
            comune_frequenza: s("Z330"),
            riconosciuto_in: s("IT"),
            votazione: s("15"),
            anno_termine: s("2006"),
            anno_frequentato: s("4"),
            anno_frequenza: s("2006"),
        }]
    );
    assert_eq!(
        ic.formazione_professionale,
        vec![FormazioneProfessionale {
            titolo_corso: s("Conduzione di carrelli elevatori"),
            ente: s("Agenzia Formativa Pisa"),
            regione: s("09"),
            durata: Some(16),
            tipologia_durata: s("O"),
            certificazioni_attestati: s("2"),
            stage: s("SI"),
            denominazione_azienda_stage: s("Magazzini Pisani S.r.l."),
        }]
    );
    assert_eq!(
        ic.lingue_straniere,
        vec![LinguaStraniera {
            lingua: s("FRA"),
            livello_letto: s("C1"),
            livello_scritto: s("B2"),
            livello_parlato: s("C1")
        }]
    );
    assert_eq!(
        ic.conoscenze_informatiche,
        vec![ConoscenzaInformatica {
            conoscenza: s("011"),
            grado: s("2"),
            specifiche: s("Fogli di calcolo, gestionale di magazzino"),
        }]
    );
    assert_eq!(
        ic.altre_informazioni,
        vec![AltreInformazioni { albo: s("A12"), patente_guida: s("B"), patentino: s("MU") }]
    );

    assert_eq!(
        sap.politiche_attive,
        vec![PoliticaAttiva {
            tipo_attivita: s("C06"),
            titolo_denominazione: s("TIROCINIO EXTRACURRICOLARE"),
            data_proposta: s("2026-03-10"),
            data: s("2026-04-01"),
            data_fine: s("2026-09-30"),
            durata: Some(6),
            tipologia_durata: s("M"),
            descrizione: s("Tirocinio presso Logistica Tirrena S.r.l., magazzino"),
            titolo_progetto: s("01"),
            codice_ente_promotore: s("G702S001234"),
            // Lower-case hex in the file: identifiers are matched without regard to case.
            identificativo_politica: s("1700A1B2C3D"),
            indice_profiling: s("0.7912"),
            identificativo_presa_in_carico: s("1700001234K"),
            ultimo_evento: Some(UltimoEvento {
                evento: s("10"),
                data_evento: s("2026-09-30"),
                descrizione: s("Terminata regolarmente"),
            }),
            ..PoliticaAttiva::default()
        }]
    );
}

#[test]
fn optional_parts_absent_stay_empty() {
    let p = ok(MINIMA.as_bytes());
    let sap = &p.sap;
    assert_eq!(sap.dati_invio.identificativo_sap, None);
    assert_eq!(sap.dati_anagrafici.dati_stranieri, None);
    assert_eq!(sap.dati_anagrafici.residenza, None);
    assert_eq!(
        sap.dati_anagrafici.domicilio,
        Some(Indirizzo { comune: s("D612"), cap: s("50122"), indirizzo: s("Via Ghibellina 10"), localita: None })
    );
    assert_eq!(sap.dati_anagrafici.recapiti, Default::default());
    assert_eq!(sap.dati_amministrativi, Default::default());
    assert!(sap.esperienze_lavoro.is_empty());
    assert_eq!(sap.informazioni_curriculari, Default::default());
    assert!(sap.politiche_attive.is_empty());
}

#[test]
fn several_experiences_courses_and_titles_in_latin_1() {
    let p = ok(ESPERIENZE);
    assert_eq!(p.encoding, "windows-1252");
    let sap = &p.sap;
    assert_eq!(sap.dati_anagrafici.dati_personali.cognome, s("BIANCHI D'ANTÒ"));
    assert_eq!(sap.esperienze_lavoro.len(), 3);
    let names: Vec<_> =
        sap.esperienze_lavoro.iter().map(|e| e.azienda.denominazione.clone().unwrap_or_default()).collect();
    assert_eq!(names, ["Officine Meccaniche Pisane S.r.l.", "Studio Ferri Silvia", "Azienda Agricola Le Colline"]);
    assert_eq!(sap.esperienze_lavoro[0].compiti, s("Contabilità clienti e fornitori"));
    assert_eq!(sap.esperienze_lavoro[1].azienda.codice_fiscale, s("FRRSLV92R55E715J"));
    assert_eq!(sap.esperienze_lavoro[1].tipo_rapporto.lavoratore_in_mobilita, s("SI"));
    assert_eq!(sap.esperienze_lavoro[1].utilizzatrice, None, "nothing leaks from one record into the next");
    assert_eq!(sap.esperienze_lavoro[2].tipo_rapporto.lavoro_in_agricoltura, s("SI"));
    assert_eq!(sap.esperienze_lavoro[2].luogo_lavoro.indirizzo, s("Località Poggio 3"));
    let ic = &sap.informazioni_curriculari;
    assert_eq!(ic.titoli_studio.len(), 2);
    assert_eq!(ic.titoli_studio[1].anno_termine, s("1998"));
    assert_eq!(ic.titoli_studio[1].votazione, s("92"));
    assert_eq!(ic.formazione_professionale.len(), 2);
    assert_eq!(ic.formazione_professionale[1].ente, s("Scuola di Lingue Pisa"));
    assert_eq!(ic.formazione_professionale[1].tipologia_durata, s("M"));
    assert_eq!(ic.lingue_straniere.len(), 2);
    assert_eq!(ic.lingue_straniere[1].livello_scritto, None);
}

#[test]
fn section_6_with_every_event_and_in_the_008_layout() {
    let p = ok(EVENTI.as_bytes());
    let events: Vec<String> = p
        .sap
        .politiche_attive
        .iter()
        .map(|p| p.ultimo_evento.as_ref().and_then(|e| e.evento.clone()).unwrap_or_default())
        .collect();
    let expected: Vec<String> = (1..=15).map(|n| format!("{n:02}")).collect();
    assert_eq!(events, expected);
    for pol in &p.sap.politiche_attive {
        let e = pol.ultimo_evento.as_ref().unwrap();
        assert!(e.data_evento.is_some() && e.descrizione.is_some(), "{pol:?}");
        assert!(pol.identificativo_politica.as_deref().is_some_and(|i| i.len() == 11));
    }

    let p = ok(REV008.as_bytes());
    let codes: Vec<_> = p.sap.politiche_attive.iter().map(|p| p.tipo_attivita.clone().unwrap_or_default()).collect();
    assert_eq!(codes, ["A02", "A06", "B03"]);
    assert_eq!(p.sap.politiche_attive[0].descrizione, s("Politica nel tracciato della revisione 008"));
    assert_eq!(p.sap.politiche_attive[0].ultimo_evento, None);
}

#[test]
fn unknown_elements_and_too_long_values_are_reported_with_their_paths_never_refused() {
    let long = "x".repeat(300);
    let doc = STRANIERO
        .replace("<datiinvio>", "<versionetracciato>1.9</versionetracciato><datiinvio>")
        .replace("</datipersonali>", "<statocivile>1</statocivile><statocivile>2</statocivile></datipersonali>")
        .replace(
            "<descrizione>Tirocinio presso Logistica Tirrena S.r.l., magazzino</descrizione>",
            &format!("<descrizione>{long}</descrizione>"),
        )
        .replace("<compiti>Carico e scarico merci, inventario di magazzino</compiti>", "")
        .replace("<codcomune>E625</codcomune>", "<codcomune>E625</codcomune><sezione3><a><b>x</b></a></sezione3>");
    let p = ok(doc.as_bytes());
    assert_eq!(
        found(&p),
        vec![
            ("/lavoratore/versionetracciato".into(), 1, "elemento non previsto dallo schema: non letto".into()),
            (
                "/lavoratore/datianagrafici/datipersonali/statocivile".into(),
                2,
                "elemento non previsto dallo schema: non letto".into()
            ),
            (
                "/lavoratore/esperienzelavoro_lst/esperienzalavoro/luogolavoro/sezione3".into(),
                1,
                "elemento non previsto dallo schema: non letto".into()
            ),
            (
                "/lavoratore/politiche_attive_lst/politiche_attive/descrizione".into(),
                1,
                "valore più lungo di 250 caratteri (massimo dello schema)".into()
            ),
        ]
    );
    // The long value is kept whole: the report says it breaks the schema, nothing is cut.
    assert_eq!(p.sap.politiche_attive[0].descrizione.as_deref(), Some(long.as_str()));
    // Everything else was read as before.
    assert_eq!(p.sap.dati_anagrafici.dati_personali.nome, s("MOHAMED"));
}

#[test]
fn misplaced_out_of_order_missing_and_repeated_elements_are_reported() {
    let doc = MINIMA
        // datistranieri after domicilio: out of order.
        .replace("<recapiti/>", "<recapiti/><datistranieri><numero>X1</numero></datistranieri>")
        // A known element in the wrong place (the old guess of the permit).
        .replace("<datiinvio>", "<datiinvio><numero>1</numero>")
        // A required element missing.
        .replace("<tipovariazione>01</tipovariazione>", "")
        // datipersonali twice.
        .replace(
            "</datianagrafici>",
            "<datipersonali><codicefiscale>VRDGPP66E10D612K</codicefiscale></datipersonali></datianagrafici>",
        );
    let p = ok(doc.as_bytes());
    let reasons: Vec<(String, String)> = p.findings.iter().map(|f| (f.path.clone(), f.reason.clone())).collect();
    let has = |path: &str, reason: &str| reasons.iter().any(|(p, r)| p == path && r.contains(reason));
    assert!(has("/lavoratore/datiinvio/numero", "fuori posto"), "{reasons:#?}");
    assert!(has("/lavoratore/datiinvio/tipovariazione", "obbligatorio mancante"), "{reasons:#?}");
    assert!(has("/lavoratore/datianagrafici/datistranieri", "fuori dall'ordine"), "{reasons:#?}");
    assert!(has("/lavoratore/datianagrafici/datipersonali", "ripetuto"), "{reasons:#?}");
    // Read anyway, in its place in the model.
    assert_eq!(p.sap.dati_anagrafici.dati_stranieri.as_ref().and_then(|d| d.numero.clone()), s("X1"));
}

#[test]
fn values_breaking_patterns_are_reported_and_kept() {
    let doc = STRANIERO
        .replace(
            "<codstatooccupazionale>DI</codstatooccupazionale>",
            "<codstatooccupazionale>B</codstatooccupazionale>",
        )
        .replace("<lavoroStagionale>SI</lavoroStagionale>", "<lavoroStagionale>S</lavoroStagionale>")
        .replace("<indiceprofiling>0.7912</indiceprofiling>", "<indiceprofiling>0,7912</indiceprofiling>")
        .replace("<cap>56127</cap>", "<cap>5612</cap>")
        .replace("<codiceentetit>G702C000681</codiceentetit>", "<codiceentetit>G702C00068</codiceentetit>")
        .replace("<email>m.hassan@example.it</email>", "<email>m.hassan</email>");
    let p = ok(doc.as_bytes());
    let paths: Vec<&str> = p.findings.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/lavoratore/datiinvio/codiceentetit",
            "/lavoratore/datianagrafici/domicilio/cap",
            "/lavoratore/datianagrafici/recapiti/email",
            "/lavoratore/datiamministrativi/statoinanagrafe/codstatooccupazionale",
            "/lavoratore/datiamministrativi/statoinanagrafe/indiceprofiling",
            "/lavoratore/esperienzelavoro_lst/esperienzalavoro/tiporapporto/lavoroStagionale",
        ]
    );
    assert!(p.findings[3].reason.contains("DI, IN, OC, AL"), "{:?}", p.findings[3]);
    // Values are never repeated in a finding (they may be personal data).
    assert!(p.findings.iter().all(|f| !f.reason.contains("m.hassan")));
    assert_eq!(p.sap.dati_amministrativi.stato_in_anagrafe.stato_occupazionale, s("B"));
    assert_eq!(p.sap.dati_amministrativi.stato_in_anagrafe.indice_profiling, s("0,7912"));
    assert_eq!(p.sap.esperienze_lavoro[0].tipo_rapporto.lavoro_stagionale, s("S"));
}

#[test]
fn dates_and_integers_that_break_their_type() {
    let p = ok(with_policy(
        "<tipo_attivita>A02</tipo_attivita><data_proposta>1/2/2024</data_proposta><data>2018-02-30</data>\
         <durata>2,5</durata><tipologia_durata>O</tipologia_durata>",
    )
    .as_bytes());
    let pol = &p.sap.politiche_attive[0];
    // Read in the Italian form, and reported; an impossible date is left empty, and reported.
    assert_eq!(pol.data_proposta, s("2024-02-01"));
    assert_eq!(pol.data, None);
    assert_eq!(pol.durata, None);
    let paths: Vec<&str> = p.findings.iter().map(|f| f.path.as_str()).collect();
    for path in ["data_proposta", "data", "durata"] {
        assert!(
            paths.contains(&format!("/lavoratore/politiche_attive_lst/politiche_attive/{path}").as_str()),
            "{paths:?}"
        );
    }
    // The section-6 rules still speak, as warnings.
    assert!(p.warnings.iter().any(|w| w.contains("durata mancante")), "{:?}", p.warnings);
}

#[test]
fn section_6_rules_become_warnings_not_refusals() {
    let doc = with_policy(
        "<tipo_attivita>C06</tipo_attivita><titolo_denominazione>TIROCINIO</titolo_denominazione>\
         <data_proposta>2024-05-10</data_proposta><data>2024-05-02</data><data_fine>2024-10-31</data_fine>\
         <durata>0</durata><tipologia_durata>M</tipologia_durata>",
    );
    let p = ok(doc.as_bytes());
    assert_eq!(
        p.warnings,
        vec![
            "politica 1 (C06): la data di proposta (10/05/2024) è successiva alla data di inizio (02/05/2024)",
            "politica 1 (C06): la durata deve essere maggiore di zero (indicata 0)",
            "politica 1 (C06): descrizione obbligatoria per il tirocinio extracurricolare (C06)",
        ]
    );
    assert_eq!(p.sap.politiche_attive.len(), 1);
}

#[test]
fn the_eleven_digit_numeric_codice_fiscale_is_accepted() {
    let p = ok(MINIMA.replace("VRDGPP66E10D612K", "99000123457").as_bytes());
    assert_eq!(p.codice_fiscale.as_str(), "99000123457");
    let e = refused(MINIMA.replace("VRDGPP66E10D612K", "99000123458").as_bytes());
    assert_eq!(e.path, CF_PATH);
}

#[test]
fn iso_8859_1_decodes_accents() {
    let doc = minimal(r#"<?xml version="1.0" encoding="ISO-8859-1"?>"#, b"D'ANT\xd2", b"Nicol\xf2");
    let p = ok(&doc);
    // encoding_rs decodes the Latin-1 labels as windows-1252, its superset.
    assert_eq!(p.encoding, "windows-1252");
    assert_eq!(p.sap.dati_anagrafici.dati_personali.cognome, s("D'ANTÒ"));
    assert_eq!(p.sap.dati_anagrafici.dati_personali.nome, s("Nicolò"));
    let lower = minimal(r#"<?xml version='1.0' encoding='iso-8859-1' standalone='yes'?>"#, b"Ant\xf2", b"Jos\xe9");
    assert_eq!(ok(&lower).sap.dati_anagrafici.dati_personali.cognome, s("Antò"));
}

#[test]
fn windows_1252_decodes_accents_and_typographic_quotes() {
    // 0x92 is the right single quote in Windows-1252 (a control character in Latin-1).
    let doc = minimal(r#"<?xml version="1.0" encoding="windows-1252"?>"#, b"D\x92ANT\xd2", b"Nicol\xf2");
    let p = ok(&doc);
    assert_eq!(p.encoding, "windows-1252");
    assert_eq!(p.sap.dati_anagrafici.dati_personali.cognome, s("D\u{2019}ANTÒ"));
}

#[test]
fn utf8_with_and_without_declaration_and_bom() {
    let plain = minimal("", "D'Antò".as_bytes(), "Nicolò".as_bytes());
    assert_eq!(ok(&plain).sap.dati_anagrafici.dati_personali.nome, s("Nicolò"));

    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(minimal(r#"<?xml version="1.0" encoding="UTF-8"?>"#, "D'Antò".as_bytes(), "Nicolò".as_bytes()));
    let p = ok(&bom);
    assert_eq!(p.encoding, "UTF-8");
    assert_eq!(p.sap.dati_anagrafici.dati_personali.cognome, s("D'Antò"));
    assert!(p.warnings.is_empty());

    // The BOM wins over a stale declaration, with a warning.
    let mut stale = b"\xEF\xBB\xBF".to_vec();
    stale.extend(minimal(r#"<?xml version="1.0" encoding="ISO-8859-1"?>"#, "Antò".as_bytes(), b"X"));
    let p = ok(&stale);
    assert_eq!(p.encoding, "UTF-8");
    assert_eq!(p.sap.dati_anagrafici.dati_personali.cognome, s("Antò"));
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
}

#[test]
fn text_invalid_for_the_declared_encoding_is_refused() {
    // Latin-1 bytes in a file that says UTF-8.
    let doc = minimal(r#"<?xml version="1.0" encoding="UTF-8"?>"#, b"Ant\xf2", b"Nicola");
    let e = refused(&doc);
    assert_eq!(e.path, "/lavoratore/datianagrafici/datipersonali/cognome");
    assert!(e.reason.contains("UTF-8"), "{e}");

    let e = refused(&minimal(r#"<?xml version="1.0" encoding="klingon-8"?>"#, b"A", b"B"));
    assert_eq!(e.path, "/");
    assert!(e.reason.contains("klingon-8"), "{e}");

    let e = refused(&minimal(r#"<?xml version="1.0" encoding="UTF-16"?>"#, b"A", b"B"));
    assert!(e.reason.contains("non supportata"), "{e}");

    let e = refused(b"\xFF\xFE<\x00?\x00x\x00m\x00l\x00");
    assert!(e.reason.contains("UTF-16"), "{e}");
}

#[test]
fn malformed_xml_is_refused_with_the_path() {
    let doc = STRANIERO.replace("<sesso>M</sesso>", "<sesso>M</sessso>");
    let e = refused(doc.as_bytes());
    assert_eq!(e.path, "/lavoratore/datianagrafici/datipersonali/sesso");
    assert!(e.reason.starts_with("XML non ben formato"), "{e}");
    assert!(e.to_string().starts_with("/lavoratore/datianagrafici/datipersonali/sesso: XML non ben formato"));

    let truncated = &STRANIERO[..STRANIERO.find("</datianagrafici>").unwrap()];
    let e = refused(truncated.as_bytes());
    assert_eq!(e.path, "/lavoratore/datianagrafici");
    assert!(e.reason.contains("troncato"), "{e}");

    for (doc, path) in [
        ("<lavoratore><datiinvio></lavoratore>", "/lavoratore/datiinvio"),
        ("<lavoratore><a b></a></lavoratore>", "/lavoratore/a"),
        ("<lavoratore><a b=\"1\" b=\"2\"/></lavoratore>", "/lavoratore/a"),
        ("<lavoratore></lavoratore><lavoratore></lavoratore>", "/"),
        ("testo<lavoratore></lavoratore>", "/"),
        ("<lavoratore><datiinvio><tipovariazione>&nbsp;</tipovariazione>", "/lavoratore/datiinvio/tipovariazione"),
        ("", "/"),
        ("   \n", "/"),
        ("<lavoratore>", "/lavoratore"),
        ("<!-- solo un commento", "/"),
        ("<lavoratore/><?xml version=\"1.0\"?>", "/"),
    ] {
        let e = refused(doc.as_bytes());
        assert_eq!(e.path, path, "{doc}: {e}");
    }
}

#[test]
fn wrong_root_is_refused() {
    let e = refused(b"<?xml version=\"1.0\"?><ListaDID><codicefiscale>RSSMRA85T10A562S</codicefiscale></ListaDID>");
    assert_eq!(e.path, "/ListaDID");
    assert!(e.reason.contains("non è una SAP"), "{e}");
}

#[test]
fn namespace_prefix_and_case_are_tolerated() {
    let doc = "<sap:Lavoratore xmlns:sap=\"urn:example:sap\"><sap:DatiAnagrafici><sap:DatiPersonali>\
               <sap:CodiceFiscale>RSSMRA85T50A562W</sap:CodiceFiscale><sap:Nome>Maria</sap:Nome>\
               </sap:DatiPersonali></sap:DatiAnagrafici></sap:Lavoratore>";
    let p = ok(doc.as_bytes());
    assert_eq!(p.codice_fiscale.as_str(), "RSSMRA85T50A562W");
    assert_eq!(p.sap.dati_anagrafici.dati_personali.nome, s("Maria"));
    // Paths in findings use the schema's names.
    assert!(p.findings.iter().any(|f| f.path == "/lavoratore/datiinvio" && f.reason.contains("obbligatorio")));
}

#[test]
fn codice_fiscale_is_checked() {
    let doc = STRANIERO.replace("HSSMHM88M12Z330T", "MRTMTT25D09F20RA");
    let e = refused(doc.as_bytes());
    assert_eq!(e.path, CF_PATH);
    assert!(e.reason.contains("carattere di controllo"), "{e}");
    assert!(!e.reason.contains("MRTMTT"), "personal data stays out of the message");

    let e =
        refused(STRANIERO.replace("<codicefiscale>HSSMHM88M12Z330T</codicefiscale>", "<codicefiscale/>").as_bytes());
    assert_eq!(e.path, CF_PATH);

    let without = STRANIERO.replace("<codicefiscale>HSSMHM88M12Z330T</codicefiscale>", "");
    let e = refused(without.as_bytes());
    assert_eq!(e.path, CF_PATH);
    assert!(e.reason.contains("mancante"), "{e}");

    // An employer's codice fiscale elsewhere is not the worker's.
    let e = refused(b"<lavoratore><esperienzelavoro_lst><esperienzalavoro><azienda><codicefiscale>RSSMRA85T10A562S</codicefiscale></azienda></esperienzalavoro></esperienzelavoro_lst></lavoratore>");
    assert_eq!(e.path, CF_PATH);
}

#[test]
fn omocodes_and_lower_case_are_accepted() {
    for cf in ["RSSMRA85T10A56NH", "MRTMTT25D09F2LRF", "MRTMTT25D09FNLRU", "rssmra85t10a562s"] {
        let p = ok(MINIMA.replace("VRDGPP66E10D612K", cf).as_bytes());
        assert_eq!(p.codice_fiscale.as_str(), cf.to_ascii_uppercase());
        assert_eq!(p.sap.dati_anagrafici.dati_personali.codice_fiscale, cf.to_ascii_uppercase());
    }
}

#[test]
fn entities_and_character_references() {
    let p = ok(STRANIERO
        .replace("<nome>MOHAMED</nome>", "<nome>Nicol&#242; &amp; &#x4C;uca &lt;&gt;&quot;</nome>")
        .as_bytes());
    assert_eq!(p.sap.dati_anagrafici.dati_personali.nome, s("Nicolò & Luca <>\""));
    for bad in ["&#0;", "&#xD800;", "&#+65;", "&#x;", "&euro;"] {
        let e = refused(STRANIERO.replace("<nome>MOHAMED</nome>", &format!("<nome>{bad}</nome>")).as_bytes());
        assert_eq!(e.path, "/lavoratore/datianagrafici/datipersonali/nome", "{bad}");
    }
    // An entity we cannot resolve inside an element we skip does not matter.
    ok(STRANIERO.replace("<datiinvio>", "<ignoto>&euro;</ignoto><datiinvio>").as_bytes());
}

#[test]
fn nesting_is_capped() {
    let cf = "<datianagrafici><datipersonali><codicefiscale>RSSMRA85T10A562S</codicefiscale></datipersonali></datianagrafici>";
    // The root is level 1: 63 more levels are accepted, 64 more are not.
    let nested =
        |levels: usize| format!("<lavoratore>{cf}{}{}</lavoratore>", "<x>".repeat(levels), "</x>".repeat(levels));
    ok(nested(MAX_DEPTH - 1).as_bytes());
    let e = refused(nested(MAX_DEPTH).as_bytes());
    assert!(e.reason.contains("annidati"), "{e}");

    // A hostile depth, unclosed, inside a known container: refused quickly, no stack use.
    let deep = format!("<lavoratore><datiinvio>{}", "<a>".repeat(1_000_000));
    let e = refused(deep.as_bytes());
    assert!(e.reason.contains("annidati"), "{e}");
    assert!(e.path.starts_with("/lavoratore/datiinvio/a/a/"), "{}", e.path);
}

#[test]
fn findings_are_bounded() {
    let mut doc = String::from("<lavoratore>");
    for i in 0..5000 {
        doc.push_str(&format!("<ignoto{i}/>"));
    }
    doc.push_str(
        "<datianagrafici><datipersonali><codicefiscale>RSSMRA85T10A562S</codicefiscale></datipersonali></datianagrafici></lavoratore>",
    );
    let p = ok(doc.as_bytes());
    assert!(p.findings.len() <= crate::infra::sap_schema::MAX_FINDINGS + 1, "{}", p.findings.len());
    let last = p.findings.last().unwrap();
    assert!(last.reason.contains("altre segnalazioni"), "{last:?}");
}

#[test]
fn oversized_input_is_refused_before_reading() {
    let big = vec![b' '; MAX_BYTES + 1];
    let e = refused(&big);
    assert_eq!(e.path, "/");
    assert!(e.reason.contains("troppo grande"), "{e}");
}

/// A tiny deterministic generator, so that failures reproduce without a dependency.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn truncated_documents_never_panic_and_are_refused() {
    let bytes = STRANIERO.as_bytes();
    let end_of_root = STRANIERO.rfind("</lavoratore>").unwrap() + "</lavoratore>".len();
    for len in 0..bytes.len() {
        let result = parse(&bytes[..len]);
        if len < end_of_root {
            assert!(result.is_err(), "prefix of {len} bytes accepted");
        }
    }
}

#[test]
fn random_byte_flips_never_panic() {
    let mut rng = Lcg(0x5A9_2024);
    let sources: [Vec<u8>; 4] = [
        STRANIERO.as_bytes().to_vec(),
        minimal(r#"<?xml version="1.0" encoding="ISO-8859-1"?>"#, b"D'ANT\xd2", b"Nicol\xf2"),
        [b"\xEF\xBB\xBF".as_slice(), EVENTI.as_bytes()].concat(),
        ESPERIENZE.to_vec(),
    ];
    let alphabet = b"<>/&;#x!?[]-='\"\xf2\xEF\x00 \nabc";
    for round in 0..3000 {
        let mut doc = sources[round % sources.len()].clone();
        let flips = 1 + rng.next() % 4;
        for _ in 0..flips {
            let at = (rng.next() % doc.len() as u64) as usize;
            doc[at] = if rng.next().is_multiple_of(2) {
                rng.next() as u8
            } else {
                alphabet[(rng.next() % alphabet.len() as u64) as usize]
            };
        }
        // Also cut some at a random point.
        if round % 5 == 0 {
            let keep = (rng.next() % doc.len() as u64) as usize;
            doc.truncate(keep);
        }
        let _ = parse(&doc);
        let _ = validate(&doc);
    }
}
