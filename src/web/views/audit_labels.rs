//! The audit trail in words. Every action code the code can write has an Italian label (for
//! the auditor's registro) and a plain sentence (for the letter to a citizen who asked who saw
//! their data); refusal reasons, object kinds, outcomes and roles have labels too. A test fails
//! when an action code or an object kind has none, and another when the manual's event
//! catalogue (`assets/manual/60-registro.md`) does not list an action with these words.

use crate::domain::operator::Refusal;
use crate::domain::role::Role;
use crate::repo::audit_search::AuditLine;

/// An action code, its label in the registro and what the actor did, said to the person the
/// data is about ("ha consultato la Sua scheda").
pub struct ActionWords {
    pub code: &'static str,
    pub label: &'static str,
    pub done: &'static str,
}

const fn words(code: &'static str, label: &'static str, done: &'static str) -> ActionWords {
    ActionWords { code, label, done }
}

/// Every action, in the order of the registro's catalogue: access, people's data, the
/// providers' work, the Region's administration, the trail itself, operations.
pub const ACTIONS: &[ActionWords] = &[
    words("access.login", "accesso (primo del giorno)", "ha effettuato l'accesso al servizio"),
    words("access.denied", "tentativo respinto", "ha tentato di aprire i Suoi dati, ma l'accesso è stato negato"),
    words(
        "operator.deactivate_idle",
        "utenza disattivata per inattività",
        "ha avuto l'utenza disattivata per inattività",
    ),
    // People's data.
    words(
        "recipient.list",
        "elenco o ricerca delle persone",
        "ha visto il Suo nominativo in un elenco o in una ricerca",
    ),
    words(
        "recipient.view",
        "consultazione della scheda della persona",
        "ha consultato la Sua scheda (dati anagrafici e assegno)",
    ),
    words("sap.view", "consultazione della SAP", "ha consultato la Sua Scheda Anagrafica Professionale (SAP)"),
    words(
        "import.sap",
        "importazione della SAP",
        "ha caricato la Sua Scheda Anagrafica Professionale (SAP) ricevuta dal sistema nazionale",
    ),
    words(
        "import.assignments",
        "importazione delle assegnazioni",
        "ha registrato il Suo assegno e il soggetto accreditato che ha scelto",
    ),
    words("sap.remap", "rilettura delle SAP archiviate", "ha riletto le SAP archiviate con le regole aggiornate"),
    words(
        "programme.view",
        "consultazione del programma di ricerca intensiva",
        "ha consultato il Suo programma di ricerca intensiva",
    ),
    words(
        "programme.update",
        "modifica del programma di ricerca intensiva",
        "ha modificato il Suo programma di ricerca intensiva",
    ),
    words("programme.outcome", "registrazione dell'esito del programma", "ha registrato l'esito del Suo programma"),
    words("outcome.view", "consultazione dell'esito del programma", "ha consultato l'esito del Suo programma"),
    words(
        "outcome.report",
        "consultazione del prospetto degli esiti",
        "ha consultato il prospetto degli esiti dei programmi",
    ),
    words(
        "action.list",
        "consultazione delle azioni di politica attiva",
        "ha consultato l'elenco delle Sue attività di politica attiva",
    ),
    words(
        "action.view",
        "consultazione di un'azione di politica attiva",
        "ha consultato un'attività di politica attiva che La riguarda",
    ),
    words(
        "action.create",
        "registrazione di un'azione di politica attiva",
        "ha registrato un'attività di politica attiva che La riguarda",
    ),
    words(
        "action.event",
        "registrazione di un evento di un'azione",
        "ha aggiornato lo stato di un'attività di politica attiva che La riguarda",
    ),
    words(
        "action.correct",
        "correzione di un'azione",
        "ha corretto i dati di un'attività di politica attiva che La riguarda",
    ),
    words(
        "document.upload",
        "caricamento di un documento",
        "ha caricato un documento che La riguarda (ad esempio il programma firmato)",
    ),
    words(
        "communication.list",
        "comunicazioni scritte consultate",
        "ha consultato l'elenco delle comunicazioni scritte di un soggetto accreditato",
    ),
    words(
        "document.download",
        "documento scaricato",
        "ha scaricato un documento che La riguarda (ad esempio il programma firmato)",
    ),
    words("agenda.view", "consultazione dell'agenda degli appuntamenti", "ha visto i Suoi appuntamenti nell'agenda"),
    words(
        "agenda.report",
        "consultazione delle segnalazioni al CPI",
        "ha consultato le segnalazioni al Centro per l'impiego",
    ),
    words("appointment.create", "registrazione di un appuntamento", "ha fissato un appuntamento con Lei"),
    words(
        "appointment.outcome",
        "registrazione dell'esito di un appuntamento",
        "ha registrato l'esito di un Suo appuntamento (presenza, assenza o rifiuto)",
    ),
    words("idol.export", "esportazione verso IDOL", "ha trasmesso i Suoi dati alla banca dati nazionale (IDOL)"),
    words(
        "idol.list",
        "consultazione delle esportazioni verso IDOL",
        "ha consultato le trasmissioni alla banca dati nazionale (IDOL)",
    ),
    words(
        "idol.download",
        "esportazione verso IDOL scaricata di nuovo",
        "ha scaricato di nuovo una trasmissione alla banca dati nazionale (IDOL) che contiene i Suoi dati",
    ),
    // The Region's administration.
    words(
        "provider.list",
        "consultazione dell'elenco dei soggetti accreditati",
        "ha consultato l'elenco dei soggetti accreditati",
    ),
    words(
        "provider.view",
        "consultazione della scheda di un soggetto accreditato",
        "ha consultato la scheda di un soggetto accreditato",
    ),
    words("provider.create", "registrazione di un soggetto accreditato", "ha registrato un soggetto accreditato"),
    words("provider.update", "modifica di un soggetto accreditato", "ha modificato i dati di un soggetto accreditato"),
    words("provider.suspend", "sospensione di un soggetto accreditato", "ha sospeso un soggetto accreditato"),
    words("provider.reactivate", "riattivazione di un soggetto accreditato", "ha riattivato un soggetto accreditato"),
    words("sede.create", "registrazione di una sede", "ha registrato una sede di un soggetto accreditato"),
    words("sede.update", "modifica di una sede", "ha modificato una sede di un soggetto accreditato"),
    words(
        "communication.create",
        "registrazione di una comunicazione scritta",
        "ha registrato una comunicazione scritta",
    ),
    words("operator.list", "consultazione dell'elenco degli operatori", "ha consultato l'elenco degli operatori"),
    words("operator.view", "consultazione della scheda di un operatore", "ha consultato la scheda di un operatore"),
    words("operator.create", "abilitazione di un nuovo operatore", "ha abilitato un nuovo operatore"),
    words("operator.update", "modifica dei dati di un operatore", "ha modificato i dati di un operatore"),
    words("operator.disable", "disabilitazione di un operatore", "ha disabilitato un operatore"),
    words("operator.enable", "riabilitazione di un operatore", "ha riabilitato un operatore"),
    words(
        "operator.exemption",
        "esenzione dalla disattivazione per inattività",
        "ha modificato l'esenzione di un'utenza dalla disattivazione per inattività",
    ),
    words(
        "operator.review",
        "revisione annuale di un'autorizzazione",
        "ha confermato un'autorizzazione nella revisione annuale",
    ),
    words("inactivity.view", "consultazione delle utenze inattive", "ha consultato l'elenco delle utenze inattive"),
    words(
        "review.view",
        "consultazione della revisione annuale",
        "ha consultato la revisione annuale delle autorizzazioni",
    ),
    words(
        "review.export",
        "esportazione della revisione annuale",
        "ha esportato la revisione annuale delle autorizzazioni",
    ),
    words("codes.import", "importazione delle tabelle dei codici", "ha aggiornato le tabelle dei codici"),
    words("anomaly.list", "consultazione delle anomalie", "ha consultato le anomalie segnalate"),
    words("anomaly.detect", "anomalia rilevata", "ha segnalato un'anomalia nell'uso del servizio"),
    words("anomaly.suspend", "sospensione per anomalia", "ha disposto una sospensione per un'anomalia"),
    words("anomaly.archive", "archiviazione di un'anomalia", "ha archiviato un'anomalia"),
    // The trail itself.
    words(
        "notice.acknowledge",
        "presa visione dell'informativa",
        "ha confermato di aver letto l'informativa sul tracciamento",
    ),
    words("audit.search", "consultazione del registro", "ha consultato il registro degli accessi"),
    words("audit.export", "esportazione del registro", "ha esportato righe del registro degli accessi"),
    words(
        "audit.subject_report",
        "prospetto degli accessi a un interessato",
        "ha prodotto il prospetto degli accessi ai dati di una persona",
    ),
    words(
        "audit.subject_export",
        "esportazione degli accessi a un interessato",
        "ha esportato il prospetto degli accessi ai dati di una persona",
    ),
    words(
        "audit.activity",
        "consultazione dell'attività periodica",
        "ha consultato l'attività mensile degli operatori",
    ),
    words(
        "audit.activity_export",
        "esportazione dell'attività periodica",
        "ha esportato l'attività mensile degli operatori",
    ),
    words(
        "audit.prune",
        "cancellazione delle righe oltre la conservazione",
        "ha cancellato le righe del registro oltre il periodo di conservazione",
    ),
    // Operations.
    words("backup.create", "copia di sicurezza del file dati", "ha eseguito una copia di sicurezza dei dati"),
    words("backup.download", "scaricamento di una copia di sicurezza", "ha scaricato una copia di sicurezza dei dati"),
    words("backup.restore", "ripristino da una copia di sicurezza", "ha ripristinato i dati da una copia di sicurezza"),
    words("config.reload", "rilettura della configurazione", "ha fatto rileggere la configurazione del servizio"),
    words(
        "identificativo.resync",
        "riallineamento dell'identificativo politica",
        "ha riallineato la numerazione degli identificativi politica",
    ),
];

