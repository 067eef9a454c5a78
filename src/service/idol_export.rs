//! The feed to IDOL: the providers' section-6 records and the programme outcomes created or
//! changed since a moment (by default where the previous export ended), as one zip: a
//! `<lavoratore>` document per worker conforming to the national SAP schema (revision 009),
//! the same records as CSV, the outcomes in their own CSV (the schema has no place for them),
//! and a manifest. Remembered and audited in the same transaction, so a period is never skipped
//! nor silently repeated.
//!
//! A worker whose SAP lacks what the schema requires (sex, birth place, citizenship, domicile,
//! the CPI that owns the SAP...), or whose stored data breaks it, is **not sent broken**: the
//! manifest and the IDOL screen list them with the reason, and every following export tries
//! them again, from the period where they were first left out, until they go.

use serde_json::{Value, json};

use crate::access::AdminAuthority;
use crate::domain::audit_changes::IdolExported;
use crate::domain::audit_event::AuditEvent;
use crate::domain::feed::{FeedPolicy, FeedWorker};
use crate::domain::ids::{IdolExportId, RecipientId};
use crate::domain::sap::{DatiAnagrafici, DatiInvio, PoliticaAttiva, StatoInAnagrafe, UltimoEvento};
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, FieldError};
use crate::infra::clock::{format_iso, format_it, local_date};
use crate::infra::{idol_feed, sap_schema};
use crate::repo::codes::Labels;
use crate::repo::idol::{self, NewExport};
use crate::repo::{WriteTx, audit, codes};

