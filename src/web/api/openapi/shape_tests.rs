//! The response shapes say what the handlers send: no response schema is a bare free-form
//! object (an integrator would have to guess its fields), except those listed with the reason,
//! and the described fields are exactly those the serialised types have (`matches`), so the
//! description cannot drift from the code.

use std::collections::BTreeSet;

use serde_json::Value;

use super::description;

/// Free-form on purpose, and why.
const FREE_FORM: &[(&str, &str)] = &[(
    "Section6Row.dettagli",
    "its fields depend on the row: a SAP row carries PoliticheAttive.xsd's extras, a provider's action \
     the fields of its type, described one by one as DettagliA06, DettagliB03, ... on the action's routes",
)];

fn schema_name(reference: &str) -> &str {
    reference.trim_start_matches("#/components/schemas/")
}

/// A node that says nothing of its fields: no type but object (or none), no properties, no
/// items, no reference, no alternatives, no typed additional properties.
fn free_form(node: &Value) -> bool {
    let Some(map) = node.as_object() else { return false };
    let shaped = ["$ref", "properties", "items", "oneOf", "anyOf", "allOf", "enum", "const"];
    if shaped.iter().any(|k| map.contains_key(*k)) {
        return false;
    }
    if map.get("additionalProperties").is_some_and(|a| a.is_object() && !a.as_object().is_some_and(|o| o.is_empty())) {
        return false;
    }
    match map.get("type") {
        None => true,
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "object") || ts.iter().all(|t| t == "null"),
        Some(_) => false,
    }
}

/// Walks a schema node, naming where it is (`Operator.history[]`), into `found`; each
/// component is entered once.
fn walk(json: &Value, node: &Value, at: &str, seen: &mut BTreeSet<String>, found: &mut Vec<String>) {
    if free_form(node) {
        found.push(at.to_owned());
        return;
    }
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        let name = schema_name(r).to_owned();
        if seen.insert(name.clone()) {
            walk(json, &json["components"]["schemas"][name.as_str()], &name, seen, found);
        }
        return;
    }
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            walk(json, v, &format!("{at}.{k}"), seen, found);
        }
    }
    if let Some(items) = node.get("items") {
        walk(json, items, &format!("{at}[]"), seen, found);
    }
    if let Some(extra) = node.get("additionalProperties").filter(|a| a.is_object()) {
        walk(json, extra, &format!("{at}{{}}"), seen, found);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for alt in node.get(key).and_then(Value::as_array).into_iter().flatten() {
            if alt.get("type") == Some(&Value::from("null")) {
                continue;
            }
            walk(json, alt, at, seen, found);
        }
    }
}

#[test]
fn no_response_schema_is_a_bare_free_form_object() {
    let json = serde_json::to_value(description()).unwrap();
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    for (path, item) in json["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (code, answer) in op["responses"].as_object().unwrap() {
                for (media, content) in answer["content"].as_object().into_iter().flatten() {
                    if !media.contains("json") {
                        continue;
                    }
                    walk(&json, &content["schema"], &format!("{method} {path} {code}"), &mut seen, &mut found);
                }
            }
        }
    }
    let allowed: BTreeSet<&str> = FREE_FORM.iter().map(|(at, _)| *at).collect();
    let unexplained: Vec<&String> = found.iter().filter(|at| !allowed.contains(at.as_str())).collect();
    assert!(
        unexplained.is_empty(),
        "free-form response schemas:\n{}",
        unexplained.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
    );
    let stale: Vec<&&str> = allowed.iter().filter(|at| !found.iter().any(|f| f == **at)).collect();
    assert!(stale.is_empty(), "listed as free-form but described now: {stale:?}");
}

/// `$ref` and nullable alternatives down to the shape itself.
fn resolve<'a>(json: &'a Value, mut node: &'a Value) -> &'a Value {
    loop {
        if let Some(r) = node.get("$ref").and_then(Value::as_str) {
            node = &json["components"]["schemas"][schema_name(r)];
        } else if let Some(alt) = node
            .get("oneOf")
            .and_then(Value::as_array)
            .and_then(|alts| alts.iter().find(|a| a.get("type") != Some(&Value::from("null"))))
            .filter(|_| node.get("properties").is_none())
        {
            node = alt;
        } else {
            return node;
        }
    }
}

