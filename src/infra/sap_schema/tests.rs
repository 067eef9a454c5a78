use super::*;

const MINIMA: &str = include_str!("../../../tests/fixtures/sap/minima.xml");
const STRANIERO: &str = include_str!("../../../tests/fixtures/sap/straniero-completa.xml");

fn reasons(xml: &str) -> Vec<(String, String)> {
    validate(xml.as_bytes()).into_iter().map(|f| (f.path, f.reason)).collect()
}

#[test]
fn the_table_is_well_formed() {
    let mut stack = vec![(&ROOT, String::from("/lavoratore"))];
    let (mut leaves, mut legacy_leaves) = (0, 0);
    while let Some((e, path)) = stack.pop() {
        let children = e.children();
        assert!(children.len() <= MAX_CHILDREN, "{path}: {} children", children.len());
        let mut names: Vec<&str> = children.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), children.len(), "{path}: a child name appears twice");
        for c in children {
            assert!(c.min <= c.max, "{path}/{}", c.name);
            match (c.is_leaf(), c.legacy) {
                (true, false) => leaves += 1,
                (true, true) => legacy_leaves += 1,
                // The 005/008 section 6 is the same element as revision 009's, elsewhere.
                (false, true) => continue,
                (false, false) => {}
            }
            stack.push((c, format!("{path}/{}", c.name)));
        }
    }
    // Every leaf of revision 009 has its field, and so do the three of PoliticheAttive.xsd.
    assert_eq!((leaves, legacy_leaves), (112, 3));
}

#[test]
fn conforming_documents_have_no_findings() {
    assert_eq!(reasons(MINIMA), Vec::new());
    assert_eq!(reasons(STRANIERO), Vec::new());
}

#[test]
fn each_rule_is_checked() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // (replace, with, path, reason contains)
        ("<tipovariazione>01</tipovariazione>", "", "/lavoratore/datiinvio/tipovariazione", "obbligatorio"),
        (
            "<codiceentetit>D612C000123</codiceentetit>\n    <tipovariazione>01</tipovariazione>",
            "<tipovariazione>01</tipovariazione><codiceentetit>D612C000123</codiceentetit>",
            "/lavoratore/datiinvio/codiceentetit",
            "ordine",
        ),
        ("<cap>50122</cap>", "<cap>501220</cap>", "/lavoratore/datianagrafici/domicilio/cap", "diversa da 5"),
        (
            "<cognome>VERDI</cognome>",
            "<cognome></cognome>",
            "/lavoratore/datianagrafici/datipersonali/cognome",
            "vuoto",
        ),
        (
            "<cognome>VERDI</cognome>",
            "<cognome>VERDI</cognome><cognome>ROSSI</cognome>",
            "/lavoratore/datianagrafici/datipersonali/cognome",
            "ripetuto",
        ),
        (
            "<recapiti/>",
            "<recapiti><email>a@b</email></recapiti>",
            "/lavoratore/datianagrafici/recapiti/email",
            "email",
        ),
        ("<recapiti/>", "<recapiti/><ignoto/>", "/lavoratore/datianagrafici/ignoto", "non previsto"),
        ("<recapiti/>", "<recapiti/><cap>50100</cap>", "/lavoratore/datianagrafici/cap", "fuori posto"),
        (
            "<datanascita>1966-05-10</datanascita>\n      <codcomune>",
            "<datanascita>10/05/1966</datanascita>\n      <codcomune>",
            "/lavoratore/datianagrafici/datipersonali/datanascita",
            "aaaa-mm-gg",
        ),
        (
            "<codicefiscale>VRDGPP66E10D612K</codicefiscale>",
            "<codicefiscale>vrdgpp66e10d612k</codicefiscale>",
            "/lavoratore/datianagrafici/datipersonali/codicefiscale",
            "16 caratteri o 11 cifre",
        ),
        ("<sesso>M</sesso>", "<sesso> M</sesso>", "/lavoratore/datianagrafici/datipersonali/sesso", "più lungo di 1"),
        ("<domicilio>", "<domicilio>testo", "/lavoratore/datianagrafici/domicilio", "testo dentro"),
        ("<Lavoratore>", "<Lavoratore>", "/", "radice"),
    ];
    for (from, to, path, why) in cases {
        assert!(MINIMA.contains(from) || *from == "<Lavoratore>", "fixture lacks {from}");
        let doc = if *from == "<Lavoratore>" {
            MINIMA.replace("<lavoratore>", "<Lavoratore>").replace("</lavoratore>", "</Lavoratore>")
        } else {
            MINIMA.replacen(from, to, 1)
        };
        let found = reasons(&doc);
        assert!(found.iter().any(|(p, r)| p == path && r.contains(why)), "{from} -> {to}: {found:#?}");
    }
}