/// A finished export.
#[derive(Debug, Clone)]
pub struct Export {
    pub zip: Vec<u8>,
    pub sha256: String,
    pub file_name: String,
    pub since: Timestamp,
    pub until: Timestamp,
    /// Workers sent (one document each).
    pub workers: usize,
    pub policies: usize,
    pub outcomes: usize,
    /// Workers left out, with the reasons.
    pub not_exportable: Vec<NotExportable>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NotExportable {
    pub codice_fiscale: String,
    pub motivi: Vec<String>,
}

/// What the feed sends for values the programme decides, not the SAP.
#[derive(Debug, Clone)]
pub struct FeedSettings {
    /// `datiinvio/tipovariazione` of the documents sent (`idol.tipo_variazione`).
    pub tipo_variazione: String,
    /// `titolo_progetto` of an action stored without one (`idol.titolo_progetto`).
    pub titolo_progetto: String,
}

impl Default for FeedSettings {
    fn default() -> Self {
        Self { tipo_variazione: "02".into(), titolo_progetto: "01".into() }
    }
}

fn some(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

/// A provider's stored action as a section-6 entry. Older actions stored without a description,
/// project or event description get what new ones get when recorded (see `service::actions`);
/// the profiling coefficient and presa in carico fall back on the latest SAP's.
pub fn politica(p: &FeedPolicy, labels: &Labels, settings: &FeedSettings, stato: &StatoInAnagrafe) -> PoliticaAttiva {
    let sap_profiling = stato.indice_profiling.clone().filter(|v| sap_schema::is_decimal(v));
    PoliticaAttiva {
        tipo_attivita: some(&p.tipo_attivita),
        titolo_denominazione: some(&p.titolo_denominazione),
        data_proposta: some(&p.data_proposta),
        data: p.data_inizio.clone(),
        data_fine: p.data_fine.clone(),
        durata: p.durata,
        tipologia_durata: p.tipologia_durata.clone(),
        descrizione: some(&p.descrizione).or_else(|| some(&labels.label("tipo_attivita", &p.tipo_attivita))),
        titolo_progetto: some(&p.titolo_progetto).or_else(|| some(&settings.titolo_progetto)),
        codice_ente_promotore: some(&p.codice_ente_promotore),
        identificativo_politica: some(&p.identificativo_politica).map(|i| i.to_ascii_uppercase()),
        indice_profiling: some(&p.indice_profiling).or(sap_profiling),
        identificativo_presa_in_carico: some(&p.identificativo_presa_in_carico),
        ultimo_evento: some(&p.evento).map(|evento| UltimoEvento {
            descrizione: some(&p.descrizione_evento).or_else(|| some(&labels.label("evento", &evento))),
            evento: Some(evento),
            data_evento: some(&p.data_evento),
        }),
        ..PoliticaAttiva::default()
    }
}

/// The sections a worker's document is built from: the latest SAP's, with the person's own
/// data where the SAP has none, and section 0 as of this export.
pub fn sections(w: &FeedWorker, today: &str, settings: &FeedSettings) -> (DatiInvio, DatiAnagrafici, StatoInAnagrafe) {
    let stored: Value = w.sections.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
    let part = |key: &str| stored.get(key).cloned().unwrap_or(Value::Null);
    let sap_invio: DatiInvio = serde_json::from_value(part("section0")).unwrap_or_default();
    let mut anagrafici: DatiAnagrafici = serde_json::from_value(part("section1")).unwrap_or_default();
    let stato: StatoInAnagrafe =
        serde_json::from_value(part("section2").get("stato_in_anagrafe").cloned().unwrap_or(Value::Null))
            .unwrap_or_default();
    let p = &mut anagrafici.dati_personali;
    p.codice_fiscale = w.codice_fiscale.clone();
    p.cognome = p.cognome.take().or_else(|| some(&w.cognome));
    p.nome = p.nome.take().or_else(|| some(&w.nome));
    p.sesso = p.sesso.take().or_else(|| w.sex.clone());
    p.data_nascita = p.data_nascita.take().or_else(|| w.birth_date.clone());
    // "Domicilio eletto (solo se diverso dalla residenza)": a SAP without one lives at its
    // residence, and the schema requires the domicile.
    if anagrafici.domicilio.is_none() {
        anagrafici.domicilio = anagrafici.residenza.clone();
    }
    let invio = DatiInvio {
        data_ultimo_aggiornamento: Some(today.to_owned()),
        identificativo_sap: sap_invio.identificativo_sap,
        codice_ente_titolare: sap_invio.codice_ente_titolare,
        tipo_variazione: some(&settings.tipo_variazione),
        data_nascita: anagrafici.dati_personali.data_nascita.clone(),
    };
    (invio, anagrafici, stato)
}

/// What the schema requires and the worker's data lacks, in Italian.
fn missing(has_sap: bool, invio: &DatiInvio, a: &DatiAnagrafici) -> Vec<String> {
    let mut out = Vec::new();
    if !has_sap {
        out.push("SAP non ancora ricevuta: servono i dati anagrafici che lo schema richiede".to_owned());
    }
    let p = &a.dati_personali;
    for (value, what) in [
        (&invio.codice_ente_titolare, "codice dell'ente titolare della SAP (codiceentetit)"),
        (&p.sesso, "sesso"),
        (&p.data_nascita, "data di nascita"),
        (&p.comune_nascita, "comune o stato estero di nascita"),
        (&p.cittadinanza, "cittadinanza"),
    ] {
        if value.is_none() {
            out.push(format!("manca {what}"));
        }
    }
    match &a.domicilio {
        None => out.push("manca il domicilio (né domicilio né residenza nella SAP)".to_owned()),
        Some(d) => {
            for (value, what) in [(&d.comune, "comune"), (&d.cap, "CAP"), (&d.indirizzo, "indirizzo")] {
                if value.is_none() {
                    out.push(format!("manca {what} del domicilio"));
                }
            }
        }
    }
    out
}

/// One worker's document, or why it cannot be sent.
pub fn document(
    w: &FeedWorker,
    policies: &[PoliticaAttiva],
    today: &str,
    settings: &FeedSettings,
) -> Result<Vec<u8>, Vec<String>> {
    let (invio, anagrafici, _) = sections(w, today, settings);
    let mut reasons = missing(w.sections.is_some(), &invio, &anagrafici);
    if reasons.is_empty() {
        let xml = idol_feed::lavoratore(&invio, &anagrafici, policies).map_err(|e| vec![format!("XML: {e}")])?;
        // Whatever breaks the schema is named, never cut to fit.
        reasons.extend(sap_schema::validate(&xml).into_iter().map(|f| format!("{}: {}", f.path, f.reason)));
        if reasons.is_empty() {
            return Ok(xml);
        }
    }
    Err(reasons)
}

/// The name an export's zip is given, from when it was made.
pub fn file_name(at: Timestamp) -> String {
    let stamp = format_it(at).replace(['/', ' ', ':'], "");
    format!("idol_{stamp}.zip")
}

/// What asking for a past export's file finds.
pub enum PastFile {
    /// The zip, checked against the SHA-256 recorded when it was made, and its name.
    Zip { zip: Vec<u8>, sha256: String, file_name: String },
    /// Made before the files were kept.
    NotKept,
}

/// A past export's zip, or None when there is no such export. Bytes that no longer match
/// the recorded SHA-256 are never served: an internal error.
pub fn past_file(conn: &rusqlite::Connection, export: IdolExportId) -> Result<Option<PastFile>, AppError> {
    let Some(stored) = idol::file(conn, export)? else { return Ok(None) };
    let Some(zip) = stored.zip else { return Ok(Some(PastFile::NotKept)) };
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&zip));
    if sha256 != stored.sha256 {
        return Err(AppError::unexpected("the stored IDOL export zip does not match its recorded SHA-256"));
    }
    Ok(Some(PastFile::Zip { zip, sha256, file_name: file_name(stored.at) }))
}