fn find(code: &str) -> Option<&'static ActionWords> {
    ACTIONS.iter().find(|a| a.code == code)
}

/// What an action means, for the auditor; an unknown code (from a newer version) shows as is.
pub fn action_label(code: &str) -> &str {
    find(code).map_or(code, |a| a.label)
}

/// What the actor did, said to the person the data is about.
pub fn action_done(code: &str) -> String {
    find(code).map_or_else(|| format!("ha eseguito l'operazione «{code}»"), |a| a.done.to_owned())
}

pub fn outcome_label(outcome: &str) -> &str {
    match outcome {
        "ok" => "eseguito",
        "denied" => "negato",
        "error" => "errore",
        other => other,
    }
}

/// The reason stored in an `access.denied` row, in words.
pub fn refusal_label(code: &str) -> &str {
    match Refusal::from_code(code) {
        Some(r) => r.label(),
        None => code,
    }
}

/// The profile stored with a row (`operatore`, `regione`, …), in words.
pub fn role_label(code: &str) -> &str {
    match code.parse::<Role>() {
        Ok(r) => r.label(),
        Err(_) => code,
    }
}

/// Object kinds (`kind:id` in the `object` column, or a bare name), in words.
pub const OBJECT_KINDS: &[(&str, &str)] = &[
    ("recipient", "persona"),
    ("provider", "soggetto accreditato"),
    ("operator", "operatore"),
    ("op", "operatore"),
    ("sede", "sede"),
    ("communication", "comunicazione scritta"),
    ("appointment", "appuntamento"),
    ("anomaly", "anomalia"),
    ("backup", "copia di sicurezza"),
    ("idol_export", "esportazione IDOL"),
    ("file", "file"),
    ("cert", "carta (impronta del certificato)"),
    ("cf", "codice fiscale"),
    ("code_list", "tabelle dei codici"),
    ("config", "configurazione del servizio"),
    ("audit_log", "registro degli accessi"),
    ("sap_version", "SAP archiviate"),
    ("identificativo_politica", "numerazione degli identificativi politica"),
];

