//! The API answers as it describes itself: on the training instance's data, every GET of
//! `openapi.json` is called by each role (with real ids, and with an id that does not exist),
//! every write whose body has required fields is sent `{}`, and a few writes succeed (a
//! provider, a sede, a communication, an operator, an IDOL export, a signed programme, an
//! appointment); each answer's status
//! must be one the description lists for that operation, and each JSON body must validate
//! against the schema described for that status (JSON Schema 2020-12, as OpenAPI 3.1 writes
//! it), with no key the description does not have. Handlers that build their answers with
//! `json!` are held to the description here, not only the serialised types.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use reqwest::blocking::{Client, Response};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{Value, json};

const BASE: &str = "/api/v1";
/// An id no row has: the answer must be a described refusal (404, or 403 for the wrong role).
const MISSING: &str = "987654321";

/// The training instance on a free port; stopped when dropped.
fn demo(dir: &Path) -> common::Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ricolloca"));
    cmd.args(["demo", "--listen", "127.0.0.1:0", "--dir"]).arg(dir).env("RUST_LOG", "error");
    common::Server::spawn(cmd, Duration::from_secs(90))
}

/// A client presenting the demo person's card (`persone/<file>.pem` and `.key`).
fn card(dir: &Path, file: &str) -> Client {
    let ca = std::fs::read_to_string(dir.join("certificati").join("ca-formazione.pem")).unwrap();
    let people = dir.join("persone");
    let cert = CertificateDer::from_pem_file(people.join(format!("{file}.pem"))).unwrap();
    let key = PrivateKeyDer::from_pem_file(people.join(format!("{file}.key"))).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(common::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(common::roots(&ca))
        .with_client_auth_cert(vec![cert], key)
        .unwrap();
    common::http(config)
}

/// JSON Pointer escaping of one reference token (RFC 6901).
fn token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Checks answers against the served description.
struct Conformance {
    doc: Value,
    problems: Vec<String>,
    checked: usize,
    /// `METHOD template` of every success seen: the description's every read must be seen.
    succeeded: std::collections::BTreeSet<String>,
}

impl Conformance {
    /// The described answer of `method path` (a template) for `status`, as a JSON pointer.
    fn answer_pointer(&self, method: &str, template: &str, status: u16) -> Option<String> {
        let responses = &self.doc["paths"][template][method]["responses"];
        let code = status.to_string();
        let key = if responses.get(&code).is_some() { code } else { "default".to_owned() };
        responses.get(&key)?;
        Some(format!("/paths/{}/{method}/responses/{key}", token(template)))
    }

    /// Follows a `$ref` to a shared response, if the answer is one.
    fn resolve(&self, pointer: String) -> String {
        match self.doc.pointer(&pointer).and_then(|r| r["$ref"].as_str()) {
            Some(reference) => reference.trim_start_matches('#').to_owned(),
            None => pointer,
        }
    }

    fn check(&mut self, who: &str, method: &str, template: &str, url_path: &str, res: Response) -> Option<Value> {
        let status = res.status().as_u16();
        if res.status().is_success() {
            self.succeeded.insert(format!("{} {template}", method.to_uppercase()));
        }
        let at = format!("{who}: {} {url_path} → {status}", method.to_uppercase());
        let Some(answer) = self.answer_pointer(method, template, status) else {
            self.problems.push(format!("{at}: status not described"));
            return None;
        };
        let answer = self.resolve(answer);
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        let described = self.doc.pointer(&format!("{answer}/content")).and_then(Value::as_object).cloned();
        let body = res.bytes().unwrap();
        self.checked += 1;
        match described {
            None if body.is_empty() => None,
            None => {
                self.problems.push(format!("{at}: a body ({content_type}) where the description has none"));
                None
            }
            Some(contents) if !contents.contains_key(&content_type) => {
                let listed: Vec<&String> = contents.keys().collect();
                self.problems.push(format!("{at}: content type {content_type:?}, described {listed:?}"));
                None
            }
            Some(_) if content_type != "application/json" || template == SELF_DESCRIPTION => None,
            Some(_) => {
                let Ok(value) = serde_json::from_slice::<Value>(&body) else {
                    self.problems.push(format!("{at}: not JSON"));
                    return None;
                };
                let schema_at = format!("{answer}/content/{}/schema", token(&content_type));
                let Some(Value::Object(schema)) = self.doc.pointer(&schema_at).cloned() else {
                    self.problems.push(format!("{at}: JSON described without a schema"));
                    return Some(value);
                };
                // The schema with the description's components beside it, so that its
                // `#/components/schemas/...` references resolve.
                let mut root = Value::Object(schema);
                root["components"] = self.doc["components"].clone();
                closed(&mut root);
                let validator = jsonschema::draft202012::new(&root).unwrap();
                for error in validator.iter_errors(&value) {
                    self.problems.push(format!(
                        "{at}: {} at {} ({})",
                        error,
                        error.instance_path(),
                        error.schema_path()
                    ));
                }
                Some(value)
            }
        }
    }
}

/// Every described object refuses keys it does not describe (`unevaluatedProperties`, which
/// sees through `allOf`): utoipa leaves objects open, and a key a handler's `json!` sends
/// without a description must fail here. Free-form objects (no `properties`) stay open.
fn closed(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if map.get("properties").is_some_and(Value::is_object)
                && !map.contains_key("additionalProperties")
                && !map.contains_key("unevaluatedProperties")
            {
                map.insert("unevaluatedProperties".into(), Value::Bool(false));
            }
            for (key, child) in map.iter_mut() {
                if key == "properties" {
                    // A map of names to schemas: each schema, not the map, may be an object.
                    child.as_object_mut().into_iter().flat_map(|m| m.values_mut()).for_each(closed);
                } else {
                    closed(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(closed),
        _ => {}
    }
}

/// The description itself: JSON, and its own schema is the OpenAPI specification's.
const SELF_DESCRIPTION: &str = "/api/v1/openapi.json";

/// The required query parameters of `GET template`, filled from `values` by name; a problem
/// when one has no value here (a new route's parameter needs one added to the test).
fn query(doc: &Value, template: &str, values: &BTreeMap<&str, String>, problems: &mut Vec<String>) -> String {
    let mut pairs = Vec::new();
    for param in doc["paths"][template]["get"]["parameters"].as_array().into_iter().flatten() {
        if param["in"] != "query" || param["required"] != true {
            continue;
        }
        let name = param["name"].as_str().unwrap_or_default();
        match values.get(name) {
            Some(value) => pairs.push(format!("{name}={value}")),
            None => problems.push(format!("GET {template}: no value in the test for the required parameter {name}")),
        }
    }
    if pairs.is_empty() { String::new() } else { format!("?{}", pairs.join("&")) }
}

/// `/api/v1/recipients/{id}/actions` with its parameters filled in, or `None` when an id is
/// not known.
fn fill(template: &str, ids: &BTreeMap<&str, String>, missing: bool) -> Option<String> {
    let mut out = Vec::new();
    for segment in template.split('/') {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(_) if missing => out.push(MISSING.to_owned()),
            Some(_) => {
                // The parameter is named after the collection it indexes: the segment before it.
                let collection = out.last().cloned().unwrap_or_default();
                out.push(ids.get(collection.as_str())?.clone());
            }
            None => out.push(segment.to_owned()),
        }
    }
    Some(out.join("/"))
}

/// `aaaa-mm` of today (UTC: either side of a month's edge is a month with data or none).
#[expect(clippy::disallowed_methods, reason = "the test's own clock, outside the server")]
fn today_month() -> String {
    let today = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}", today.year(), u8::from(today.month()))
}

/// Yesterday in Italy (aaaa-mm-gg): a past appointment may be recorded as held.
#[expect(clippy::disallowed_methods, reason = "the test's own clock, outside the server")]
fn yesterday() -> String {
    // Italy is UTC+1 or +2: two hours ahead of UTC is never a day behind Italy's date.
    let day = (time::OffsetDateTime::now_utc() + time::Duration::hours(2)).date() - time::Duration::days(1);
    day.to_string()
}

/// The first item's id of a list answer.
fn first_id(list: Option<Value>) -> Option<String> {
    list.and_then(|v| v["items"].get(0).map(|item| item["id"].to_string()))
}

#[test]
fn every_answer_of_the_api_is_the_one_its_description_gives() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("formazione");
    let server = demo(&dir);
    let url = |path: &str| server.url(path);
    let region = card(&dir, "regione-maria-bianchi");
    let doc: Value = region.get(url("/api/v1/openapi.json")).send().unwrap().json().unwrap();
    let mut c = Conformance { doc, problems: Vec::new(), checked: 0, succeeded: Default::default() };
    let paths: Vec<String> = c.doc["paths"].as_object().unwrap().keys().cloned().collect();
    // Required query parameters: a person the instance knows, this month.
    let people: Value = region.get(url("/api/v1/recipients")).send().unwrap().json().unwrap();
    let person_cf = people["items"][0]["codice_fiscale"].as_str().expect("a person in the training data").to_owned();
    let values = BTreeMap::from([("cf", person_cf), ("month", today_month())]);
    // Writes that succeed answer as described too: a provider, its sede edited and closed.
    let mut write = |method: &str, template: &str, path: String, body: Value| -> Value {
        let req = if method == "post" { region.post(url(&path)) } else { region.put(url(&path)) };
        let res = req.json(&body).send().unwrap();
        let status = res.status();
        let answer = c.check("regione", method, template, &path, res).unwrap_or_default();
        assert!(status.is_success(), "{method} {path}: {status} {answer}");
        answer
    };
    let created = write(
        "post",
        "/api/v1/providers",
        format!("{BASE}/providers"),
        json!({ "name": "Lavoro Futuro", "codice_fiscale": "06363391001", "accreditation_code": "ACC-CONF",
                "pec": "ente@pec.example.it" }),
    );
    let provider = created["id"].as_i64().unwrap();
    let sede = write(
        "post",
        "/api/v1/providers/{id}/sedi",
        format!("{BASE}/providers/{provider}/sedi"),
        json!({ "address": "Via Roma 1", "comune": "Firenze", "phone": "055 123456", "programme_enabled": true }),
    );
    let sede = sede["id"].as_i64().unwrap();
    let body = json!({ "address": "Via Roma 2", "comune": "Prato", "temporarily_closed": true });
    write("put", "/api/v1/sedi/{id}", format!("{BASE}/sedi/{sede}"), body);
    write("post", "/api/v1/sedi/{id}/close", format!("{BASE}/sedi/{sede}/close"), json!({}));
    // What the training data lacks, so that its reads answer too: a written communication and
    // an IDOL export, made by the Region (both answers checked as well).
    let providers: Value = region.get(url("/api/v1/providers")).send().unwrap().json().unwrap();
    let provider = providers["items"][0]["id"].as_i64().unwrap();
    let path = format!("{BASE}/providers/{provider}/communications");
    let form = reqwest::blocking::multipart::Form::new()
        .text("received_on", "2026-01-05")
        .text("protocol", "abilitazione-1/2026")
        .text("kind", "abilitazione")
        .part("file", reqwest::blocking::multipart::Part::bytes(common::pdf_with(b"1")).file_name("elenco.pdf"));
    let res = region.post(url(&path)).header("X-Ricolloca-Client", "test").multipart(form).send().unwrap();
    assert_eq!(res.status(), 201);
    let communication =
        c.check("regione", "post", "/api/v1/providers/{id}/communications", &path, res).unwrap_or_default();
    // An operator enabled on that communication.
    let body = json!({ "provider_id": provider, "codice_fiscale": common::cf("VRDGNN75C12H501"), "surname": "Verdi",
                       "name": "Giovanni", "email": "g.verdi@ente.example.it", "role": "operatore", "role_title": "tutor",
                       "communication_id": communication["id"] });
    let res = region.post(url(&format!("{BASE}/operators"))).json(&body).send().unwrap();
    let status = res.status();
    let answer = c.check("regione", "post", "/api/v1/operators", &format!("{BASE}/operators"), res);
    assert_eq!(status, 201, "{answer:?}");
    let path = format!("{BASE}/idol/exports");
    let res = region.post(url(&path)).json(&json!({})).send().unwrap();
    assert_eq!(res.status(), 200);
    c.check("regione", "post", &path, &path, res);

    let roles = [
        ("operatore", card(&dir, "operatore-mario-rossi")),
        ("regione", region),
        ("revisore", card(&dir, "revisore-giuseppe-verdi")),
        ("tecnico", card(&dir, "tecnico-luca-neri")),
    ];
    // The operator's upload (the first role), tried by every role after.
    let mut uploaded: Option<String> = None;
    for (who, client) in &roles {
        // Ids this role can see, from its own lists, named by the collection they index.
        let mut ids: BTreeMap<&str, String> = BTreeMap::new();
        let mut people_seen: Vec<String> = Vec::new();
        for (collection, list) in [
            ("recipients", "/recipients"),
            ("providers", "/providers"),
            ("operators", "/operators"),
            ("communications", "/communications"),
            ("exports", "/idol/exports"),
            ("assignments", "/import/assignments"),
            ("anomalies", "/anomalies"),
        ] {
            let path = format!("{BASE}{list}");
            let res = client.get(url(&path)).send().unwrap();
            let answer = c.check(who, "get", &path, &path, res);
            if collection == "recipients" {
                let items = answer.as_ref().and_then(|a| a["items"].as_array().cloned()).unwrap_or_default();
                people_seen = items.iter().map(|p| p["id"].to_string()).collect();
            }
            if let Some(id) = first_id(answer) {
                ids.insert(collection, id);
            }
        }
        if let Some(provider) = ids.get("providers").cloned() {
            let path = format!("{BASE}/providers/{provider}/sedi");
            let res = client.get(url(&path)).send().unwrap();
            if let Some(id) = first_id(c.check(who, "get", "/api/v1/providers/{id}/sedi", &path, res)) {
                ids.insert("sedi", id);
            }
            // The provider's written communications (`/communications` holds the Region's own acts).
            let path = format!("{BASE}/providers/{provider}/communications");
            let res = client.get(url(&path)).send().unwrap();
            if let Some(id) = first_id(c.check(who, "get", "/api/v1/providers/{id}/communications", &path, res)) {
                ids.entry("communications").or_insert(id);
            }
        }
        // The first person of the page with an action recorded (their reads checked on the way).
        for person in &people_seen {
            let path = format!("{BASE}/recipients/{person}/actions");
            let res = client.get(url(&path)).send().unwrap();
            if let Some(action) = first_id(c.check(who, "get", "/api/v1/recipients/{id}/actions", &path, res)) {
                ids.insert("recipients", person.clone());
                ids.insert("actions", action);
                break;
            }
        }
        if let Some(recipient) = ids.get("recipients").cloned() {
            if let Some(action) = ids.get("actions").cloned()
                && *who == "operatore"
            {
                // A signed programme for the action, sent as the raw file.
                let path = format!("{BASE}/actions/{action}/documents");
                let res = client
                    .post(url(&path))
                    .header("Content-Type", "application/pdf")
                    .body(common::pdf_with(b"programma firmato"))
                    .send()
                    .unwrap();
                assert_eq!(res.status(), 201);
                c.check(who, "post", "/api/v1/actions/{action}/documents", &path, res);
                // An appointment held yesterday, for the same person.
                let path = format!("{BASE}/recipients/{recipient}/appointments");
                let body = json!({ "data": yesterday(), "ora": "10:00", "tipo": "colloquio" });
                let res = client.post(url(&path)).json(&body).send().unwrap();
                let status = res.status();
                let answer = c.check(who, "post", "/api/v1/recipients/{id}/appointments", &path, res);
                assert!(status.is_success(), "{path}: {status} {answer:?}");
            }
            // The signed copies on file name the documents a client may download.
            let path = format!("{BASE}/recipients/{recipient}/programme");
            let res = client.get(url(&path)).send().unwrap();
            let programme = c.check(who, "get", "/api/v1/recipients/{id}/programme", &path, res);
            if let Some(document) = programme.and_then(|p| p["signed"].get(0).map(|s| s["document"].to_string())) {
                uploaded.get_or_insert(document);
            }
            let path = format!("{BASE}/recipients/{recipient}/appointments");
            let res = client.get(url(&path)).send().unwrap();
            if let Some(id) = first_id(c.check(who, "get", "/api/v1/recipients/{id}/appointments", &path, res)) {
                ids.insert("appointments", id);
            }
        }

        if let Some(document) = &uploaded {
            ids.insert("documents", document.clone());
        }
        for template in &paths {
            if c.doc["paths"][template]["get"].is_null() {
                continue;
            }
            for missing in [false, true] {
                if missing && !template.contains('{') {
                    continue;
                }
                let Some(path) = fill(template, &ids, missing) else { continue };
                let path = format!("{path}{}", query(&c.doc, template, &values, &mut c.problems));
                let res = client.get(url(&path)).send().unwrap();
                let status = res.status().as_u16();
                c.check(who, "get", template, &path, res);
                // Nothing by that id, or not for this role: never an answer with data.
                if missing && !matches!(status, 403 | 404) {
                    c.problems.push(format!("{who}: GET {path} answered {status} for an id no row has"));
                }
            }
        }

        // Every write of a JSON object: an empty one is refused with a described answer (422,
        // or 403/404 where the role or the object does not fit) and changes nothing.
        for template in &paths {
            for method in ["post", "put"] {
                let schema = &c.doc["paths"][template][method]["requestBody"]["content"]["application/json"]["schema"];
                let schema = match schema["$ref"].as_str() {
                    Some(reference) => c.doc.pointer(reference.trim_start_matches('#')).unwrap_or(&Value::Null),
                    None => schema,
                };
                if schema["required"].as_array().is_none_or(Vec::is_empty) {
                    continue;
                }
                // An object this role cannot name is tried by a missing id: still refused.
                let Some(path) = fill(template, &ids, false).or_else(|| fill(template, &ids, true)) else { continue };
                let req = if method == "post" { client.post(url(&path)) } else { client.put(url(&path)) };
                let res = req.json(&json!({})).send().unwrap();
                let status = res.status().as_u16();
                let body = c.check(who, method, template, &path, res);
                if !matches!(status, 403 | 404 | 422) {
                    c.problems.push(format!("{who}: {method} {path} with {{}} answered {status}: {body:?}"));
                }
            }
        }
    }
    // The data-subject report's groups of lists, with their days, are there to be checked:
    // the Region's lists above showed the person.
    let revisore = &roles[2].1;
    let path = format!("{BASE}/audit/accesses?cf={}", values["cf"]);
    let res = revisore.get(url(&path)).send().unwrap();
    let report = c.check("revisore", "get", "/api/v1/audit/accesses", &path, res).unwrap_or_default();
    assert!(report["lists"][0]["entries"][0].is_object(), "no list in the report: {report}");
    let never: Vec<&String> = paths
        .iter()
        .filter(|t| !c.doc["paths"][t.as_str()]["get"].is_null() && !c.succeeded.contains(&format!("GET {t}")))
        .collect();
    assert!(never.is_empty(), "reads never answered with success (no data for them here?): {never:?}");
    assert!(c.checked > 200, "only {} answers checked", c.checked);
    assert!(
        c.problems.is_empty(),
        "{} answers differ from the description:\n{}",
        c.problems.len(),
        c.problems.join("\n")
    );
}