/// Exports what changed in [since, now). `since` None: from the end of the last export.
/// Exact only because every change that feeds IDOL (actions, events, outcomes) and this
/// export take `now` inside their write transaction: under the single write lock, a commit
/// after this one carries a time >= `now` and falls in the next export.
pub fn export(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    since: Option<Timestamp>,
    settings: &FeedSettings,
) -> Result<Export, AppError> {
    let since = match since {
        Some(s) => s,
        None => idol::last_until(tx.conn())?.unwrap_or(Timestamp::EPOCH),
    };
    if since >= now {
        return Err(AppError::Invalid(vec![FieldError {
            field: "dal".into(),
            message: "la data di inizio deve essere nel passato".into(),
        }]));
    }
    let labels = codes::labels(tx.conn())?;
    let today = crate::domain::text::iso(local_date(now));
    let rows = idol::policies(tx.conn(), since, now)?;
    let outcomes = idol::outcomes(tx.conn(), since, now)?;

    // Rows come ordered by codice fiscale: one document per run of the same worker.
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut sent: Vec<(String, PoliticaAttiva)> = Vec::new();
    let mut not_exportable = Vec::new();
    let mut left_out: Vec<(RecipientId, Vec<String>)> = Vec::new();
    let mut sent_ids = Vec::new();
    for group in rows.chunk_by(|a, b| a.recipient_id == b.recipient_id) {
        let Some(first) = group.first() else { continue };
        let Some(worker) = idol::worker(tx.conn(), first.recipient_id)? else { continue };
        let (_, _, stato) = sections(&worker, &today, settings);
        let policies: Vec<PoliticaAttiva> = group.iter().map(|p| politica(p, &labels, settings, &stato)).collect();
        match document(&worker, &policies, &today, settings) {
            Ok(xml) => {
                files.push((format!("lavoratori/{}.xml", worker.codice_fiscale), xml));
                sent.extend(policies.into_iter().map(|p| (worker.codice_fiscale.clone(), p)));
                sent_ids.push(worker.recipient_id);
            }
            Err(motivi) => {
                left_out.push((worker.recipient_id, motivi.clone()));
                not_exportable.push(NotExportable { codice_fiscale: worker.codice_fiscale.clone(), motivi });
            }
        }
    }
    let workers = files.len();
    let policies_csv = idol_feed::policies_csv(&sent.iter().map(|(cf, p)| (cf.as_str(), p)).collect::<Vec<_>>())
        .map_err(AppError::internal)?;
    let outcomes_csv = idol_feed::outcomes_csv(&outcomes).map_err(AppError::internal)?;
    files.push(("politiche_attive.csv".into(), policies_csv));
    files.push(("esiti_assegno.csv".into(), outcomes_csv));
    let manifest = json!({
        "formato": "ricolloca-idol/2",
        "schema": "SAP nazionale, revisione 009 (novembre 2017): un documento <lavoratore> per lavoratore",
        "versione_programma": env!("CARGO_PKG_VERSION"),
        "generato_il": format_iso(now),
        "generato_da": who.label(),
        "dal": format_iso(since),
        "al": format_iso(now),
        "lavoratori": workers,
        "politiche": sent.len(),
        "esiti": outcomes.len(),
        "non_esportabili": not_exportable,
    });
    let named: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let zip = idol_feed::zip(&named, manifest).map_err(AppError::internal)?;
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&zip));
    let id = idol::insert(
        tx,
        &NewExport {
            at: now,
            by_label: who.label(),
            since,
            until: now,
            workers: workers as i64,
            policies: sent.len() as i64,
            outcomes: outcomes.len() as i64,
            sha256: &sha256,
        },
    )?;
    // Kept with the record, so that the same file can be downloaded again.
    idol::insert_file(tx, id, &zip)?;
    for (recipient, motivi) in &left_out {
        let reasons = serde_json::to_string(motivi).unwrap_or_else(|_| "[]".into());
        idol::keep_pending(tx, *recipient, since, &reasons, now)?;
    }
    for recipient in &sent_ids {
        idol::clear_pending(tx, *recipient)?;
    }
    let exported = IdolExported {
        export: id,
        since,
        until: now,
        workers,
        policies: sent.len(),
        outcomes: outcomes.len(),
        not_exportable: not_exportable.len(),
        sha256: &sha256,
    };
    audit::append(tx, now, who.actor(), &AuditEvent::of_change(&exported).map_err(AppError::internal)?)?;
    Ok(Export {
        zip,
        sha256,
        file_name: file_name(now),
        since,
        until: now,
        workers,
        policies: sent.len(),
        outcomes: outcomes.len(),
        not_exportable,
    })
}
