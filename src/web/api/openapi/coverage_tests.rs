//! The description covers the API as mounted: every route of the built Rocket instance under
//! `/api/v1` is in `openapi.json` with its method, and nothing is described that is not mounted.

use std::collections::BTreeSet;

use super::{BASE, description};

/// `/api/v1/recipients/<id>?<q>` as OpenAPI writes it: `/api/v1/recipients/{id}`.
fn openapi_template(rocket_uri: &str) -> String {
    let path = rocket_uri.split('?').next().unwrap_or_default();
    path.split('/')
        .map(|segment| match segment.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
            Some(name) => format!("{{{}}}", name.trim_end_matches("..")),
            None => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn described() -> BTreeSet<(String, String)> {
    let json = serde_json::to_value(description()).unwrap();
    let mut out = BTreeSet::new();
    for (path, item) in json["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
            if item.get(method).is_some() {
                out.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[rocket::async_test]
async fn every_mounted_api_route_is_described_with_its_method() {
    let dir = tempfile::tempdir().unwrap();
    let client = crate::web::route_tests::client(dir.path()).await;
    let mounted: BTreeSet<(String, String)> = client
        .rocket()
        .routes()
        .filter(|r| r.uri.path().starts_with(&format!("{BASE}/")))
        .map(|r| (r.method.as_str().to_owned(), openapi_template(&r.uri.to_string())))
        .collect();
    assert!(mounted.len() > 40, "the API routes were not found: {mounted:?}");
    let described = described();
    let missing: Vec<_> = mounted.difference(&described).collect();
    assert!(missing.is_empty(), "mounted under {BASE} but not described (or with another method): {missing:?}");
    let extra: Vec<_> = described.difference(&mounted).collect();
    assert!(extra.is_empty(), "described but not mounted: {extra:?}");
}

#[test]
fn templates_follow_openapi() {
    assert_eq!(openapi_template("/api/v1/recipients/<id>/actions?<page>"), "/api/v1/recipients/{id}/actions");
    assert_eq!(openapi_template("/api/v1/me"), "/api/v1/me");
    assert_eq!(openapi_template("/static/<path..>"), "/static/{path}");
}

/// Every path parameter in a template is declared, with a description, and vice versa.
#[test]
fn path_parameters_match_the_templates() {
    let json = serde_json::to_value(description()).unwrap();
    for (path, item) in json["paths"].as_object().unwrap() {
        let in_template: BTreeSet<String> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_owned)
            .collect();
        for (method, op) in item.as_object().unwrap() {
            let declared: BTreeSet<String> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter().filter(|p| p["in"] == "path").map(|p| p["name"].as_str().unwrap().to_owned()).collect()
                })
                .unwrap_or_default();
            assert_eq!(in_template, declared, "{method} {path}");
        }
    }
}

#[test]
fn the_shared_shapes_are_there() {
    let json = serde_json::to_value(description()).unwrap();
    assert_eq!(json["openapi"].as_str().unwrap().get(..4), Some("3.1."));
    assert_eq!(json["components"]["securitySchemes"]["cns"]["type"], "mutualTLS");
    assert_eq!(json["security"][0]["cns"], serde_json::json!([]));
    let schemas = &json["components"]["schemas"];
    // The 422 body and its per-field errors.
    assert!(schemas["Errore"]["properties"]["errors"].is_object());
    assert!(schemas["ErroreCampo"]["properties"]["field"].is_object());
    // Each action type's dettagli, from the rules' own table.
    for (tipo, field) in
        [("A06", "operatore_cf"), ("B03", "argomenti"), ("C06", "azienda_cf"), ("C07", "certificazione")]
    {
        let d = &schemas[format!("Dettagli{tipo}").as_str()];
        assert!(d["properties"][field]["description"].is_string(), "{tipo}: {d}");
        assert_eq!(d["additionalProperties"], false, "{tipo}");
    }
    let dettagli = &schemas["ActionRequest"]["properties"]["dettagli"]["oneOf"];
    assert_eq!(dettagli.as_array().map(Vec::len), Some(4), "{dettagli}");
    // A multipart upload with its header.
    let upload = &json["paths"]["/api/v1/providers/{id}/communications"]["post"];
    assert!(upload["requestBody"]["content"]["multipart/form-data"].is_object());
    assert!(
        upload["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "X-Ricolloca-Client" && p["in"] == "header")
    );
    // Lists answer the paging envelope and take per_page up to 200.
    let list = &json["paths"]["/api/v1/providers"]["get"];
    let per_page = list["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "per_page").unwrap();
    assert_eq!(per_page["schema"]["maximum"], 200);
    // Every operation may answer 401 and 403, and has its own id.
    let mut ids = BTreeSet::new();
    for (path, item) in json["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for code in ["401", "403"] {
                assert!(op["responses"][code].is_object(), "{method} {path} lacks {code}");
            }
            assert!(op["description"].is_string(), "{method} {path} has no description");
            // The gate refuses a write without an allowed content type: each one says so.
            if method != "get" {
                assert!(op["requestBody"].is_object() && op["responses"]["415"].is_object(), "{method} {path}");
            }
            assert!(
                ids.insert(op["operationId"].as_str().unwrap().to_owned()),
                "{method} {path}: operationId repeated"
            );
        }
    }
}

/// Every error an operation documents carries its body (`Errore`), as the answers do; and an
/// operation documents no 404 it cannot give.
#[test]
fn every_error_answer_is_described_with_its_body() {
    let json = serde_json::to_value(description()).unwrap();
    for (path, item) in json["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (code, answer) in op["responses"].as_object().unwrap() {
                if code.starts_with('4') || code.starts_with('5') {
                    let schema = &answer["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/Errore", "{method} {path} {code}: {answer}");
                }
            }
        }
    }
    // A Region's own act has no provider to be missing.
    let internal = &json["paths"]["/api/v1/communications"]["post"]["responses"];
    assert!(internal.get("404").is_none(), "{internal}");
    let file = &json["paths"]["/api/v1/idol/exports/{id}/file"]["get"]["responses"]["404"];
    assert_eq!(file["description"], "Esportazione inesistente");
}