/// "persona n. 3", "copia di sicurezza «ricolloca-….bak»", "configurazione del servizio".
pub fn object_label(object: &str) -> String {
    let (kind, id) = object.split_once(':').unwrap_or((object, ""));
    let Some((_, noun)) = OBJECT_KINDS.iter().find(|(k, _)| *k == kind) else { return object.to_owned() };
    match id {
        "" => (*noun).to_owned(),
        id if id.bytes().all(|b| b.is_ascii_digit()) => format!("{noun} n. {id}"),
        id => format!("{noun} «{id}»"),
    }
}

/// The facts of a row's detail the registro shows under the action, in Italian: why it was
/// refused and what was asked, whose data, what was searched, through which channel.
pub fn detail_summary(line: &AuditLine) -> String {
    let Ok(detail) = serde_json::from_str::<serde_json::Value>(&line.detail) else { return String::new() };
    let text = |key: &str| detail.get(key).and_then(|v| v.as_str()).filter(|v| !v.is_empty());
    let mut parts = Vec::new();
    if let Some(reason) = text("reason") {
        parts.push(format!("motivo: {}", refusal_label(reason)));
    }
    if let Some(path) = text("path") {
        parts.push(format!("pagina richiesta: {path}"));
    }
    if let Some(cf) = text("cf") {
        parts.push(format!("persona: {cf}"));
    }
    if let Some(q) = text("q") {
        parts.push(format!("ricerca: «{q}»"));
    }
    if text("via") == Some("api") {
        parts.push("tramite l'API".to_owned());
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::domain::audit_event::all_actions;

    #[test]
    fn every_action_the_code_can_write_has_words() {
        let missing: Vec<&str> = all_actions().into_iter().filter(|a| find(a).is_none()).collect();
        assert!(missing.is_empty(), "action codes without an Italian label: {missing:?}");
        // And the table names no action that does not exist (a renamed code leaves no ghost).
        let known: BTreeSet<&str> = all_actions().into_iter().collect();
        let ghosts: Vec<&str> = ACTIONS.iter().map(|a| a.code).filter(|c| !known.contains(c)).collect();
        assert!(ghosts.is_empty(), "labels for actions the code never writes: {ghosts:?}");
        let mut codes: Vec<&str> = ACTIONS.iter().map(|a| a.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ACTIONS.len(), "an action is listed twice");
    }

    #[test]
    fn the_catalogue_names_the_actions_events_write() {
        use crate::domain::audit_event::AuditEvent;
        let events = [
            AuditEvent::Login { cert: serde_json::json!({}) },
            AuditEvent::denied(Refusal::WrongRole, "GET", "/", None),
            AuditEvent::OperatorIdleDeactivated {
                operator: crate::domain::ids::OperatorId::try_from(1).unwrap(),
                idle_since_ms: 0,
                inactivity_months: 6,
            },
        ];
        for e in events {
            assert!(all_actions().contains(&e.action()), "{} is missing from all_actions()", e.action());
        }
    }

    #[test]
    fn the_manual_catalogue_lists_every_action_with_its_label() {
        let manual =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/manual/60-registro.md")).unwrap();
        for code in crate::domain::audit_event::all_actions() {
            let row = format!("| `{code}` | {} |", action_label(code));
            assert!(manual.lines().any(|l| l.starts_with(&row)), "the manual's catalogue lacks {row}");
        }
        let rows = manual.lines().filter(|l| l.starts_with("| `")).count();
        assert_eq!(
            rows,
            crate::domain::audit_event::all_actions().len(),
            "the catalogue lists actions the code does not write"
        );
    }

    #[test]
    fn every_refusal_and_role_has_a_label() {
        for r in Refusal::ALL {
            assert_ne!(refusal_label(r.code()), r.code(), "{r:?}");
        }
        for r in Role::ALL {
            assert_ne!(role_label(r.code()), r.code(), "{r:?}");
        }
    }

    /// Objects are still strings: scan the sources for the kinds written as `kind:{id}` or
    /// as bare object names, and require a label for each.
    #[test]
    fn every_object_kind_the_code_writes_has_a_label() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut kinds = BTreeSet::new();
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let name = path.to_string_lossy().into_owned();
                if !name.ends_with(".rs") || name.contains("test") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for (i, _) in text.match_indices(":{") {
                    let before = &text[..i];
                    let Some(quote) = before.rfind('"') else { continue };
                    let kind = &before[quote + 1..];
                    if !kind.is_empty() && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                        kinds.insert(kind.to_owned());
                    }
                }
                for literal in text.split("object: \"").skip(1) {
                    kinds.insert(literal.split('"').next().unwrap().to_owned());
                }
            }
        }
        // `data:{mime};base64,…` in the manual is a URL, not an object.
        kinds.remove("data");
        kinds.insert(crate::service::identificativo::SEQUENCE.to_owned());
        assert!(kinds.contains("recipient") && kinds.contains("backup"), "the scan found nothing: {kinds:?}");
        let missing: Vec<&String> =
            kinds.iter().filter(|k| !OBJECT_KINDS.iter().any(|(known, _)| known == k)).collect();
        assert!(missing.is_empty(), "object kinds without an Italian label: {missing:?}");
    }

    #[test]
    fn objects_and_details_read_in_italian() {
        assert_eq!(object_label("recipient:3"), "persona n. 3");
        assert_eq!(object_label("backup:ricolloca-1.bak"), "copia di sicurezza «ricolloca-1.bak»");
        assert_eq!(object_label("config"), "configurazione del servizio");
        assert_eq!(object_label("martian:1"), "martian:1");
        let line = AuditLine {
            seq: 1,
            ts: crate::domain::timestamp::Timestamp::EPOCH,
            actor_id: None,
            actor_cf: "X".into(),
            actor_name: None,
            actor_role: None,
            provider_id: None,
            provider_name: None,
            cert_sha256: None,
            client_ip: None,
            action: "access.denied".into(),
            object: None,
            outcome: "denied".into(),
            detail: r#"{"reason":"foreign_or_unknown_object","path":"/destinatari/9","method":"GET"}"#.into(),
        };
        let summary = detail_summary(&line);
        assert!(summary.starts_with("motivo: dati non accessibili"), "{summary}");
        assert!(summary.contains("pagina richiesta: /destinatari/9"), "{summary}");
        assert!(!summary.contains("foreign_or_unknown_object"), "{summary}");
    }
}
