//! The files of the feed to IDOL: one `<lavoratore>` document per worker in the national SAP
//! layout (revision 009: "il file XML contiene una sola scheda SAP"), the sent section-6
//! records as CSV, the programme outcomes (which the schema has no place for) as their own CSV,
//! and a zip holding them with a manifest. Formats only: what goes in is decided by the service.

use std::io::Write;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::domain::feed::FeedOutcome;
use crate::domain::sap::{DatiAnagrafici, DatiInvio, Indirizzo, PoliticaAttiva};
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

fn opt<W: Write>(w: &mut Writer<W>, name: &str, text: &Option<String>) -> XmlResult {
    element(w, name, text.as_deref().unwrap_or_default())
}

fn indirizzo<W: Write>(w: &mut Writer<W>, name: &str, i: &Indirizzo) -> XmlResult {
    open(w, name)?;
    opt(w, "codcomune", &i.comune)?;
    opt(w, "cap", &i.cap)?;
    opt(w, "indirizzo", &i.indirizzo)?;
    opt(w, "localita", &i.localita)?;
    close(w, name)
}

fn politica<W: Write>(w: &mut Writer<W>, p: &PoliticaAttiva) -> XmlResult {
    open(w, "politiche_attive")?;
    opt(w, "tipo_attivita", &p.tipo_attivita)?;
    opt(w, "titolo_denominazione", &p.titolo_denominazione)?;
    opt(w, "data_proposta", &p.data_proposta)?;
    opt(w, "data", &p.data)?;
    opt(w, "data_fine", &p.data_fine)?;
    element(w, "durata", &p.durata.map(|d| d.to_string()).unwrap_or_default())?;
    opt(w, "tipologia_durata", &p.tipologia_durata)?;
    opt(w, "descrizione", &p.descrizione)?;
    opt(w, "titolo_progetto", &p.titolo_progetto)?;
    opt(w, "codice_ente_promotore", &p.codice_ente_promotore)?;
    opt(w, "identificativo_politica", &p.identificativo_politica)?;
    opt(w, "indice_profiling", &p.indice_profiling)?;
    opt(w, "identificativo_presa_in_carico", &p.identificativo_presa_in_carico)?;
    if let Some(e) = &p.ultimo_evento {
        open(w, "ultimo_evento")?;
        opt(w, "evento", &e.evento)?;
        opt(w, "data_evento", &e.data_evento)?;
        opt(w, "descrizione_evento", &e.descrizione)?;
        close(w, "ultimo_evento")?;
    }
    close(w, "politiche_attive")
}

/// One worker's `<lavoratore>` document, revision 009, elements in schema order: `datiinvio`,
/// `datianagrafici` (personal data, the permit if any, residence if known, domicile,
/// contacts) and `politiche_attive_lst`. Sections 2-5 belong to the CPI and are not sent.
/// Empty values are left out: the caller checks that what the schema requires is there, and
/// `sap_schema::validate` checks the result.
pub fn lavoratore(
    invio: &DatiInvio,
    anagrafici: &DatiAnagrafici,
    policies: &[PoliticaAttiva],
) -> Result<Vec<u8>, quick_xml::Error> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    open(&mut w, "lavoratore")?;
    open(&mut w, "datiinvio")?;
    opt(&mut w, "dataultimoagg", &invio.data_ultimo_aggiornamento)?;
    opt(&mut w, "identificativosap", &invio.identificativo_sap)?;
    opt(&mut w, "codiceentetit", &invio.codice_ente_titolare)?;
    opt(&mut w, "tipovariazione", &invio.tipo_variazione)?;
    opt(&mut w, "datadinascita", &invio.data_nascita)?;
    close(&mut w, "datiinvio")?;

    open(&mut w, "datianagrafici")?;
    let p = &anagrafici.dati_personali;
    open(&mut w, "datipersonali")?;
    element(&mut w, "codicefiscale", &p.codice_fiscale)?;
    opt(&mut w, "cognome", &p.cognome)?;
    opt(&mut w, "nome", &p.nome)?;
    opt(&mut w, "sesso", &p.sesso)?;
    opt(&mut w, "datanascita", &p.data_nascita)?;
    opt(&mut w, "codcomune", &p.comune_nascita)?;
    opt(&mut w, "codcittadinanza", &p.cittadinanza)?;
    close(&mut w, "datipersonali")?;
    if let Some(s) = &anagrafici.dati_stranieri {
        open(&mut w, "datistranieri")?;
        opt(&mut w, "codtipodocumento", &s.tipo_documento)?;
        opt(&mut w, "numero", &s.numero)?;
        opt(&mut w, "motivo", &s.motivo)?;
        opt(&mut w, "validoal", &s.valido_al)?;
        opt(&mut w, "dataultimomantiscr", &s.data_ultimo_mantenimento_iscrizione)?;
        close(&mut w, "datistranieri")?;
    }
    if let Some(r) = &anagrafici.residenza {
        indirizzo(&mut w, "residenza", r)?;
    }
    if let Some(d) = &anagrafici.domicilio {
        indirizzo(&mut w, "domicilio", d)?;
    }
    let r = &anagrafici.recapiti;
    open(&mut w, "recapiti")?;
    opt(&mut w, "telefono", &r.telefono)?;
    opt(&mut w, "cellulare", &r.cellulare)?;
    opt(&mut w, "fax", &r.fax)?;
    opt(&mut w, "email", &r.email)?;
    close(&mut w, "recapiti")?;
    close(&mut w, "datianagrafici")?;

    if !policies.is_empty() {
        open(&mut w, "politiche_attive_lst")?;
        for p in policies {
            politica(&mut w, p)?;
        }
        close(&mut w, "politiche_attive_lst")?;
    }
    close(&mut w, "lavoratore")?;
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
    "identificativo_presa_in_carico",
    "evento",
    "data_evento",
    "descrizione_evento",
];

/// The sent section-6 records as CSV for spreadsheets: `;`-separated (what Italian Excel
/// opens), UTF-8 with BOM, every cell spreadsheet-safe.
pub fn policies_csv(policies: &[(&str, &PoliticaAttiva)]) -> Result<Vec<u8>, csv::Error> {
    let mut w = SpreadsheetCsv::with_bom();
    w.row(POLICY_COLUMNS)?;
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    for (cf, p) in policies {
        let e = p.ultimo_evento.clone().unwrap_or_default();
        w.row([
            (*cf).to_owned(),
            v(&p.tipo_attivita),
            v(&p.titolo_denominazione),
            v(&p.data_proposta),
            v(&p.data),
            v(&p.data_fine),
            p.durata.map(|d| d.to_string()).unwrap_or_default(),
            v(&p.tipologia_durata),
            v(&p.descrizione),
            v(&p.titolo_progetto),
            v(&p.codice_ente_promotore),
            v(&p.identificativo_politica),
            v(&p.indice_profiling),
            v(&p.identificativo_presa_in_carico),
            v(&e.evento),
            v(&e.data_evento),
            v(&e.descrizione),
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
