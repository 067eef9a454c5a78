//! The files of the feed to IDOL: section-6 records in the SAP XML `politiche_attive`
//! layout grouped per worker, the same as CSV, the programme outcomes, and a zip holding
//! them with a manifest. Formats only: what goes in is decided by the service.

use std::collections::BTreeMap;
use std::io::Write;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::domain::feed::{FeedOutcome, FeedPolicy};
use crate::infra::spreadsheet_csv::SpreadsheetCsv;

type XmlResult = Result<(), quick_xml::Error>;

fn element<W: Write>(w: &mut Writer<W>, name: &str, text: &str) -> XmlResult {
    if text.is_empty() {
        return Ok(());
    }
    w.write_event(Event::Start(BytesStart::new(name)))?;
    w.write_event(Event::Text(BytesText::new(text)))?;
    w.write_event(Event::End(BytesEnd::new(name)))?;
    Ok(())
}

fn open<W: Write>(w: &mut Writer<W>, name: &str) -> XmlResult {
    w.write_event(Event::Start(BytesStart::new(name)))?;
    Ok(())
}

fn close<W: Write>(w: &mut Writer<W>, name: &str) -> XmlResult {
    w.write_event(Event::End(BytesEnd::new(name)))?;
    Ok(())
}

fn policy<W: Write>(w: &mut Writer<W>, p: &FeedPolicy) -> XmlResult {
    open(w, "politiche_attive")?;
    element(w, "tipo_attivita", &p.tipo_attivita)?;
    element(w, "titolo_denominazione", &p.titolo_denominazione)?;
    element(w, "data_proposta", &p.data_proposta)?;
    element(w, "data", p.data_inizio.as_deref().unwrap_or_default())?;
    element(w, "data_fine", p.data_fine.as_deref().unwrap_or_default())?;
    element(w, "durata", &p.durata.map(|d| d.to_string()).unwrap_or_default())?;
    element(w, "tipologia_durata", p.tipologia_durata.as_deref().unwrap_or_default())?;
    element(w, "descrizione", &p.descrizione)?;
    element(w, "titolo_progetto", &p.titolo_progetto)?;
    element(w, "codice_ente_promotore", &p.codice_ente_promotore)?;
    element(w, "identificativo_politica", &p.identificativo_politica)?;
    element(w, "indice_profiling", &p.indice_profiling)?;
    open(w, "ultimo_evento")?;
    element(w, "evento", &p.evento)?;
    element(w, "data_evento", &p.data_evento)?;
    close(w, "ultimo_evento")?;
    close(w, "politiche_attive")
}

/// The outcome is not part of the national section 6: `esito_assegno` is this system's
/// extension, documented in the manual, placed after the national elements.
fn outcome<W: Write>(w: &mut Writer<W>, o: &FeedOutcome) -> XmlResult {
    open(w, "esito_assegno")?;
    element(w, "codice_assegno", &o.voucher)?;
    element(w, "codice_ente_promotore", &o.provider_cf)?;
    element(w, "esito", &o.kind)?;
    element(w, "data_evento", &o.event_date)?;
    element(w, "datore_codice_fiscale", &o.employer_cf)?;
    element(w, "datore_denominazione", &o.employer_name)?;
    element(w, "tipo_contratto", o.contract.as_deref().unwrap_or_default())?;
    element(w, "durata_mesi", &o.contract_months.map(|m| m.to_string()).unwrap_or_default())?;
    element(w, "data_ripresa", o.resume_on.as_deref().unwrap_or_default())?;
    close(w, "esito_assegno")
}