#[test]
fn section_6_facets() {
    let policy = |inner: &str| {
        MINIMA.replace(
            "</lavoratore>",
            &format!(
                "<politiche_attive_lst><politiche_attive>{inner}</politiche_attive></politiche_attive_lst></lavoratore>"
            ),
        )
    };
    let base = "<tipo_attivita>A06</tipo_attivita><data_proposta>2026-01-02</data_proposta>\
                <descrizione>Colloquio</descrizione><titolo_progetto>01</titolo_progetto>\
                <codice_ente_promotore>06363391001</codice_ente_promotore>";
    assert_eq!(reasons(&policy(base)), Vec::new());
    let with = |extra: &str| reasons(&policy(&format!("{base}{extra}")));
    assert_eq!(with("<identificativo_politica>1700a1b2c3dX</identificativo_politica>").len(), 1);
    assert_eq!(with("<identificativo_politica>1700a1b2c3d</identificativo_politica>"), Vec::new());
    assert_eq!(with("<indice_profiling>0,79</indice_profiling>").len(), 1);
    assert_eq!(with("<indice_profiling>0.79</indice_profiling>"), Vec::new());
    assert_eq!(with("<ultimo_evento><evento>2</evento><data_evento>2026-01-02</data_evento></ultimo_evento>").len(), 1);
    let long = "x".repeat(101);
    let found = with(&format!(
        "<ultimo_evento><evento>02</evento><data_evento>2026-01-02</data_evento><descrizione_evento>{long}</descrizione_evento></ultimo_evento>"
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].0.ends_with("/ultimo_evento/descrizione_evento"));
    // The companion layout's extras are not revision 009.
    let found = with("<esito_azione_sil>ok</esito_azione_sil>");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, LEGACY);
    let found = reasons(&policy(&base.replace("<descrizione>Colloquio</descrizione>", "")));
    assert_eq!(found, vec![("/lavoratore/politiche_attive_lst/politiche_attive/descrizione".into(), MISSING.into())]);
}

#[test]
fn value_types() {
    assert!(is_iso_date("2024-02-29"));
    assert!(!is_iso_date("2023-02-29"));
    assert!(!is_iso_date("2024-2-29"));
    assert!(!is_iso_date("29/02/2024"));
    for ok in ["0.79", "1", ".5", "-0.1", "+2.50"] {
        assert!(is_decimal(ok), "{ok}");
    }
    for bad in ["", ".", "0,79", "1e3", "0.7.9", "-"] {
        assert!(!is_decimal(bad), "{bad}");
    }
    assert_eq!(value_problem(Simple::Decimal2, "1.25"), None);
    assert_eq!(value_problem(Simple::Decimal2, "1,25"), None, "the schema's dot is any character");
    assert!(value_problem(Simple::Decimal2, "12500,00").is_some());
    assert!(value_problem(Simple::Int, "99999999999").is_some());
    assert_eq!(value_problem(Simple::Int, "-12"), None);
    assert_eq!(value_problem(Simple::Enum(&["CO", ""]), ""), None);
    assert_eq!(value_problem(Simple::CodiceFiscale, "06363391001"), None);
    assert_eq!(value_problem(Simple::CodiceFiscale, "RSSMRA85T10A56NH"), None);
    assert!(value_problem(Simple::CodiceEnteTit, "g702c000681").is_some());
    assert_eq!(value_problem(Simple::IdentificativoSap, "AA01711608H"), None);
    assert!(value_problem(Simple::IdentificativoSap, "AA0171160H").is_some());
}

#[test]
fn not_well_formed_is_one_finding() {
    let found = validate(b"<lavoratore><datiinvio></lavoratore>");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path, "/");
    assert_eq!(validate(b"").len(), 1);
    assert_eq!(validate(b"<lavoratore/><lavoratore/>").len(), 1);
}
