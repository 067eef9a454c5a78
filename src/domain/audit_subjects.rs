//! Whom an audit row concerns, read from the row as it is stored (object, action, detail), so
//! that every way of writing an event indexes the same people: the data-subject report and
//! the registro's search by codice fiscale read this index instead of the whole trail.
//!
//! A row is about a person when its object is `recipient:<id>`, when it is a refused attempt
//! at one of their pages, or when its detail names their codice fiscale (views record it as
//! `cf`, searches as `q`, changes as `cf` too). A list view names everyone it showed in
//! `shown` (recipient ids): those are "appeared in a list", indexed once per day and viewer.

use std::collections::BTreeSet;

use serde_json::Value;

use super::codice_fiscale::CodiceFiscale;

/// The key under which a list view's detail records the recipient ids it showed.
pub const SHOWN: &str = "shown";

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Subjects {
    /// Codici fiscali named in the detail (normalised).
    pub cfs: BTreeSet<String>,
    /// Recipients named by id (object, refused path); their codice fiscale is looked up.
    pub recipient_ids: BTreeSet<i64>,
}

impl Subjects {
    pub fn is_empty(&self) -> bool {
        self.cfs.is_empty() && self.recipient_ids.is_empty()
    }
}

/// The people a row is directly about (not those it merely listed).
pub fn direct(action: &str, object: Option<&str>, detail: &Value) -> Subjects {
    let mut s = Subjects::default();
    if let Some(id) = object.and_then(|o| o.strip_prefix("recipient:")).and_then(|id| id.parse().ok()) {
        s.recipient_ids.insert(id);
    }
    if action == "access.denied"
        && let Some(id) = detail.get("path").and_then(Value::as_str).and_then(recipient_in_path)
    {
        s.recipient_ids.insert(id);
    }
    collect_cfs(detail, &mut s.cfs);
    s
}

/// The recipient ids a list view showed.
pub fn shown(detail: &Value) -> Vec<i64> {
    detail
        .get(SHOWN)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

/// `/destinatari/<id>…` and `/api/v1/recipients/<id>…`: the person the refused page was about.
fn recipient_in_path(path: &str) -> Option<i64> {
    let rest = path.strip_prefix("/destinatari/").or_else(|| path.strip_prefix("/api/v1/recipients/"))?;
    rest.split(['/', '?']).next()?.parse().ok()
}

/// Every string in the detail that is a valid codice fiscale, except inside the certificate
/// summary of logins and refusals (the actor's own card) and the list of shown ids.
fn collect_cfs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) if s.len() == 16 => {
            if let Ok(cf) = CodiceFiscale::parse(s) {
                out.insert(cf.as_str().to_owned());
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_cfs(i, out)),
        Value::Object(map) => {
            for (k, v) in map {
                if k != "cert" && k != SHOWN {
                    collect_cfs(v, out);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_people_a_row_is_about() {
        let cf = "RSSMRA85T10A562S";
        let s = direct("recipient.view", Some("recipient:42"), &json!({ "cf": cf }));
        assert_eq!(s.recipient_ids.into_iter().collect::<Vec<_>>(), vec![42]);
        assert_eq!(s.cfs.into_iter().collect::<Vec<_>>(), vec![cf.to_owned()]);
        // A search for the codice fiscale (lower case as typed), nested values, not the card.
        let s = direct(
            "recipient.list",
            Some("provider:3"),
            &json!({ "q": "rssmra85t10a562s", "shown": [1, 2], "cert": { "cn": cf, "x": cf },
                     "dettagli": { "operatore_cf": "BNCMRA80A41D612I" } }),
        );
        assert_eq!(s.cfs.into_iter().collect::<Vec<_>>(), vec!["BNCMRA80A41D612I".to_owned(), cf.to_owned()]);
        assert!(s.recipient_ids.is_empty());
        // Not a codice fiscale: a wrong check letter, another length.
        assert!(direct("x", None, &json!({ "q": "RSSMRA85T10A562X", "r": "RSSMRA" })).is_empty());
        // A refused attempt at someone's pages names them by id.
        let s = direct("access.denied", None, &json!({ "path": "/destinatari/7/sap", "reason": "x" }));
        assert_eq!(s.recipient_ids.into_iter().collect::<Vec<_>>(), vec![7]);
        let s = direct("access.denied", None, &json!({ "path": "/api/v1/recipients/8?x=1" }));
        assert_eq!(s.recipient_ids.into_iter().collect::<Vec<_>>(), vec![8]);
        assert!(direct("access.denied", None, &json!({ "path": "/cruscotto" })).is_empty());
    }

    #[test]
    fn lists_name_what_they_showed() {
        assert_eq!(shown(&json!({ "shown": [3, 1, 2], "page": 0 })), vec![3, 1, 2]);
        assert!(shown(&json!({ "page": 0 })).is_empty());
    }
}