/// `<lavoratori>` with one `<lavoratore>` per codice fiscale (both lists sorted by it).
pub fn xml(policies: &[FeedPolicy], outcomes: &[FeedOutcome]) -> Result<Vec<u8>, quick_xml::Error> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    open(&mut w, "lavoratori")?;
    // One pass to group both lists per worker (a full export holds every record).
    let mut workers: BTreeMap<&str, (Vec<&FeedPolicy>, Vec<&FeedOutcome>)> = BTreeMap::new();
    for p in policies {
        workers.entry(p.codice_fiscale.as_str()).or_default().0.push(p);
    }
    for o in outcomes {
        workers.entry(o.codice_fiscale.as_str()).or_default().1.push(o);
    }
    for (cf, (mine, ends)) in workers {
        open(&mut w, "lavoratore")?;
        open(&mut w, "datianagrafici")?;
        open(&mut w, "datipersonali")?;
        element(&mut w, "codicefiscale", cf)?;
        if let Some(p) = mine.first() {
            element(&mut w, "cognome", &p.cognome)?;
            element(&mut w, "nome", &p.nome)?;
        }
        close(&mut w, "datipersonali")?;
        close(&mut w, "datianagrafici")?;
        if !mine.is_empty() {
            open(&mut w, "politiche_attive_lst")?;
            for p in mine {
                policy(&mut w, p)?;
            }
            close(&mut w, "politiche_attive_lst")?;
        }
        if !ends.is_empty() {
            open(&mut w, "esiti_assegno_lst")?;
            for o in ends {
                outcome(&mut w, o)?;
            }
            close(&mut w, "esiti_assegno_lst")?;
        }
        close(&mut w, "lavoratore")?;
    }
    close(&mut w, "lavoratori")?;
    Ok(w.into_inner())
}

pub const POLICY_COLUMNS: &[&str] = &[
    "codice_fiscale",
    "tipo_attivita",
    "titolo_denominazione",
    "data_proposta",
    "data",
    "data_fine",
    "durata",
    "tipologia_durata",
    "descrizione",
    "titolo_progetto",
    "codice_ente_promotore",
    "identificativo_politica",
    "indice_profiling",
    "evento",
    "data_evento",
];

/// CSV for spreadsheets: `;`-separated (what Italian Excel opens), UTF-8 with BOM.
pub fn policies_csv(policies: &[FeedPolicy]) -> Result<Vec<u8>, csv::Error> {
    let mut w = SpreadsheetCsv::with_bom();
    w.row(POLICY_COLUMNS)?;
    for p in policies {
        w.row([
            p.codice_fiscale.as_str(),
            &p.tipo_attivita,
            &p.titolo_denominazione,
            &p.data_proposta,
            p.data_inizio.as_deref().unwrap_or_default(),
            p.data_fine.as_deref().unwrap_or_default(),
            &p.durata.map(|d| d.to_string()).unwrap_or_default(),
            p.tipologia_durata.as_deref().unwrap_or_default(),
            &p.descrizione,
            &p.titolo_progetto,
            &p.codice_ente_promotore,
            &p.identificativo_politica,
            &p.indice_profiling,
            &p.evento,
            &p.data_evento,
        ])?;
    }
    w.finish()
}

pub fn outcomes_csv(outcomes: &[FeedOutcome]) -> Result<Vec<u8>, csv::Error> {
    let mut w = SpreadsheetCsv::with_bom();
    w.row([
        "codice_fiscale",
        "codice_assegno",
        "codice_ente_promotore",
        "esito",
        "data_evento",
        "datore_codice_fiscale",
        "datore_denominazione",
        "tipo_contratto",
        "durata_mesi",
        "data_ripresa",
    ])?;
    for o in outcomes {
        w.row([
            o.codice_fiscale.as_str(),
            &o.voucher,
            &o.provider_cf,
            &o.kind,
            &o.event_date,
            &o.employer_cf,
            &o.employer_name,
            o.contract.as_deref().unwrap_or_default(),
            &o.contract_months.map(|m| m.to_string()).unwrap_or_default(),
            o.resume_on.as_deref().unwrap_or_default(),
        ])?;
    }
    w.finish()
}

/// The zip: the files, then `manifest.json` with each file's sha256 added to `manifest`.
pub fn zip(files: &[(&str, Vec<u8>)], mut manifest: Value) -> Result<Vec<u8>, zip::result::ZipError> {
    let sums: serde_json::Map<String, Value> = files
        .iter()
        .map(|(name, bytes)| ((*name).to_owned(), Value::from(hex::encode(Sha256::digest(bytes)))))
        .collect();
    if let Some(m) = manifest.as_object_mut() {
        m.insert("sha256".into(), sums.into());
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(*name, options)?;
        zip.write_all(bytes)?;
    }
    zip.start_file("manifest.json", options)?;
    zip.write_all(serde_json::to_string_pretty(&manifest).unwrap_or_default().as_bytes())?;
    Ok(zip.finish()?.into_inner())
}