/// The fields a value of the real type serialises to are the fields described, at every level
/// the sample fills (one element per list, every option present).
fn matches(json: &Value, node: &Value, sample: &Value, at: &str, problems: &mut Vec<String>) {
    let node = resolve(json, node);
    match sample {
        Value::Object(sent) => {
            let Some(described) = node.get("properties").and_then(Value::as_object) else {
                // Free-form on purpose: `no_response_schema_is_a_bare_free_form_object` lists them.
                if !free_form(node) {
                    problems.push(format!("{at}: an object is sent, none described"));
                }
                return;
            };
            for k in sent.keys().filter(|k| !described.contains_key(*k)) {
                problems.push(format!("{at}.{k}: sent, not described"));
            }
            for k in described.keys().filter(|k| !sent.contains_key(*k)) {
                problems.push(format!("{at}.{k}: described, never sent"));
            }
            for (k, v) in sent {
                if let Some(p) = described.get(k) {
                    matches(json, p, v, &format!("{at}.{k}"), problems);
                }
            }
        }
        Value::Array(items) => {
            if let (Some(first), Some(item)) = (items.first(), node.get("items")) {
                matches(json, item, first, &format!("{at}[]"), problems);
            }
        }
        _ => {}
    }
}

fn component(name: &str) -> Value {
    serde_json::json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// A SAP with every optional section present and one element in every list.
fn full_sap() -> crate::domain::sap::Sap {
    use crate::domain::sap::*;
    let mut sap = Sap::default();
    sap.dati_anagrafici.dati_stranieri = Some(DatiStranieri::default());
    sap.dati_anagrafici.residenza = Some(Indirizzo::default());
    sap.dati_anagrafici.domicilio = Some(Indirizzo::default());
    sap.dati_amministrativi.periodi_disoccupazione.push(PeriodoDisoccupazione::default());
    sap.dati_amministrativi.liste_speciali.push(ListaSpeciale::default());
    sap.esperienze_lavoro.push(EsperienzaLavoro { utilizzatrice: Some(Azienda::default()), ..Default::default() });
    let c = &mut sap.informazioni_curriculari;
    c.livelli_istruzione.push("LS".into());
    c.titoli_studio.push(TitoloStudio::default());
    c.formazione_professionale.push(FormazioneProfessionale::default());
    c.lingue_straniere.push(LinguaStraniera::default());
    c.conoscenze_informatiche.push(ConoscenzaInformatica::default());
    c.altre_informazioni.push(AltreInformazioni::default());
    sap
}

#[test]
fn the_described_shapes_are_what_the_types_serialise() {
    use crate::domain::ids::{ActionId, OperatorId, ProviderId, VoucherId};
    use crate::domain::timestamp::Timestamp;
    use serde_json::json;

    let json = serde_json::to_value(description()).unwrap();
    let at = Timestamp::from_ms(0);
    let section6 = crate::repo::policies::PolicyRow {
        id: ActionId::try_from(1).unwrap(),
        origin: "provider".into(),
        tipo_attivita: "A06".into(),
        titolo_denominazione: String::new(),
        data_proposta: Some(String::new()),
        data_inizio: Some(String::new()),
        data_fine: Some(String::new()),
        durata: Some(1),
        tipologia_durata: Some("O".into()),
        descrizione: String::new(),
        titolo_progetto: String::new(),
        codice_ente_promotore: String::new(),
        identificativo_politica: Some(String::new()),
        ultimo_evento: Some(String::new()),
        data_evento: Some(String::new()),
        descrizione_evento: String::new(),
        indice_profiling: String::new(),
        identificativo_presa_in_carico: String::new(),
        dettagli: json!({}),
    };
    // The scheda's SAP: the stored sections with section VI beside them, as the handler sends.
    let mut sections: Value = serde_json::from_str(&crate::service::imports::sections_json(&full_sap())).unwrap();
    sections["section6"] = json!([section6]);
    let voucher = crate::domain::recipient::Voucher {
        id: VoucherId::try_from(1).unwrap(),
        code: String::new(),
        issued_on: String::new(),
        cpi: String::new(),
        profiling_band: String::new(),
        provider_id: ProviderId::try_from(1).unwrap(),
        provider_name: String::new(),
        sede: Some(String::new()),
        chosen_on: String::new(),
        state: String::new(),
        programme_start: Some(String::new()),
        programme_end: Some(String::new()),
        extended_until: Some(String::new()),
        tutor: Some(String::new()),
        signed_since: Some(at),
    };
    let report = crate::service::imports::ImportReport {
        refused: vec![crate::service::imports::Refused {
            file: Some(String::new()),
            line: Some(1),
            column: Some(String::new()),
            reason: String::new(),
        }],
        findings: vec![crate::service::imports::ReportedFinding {
            file: String::new(),
            path: String::new(),
            count: 1,
            reason: String::new(),
        }],
        ..Default::default()
    };
    let operator = json!(crate::repo::operators::OperatorRow {
        id: OperatorId::try_from(1).unwrap(),
        codice_fiscale: String::new(),
        surname: String::new(),
        name: String::new(),
        email: String::new(),
        role: String::new(),
        provider_id: Some(ProviderId::try_from(1).unwrap()),
        provider_name: Some(String::new()),
        role_title: String::new(),
        state: String::new(),
        technical_exemption: false,
        exemption_reason: String::new(),
        enabled_at: at,
        last_access_at: Some(at),
        reviewed_at: Some(at),
        version: 1,
    });
    // `GET /operators/{id}`: the row with what `operator_json` adds (compared item by item
    // below through OperatorHistoryLine and SeenCertificate).
    let mut operator_detail = operator.clone();
    for key in ["history", "sedi", "certificates"] {
        operator_detail[key] = json!([]);
    }
    let sede = json!(crate::domain::sede::Sede {
        id: crate::domain::ids::SedeId::try_from(1).unwrap(),
        provider: ProviderId::try_from(1).unwrap(),
        address: String::new(),
        comune: String::new(),
        phone: String::new(),
        opening_hours: String::new(),
        programme_enabled: true,
        temporarily_closed: false,
        closed: false,
    });
    let samples: Vec<(&str, Value)> = vec![
        ("Operator", operator),
        ("OperatorDetail", operator_detail),
        ("Sede", sede),
        ("SapSections", sections),
        ("Voucher", json!(voucher)),
        ("Section6Row", json!(section6)),
        ("ImportReport", json!(report)),
        // What a stored SAP's findings are (`findings_json`).
        (
            "ImportFinding",
            json!(crate::infra::sap_schema::Finding { path: String::new(), count: 1, reason: String::new() }),
        ),
        (
            "OperatorHistoryLine",
            json!(crate::repo::operators::HistoryLine {
                at,
                kind: String::new(),
                reason_kind: String::new(),
                reason: String::new(),
                communication: Some(String::new()),
                by: String::new(),
                before: String::new(),
                after: String::new(),
            }),
        ),
        (
            "SeenCertificate",
            json!(crate::repo::operators::SeenCert {
                subject_cn: String::new(),
                issuer: String::new(),
                serial: String::new(),
                not_before: at,
                not_after: at,
                first_seen: at,
                last_seen: at,
                policies: Some(vec![String::new()]),
            }),
        ),
        (
            "ActivityLine",
            json!(crate::repo::audit_search::ActivityLine {
                provider_id: Some(ProviderId::try_from(1).unwrap()),
                operator_id: Some(OperatorId::try_from(1).unwrap()),
                ..Default::default()
            }),
        ),
        (
            // What the handler sends: the appearances grouped as the screen shows them.
            "ListGroup",
            json!(
                crate::web::views::audit::list_groups(vec![crate::repo::audit_subjects::ListAppearance {
                    day: 0,
                    seq: 1,
                    ts: at,
                    action: String::new(),
                    actor_id: OperatorId::try_from(1).unwrap(),
                    actor_cf: String::new(),
                    actor_name: Some(String::new()),
                    actor_role: Some(String::new()),
                    provider_name: Some(String::new()),
                    page: Some(1),
                    rows: Some(1),
                    via: Some(String::new()),
                    lists: 1,
                }])[0]
            ),
        ),
    ];
    // The comparison can fail: a key no shape has, and a shape's key left out, are both seen.
    let mut wrong = Vec::new();
    matches(&json, &component("Sede"), &json!({ "id": 1, "nope": 1 }), "Sede", &mut wrong);
    assert!(wrong.iter().any(|p| p == "Sede.nope: sent, not described"), "{wrong:?}");
    assert!(wrong.iter().any(|p| p == "Sede.comune: described, never sent"), "{wrong:?}");
    let mut problems = Vec::new();
    for (name, sample) in &samples {
        assert!(json["components"]["schemas"][*name].is_object(), "{name} is not in the description");
        matches(&json, &component(name), sample, name, &mut problems);
    }
    assert!(problems.is_empty(), "the description and the types differ:\n{}", problems.join("\n"));
}
