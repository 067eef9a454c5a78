//! Shapes of the people, programme, action and agenda parts of the API.

#![expect(dead_code, reason = "documentation shapes: the bodies are built in the handlers")]

use serde_json::Value;
use utoipa::ToSchema;

use super::common::Riferimento;

/// Chi sta chiamando, dal certificato presentato.
#[derive(ToSchema)]
pub struct Me {
    /// Codice fiscale del titolare del certificato.
    codice_fiscale: String,
    /// Cognome.
    surname: String,
    /// Nome.
    name: String,
    /// Ruolo: `operatore`, `regione`, `revisore`, `tecnico`.
    role: String,
    /// Il soggetto accreditato dell'operatore (assente per i ruoli regionali).
    provider: Option<Riferimento>,
}

/// Una riga del cruscotto.
#[derive(ToSchema)]
pub struct RecipientRow {
    /// Identificativo della persona.
    id: i64,
    /// Codice fiscale.
    codice_fiscale: String,
    /// Cognome.
    cognome: String,
    /// Nome.
    nome: String,
    /// Stato dell'assegno (`assigned`, `active`, `suspended`, `outcome`, ...).
    state: String,
    /// Codice dell'assegno.
    voucher: String,
    /// Il soggetto accreditato scelto.
    provider: Riferimento,
    /// Data della scelta del soggetto (aaaa-mm-gg).
    chosen_on: Option<String>,
    /// Avvio del programma (aaaa-mm-gg).
    programme_start: Option<String>,
    /// Fine prevista del programma (aaaa-mm-gg).
    programme_end: Option<String>,
    /// Tipo dell'ultima azione registrata.
    last_action: Option<String>,
    /// Data dell'ultima azione.
    last_action_on: Option<String>,
    /// Se una SAP è stata importata.
    has_sap: bool,
    /// Prossimo appuntamento (aaaa-mm-ggThh:mm, ora italiana).
    next_appointment: Option<String>,
    /// Dal quando c'è un programma firmato (millisecondi UTC).
    signed_programme_since: Option<i64>,
}

/// La scheda di una persona: anagrafica, assegni, SAP e azioni della sezione VI.
#[derive(ToSchema)]
pub struct RecipientDetail {
    /// Identificativo della persona.
    id: i64,
    /// Codice fiscale.
    codice_fiscale: String,
    /// Cognome.
    cognome: String,
    /// Nome.
    nome: String,
    /// Data di nascita (aaaa-mm-gg).
    birth_date: Option<String>,
    /// Sesso (`M`, `F`).
    sex: Option<String>,
    /// Indirizzo email.
    email: String,
    /// Telefono.
    phone: String,
    /// L'assegno più recente.
    voucher: Option<Voucher>,
    /// Tutti gli assegni della persona, dal più recente.
    vouchers: Vec<Voucher>,
    /// L'ultima SAP importata, con le sue sezioni (in `section6` le azioni registrate).
    sap: Option<super::sap::SapVersion>,
    /// Le azioni di politica attiva (sezione VI), dalla più recente.
    section6: Vec<super::sap::Section6Row>,
}

/// Un assegno di ricollocazione della persona.
#[derive(ToSchema)]
pub struct Voucher {
    /// Identificativo dell'assegno.
    id: i64,
    /// Codice dell'assegno.
    code: String,
    /// Rilasciato il (aaaa-mm-gg).
    issued_on: String,
    /// Il CPI che l'ha rilasciato.
    cpi: String,
    /// Fascia di profilazione.
    profiling_band: String,
    /// Il soggetto accreditato scelto.
    provider_id: i64,
    /// Denominazione del soggetto accreditato.
    provider_name: String,
    /// La sede scelta (indirizzo e comune).
    sede: Option<String>,
    /// Scelto il (aaaa-mm-gg).
    chosen_on: String,
    /// Stato dell'assegno.
    state: String,
    /// Inizio del programma (aaaa-mm-gg).
    programme_start: Option<String>,
    /// Fine del programma (aaaa-mm-gg).
    programme_end: Option<String>,
    /// Proroga fino al (aaaa-mm-gg).
    extended_until: Option<String>,
    /// Il tutor (cognome e nome).
    tutor: Option<String>,
    /// Da quando è in vigore il programma firmato caricato (millisecondi UTC), se c'è.
    signed_since: Option<i64>,
}

/// Il Programma di ricerca intensiva e le sue versioni.
#[derive(ToSchema)]
pub struct Programme {
    /// Codice dell'assegno.
    voucher: String,
    /// Versione attuale (0: mai salvato); va rimandata con il `PUT`.
    version: i64,
    /// I campi della versione attuale (come nel `PUT`).
    fields: Option<ProgrammeFields>,
    /// Tutte le versioni, dalla più recente.
    versions: Vec<ProgrammeVersion>,
    /// Le copie firmate caricate, dalla più recente (la prima è quella in vigore).
    signed: Vec<SignedCopy>,
}

/// Una copia firmata del programma caricata da un operatore.
#[derive(ToSchema)]
pub struct SignedCopy {
    /// Il documento (per `GET /api/v1/documents/{document}`).
    document: i64,
    /// L'azione a cui è allegata, se è stata caricata per un'azione.
    action: Option<i64>,
    /// Tipo del file, riconosciuto dal contenuto: `pdf` (anche firmato PAdES) o `p7m` (busta CAdES).
    kind: String,
    /// Dimensione in byte.
    size: i64,
    /// SHA-256 del file.
    sha256: String,
    /// Nome del file caricato.
    file_name: String,
    /// La versione del programma generata da Ricolloca che il file contiene, se ce n'è una.
    matches_version: Option<i64>,
    /// Quando è stata caricata (millisecondi UTC).
    uploaded_at: i64,
    /// Chi l'ha caricata (cognome e nome; vuoto se non è registrato).
    uploaded_by: String,
}

/// Una versione salvata del programma.
#[derive(ToSchema)]
pub struct ProgrammeVersion {
    /// Numero della versione.
    version: i64,
    /// Quando è stata salvata (millisecondi UTC).
    saved_at: i64,
    /// Chi l'ha salvata.
    saved_by: String,
    /// SHA-256 del PDF generato per questa versione.
    pdf_sha256: String,
}

/// I campi del Programma di ricerca intensiva.
#[derive(ToSchema)]
pub struct ProgrammeFields {
    /// Figure professionali obiettivo (obbligatorio, al massimo 1000 caratteri).
    target_jobs: String,
    /// Area territoriale della ricerca (obbligatoria, al massimo 500 caratteri).
    search_area: String,
    /// Attività concordate, una per riga (obbligatorie).
    activities: String,
    /// Calendario degli incontri e delle attività.
    calendar: String,
    /// Impegni della persona (condizionalità; obbligatori).
    duties: String,
    /// Note.
    notes: String,
}

/// Il salvataggio del programma.
#[derive(ToSchema)]
pub struct ProgrammeUpdate {
    /// La versione letta con il `GET` (0 per il primo salvataggio): se nel frattempo è
    /// cambiata, 409 su `version`.
    version: i64,
    /// Figure professionali obiettivo.
    target_jobs: String,
    /// Area territoriale della ricerca.
    search_area: String,
    /// Attività concordate, una per riga.
    activities: String,
    /// Calendario degli incontri e delle attività.
    calendar: String,
    /// Impegni della persona.
    duties: String,
    /// Note.
    notes: String,
}

/// La nuova versione salvata.
#[derive(ToSchema)]
pub struct VersionOnly {
    /// Nuova versione.
    version: i64,
}

/// Un'azione di politica attiva registrata (sezione VI della SAP).
#[derive(ToSchema)]
pub struct Action {
    /// Identificativo dell'azione.
    id: i64,
    /// Identificativo politica rilasciato per IDOL.
    identificativo_politica: String,
    /// Tipo di attività (`A06`, `B03`, `C06`, `C07`).
    tipo_attivita: String,
    /// Titolo o denominazione.
    titolo_denominazione: String,
    /// Data della proposta (aaaa-mm-gg).
    data_proposta: String,
    /// Data di inizio.
    data_inizio: Option<String>,
    /// Data di fine.
    data_fine: Option<String>,
    /// Durata, nell'unità di `tipologia_durata`.
    durata: Option<i64>,
    /// Unità della durata: `O` ore, `G` giorni, `M` mesi, `A` anni.
    tipologia_durata: Option<String>,
    /// Descrizione.
    descrizione: String,
    /// Titolo del progetto.
    titolo_progetto: String,
    /// Codice dell'ente promotore.
    codice_ente_promotore: String,
    /// Ultimo evento (codice dell'elenco nazionale).
    evento: String,
    /// Data dell'ultimo evento.
    data_evento: String,
    /// I campi del tipo di attività.
    #[schema(schema_with = super::dettagli::any_of_types)]
    dettagli: Value,
    /// Versione, da rimandare con il prossimo evento.
    version: i64,
    /// Creata il (millisecondi UTC).
    created_at: i64,
    /// Aggiornata il (millisecondi UTC).
    updated_at: i64,
    /// Solo nell'elenco: la storia degli eventi.
    eventi: Option<Vec<ActionEvent>>,
}

/// Un evento nella storia di un'azione.
#[derive(ToSchema)]
pub struct ActionEvent {
    /// Codice dell'evento.
    evento: String,
    /// Data dell'evento.
    data_evento: String,
    /// Nota.
    note: String,
    /// Registrato il (millisecondi UTC).
    at: i64,
    /// Registrato da.
    by: String,
}

/// Il prossimo evento di un'azione.
#[derive(ToSchema)]
pub struct EventRequest {
    /// Codice dell'evento (elenco nazionale, per esempio `02`).
    evento: String,
    /// Data dell'evento (aaaa-mm-gg).
    data_evento: String,
    /// Nota.
    nota: Option<String>,
    /// La versione dell'azione letta; senza, non si controllano le modifiche concorrenti (409).
    version: Option<i64>,
}

/// L'evento registrato.
#[derive(ToSchema)]
pub struct EventRecorded {
    /// L'azione.
    id: i64,
    /// La sua nuova versione.
    version: i64,
}

/// Il programma firmato caricato per un'azione.
#[derive(ToSchema)]
pub struct StoredDocument {
    /// Identificativo del documento (per `GET /api/v1/documents/{id}`).
    id: i64,
    /// SHA-256 del file.
    sha256: String,
    /// Tipo del file, riconosciuto dal contenuto: `pdf` (anche firmato PAdES) o `p7m` (busta CAdES).
    kind: String,
    /// Dimensione in byte.
    size: i64,
    /// Il primo firmatario.
    signer: Option<Signer>,
    /// Tutti i firmatari.
    signers: Option<Vec<Signer>>,
    /// La versione del programma generata da Ricolloca che il file contiene, se ce n'è una.
    conformity: Option<Conformity>,
    /// Osservazioni sul file, in italiano (firme mancanti o non valide, contenuto diverso).
    flags: Option<Vec<String>>,
    /// Sempre `false`: la catena di certificazione del firmatario non è verificata qui.
    chain_checked: bool,
}

/// Un firmatario del programma firmato.
#[derive(ToSchema)]
pub struct Signer {
    /// Nome del firmatario, dal certificato.
    name: String,
    /// Codice fiscale, dal certificato.
    codice_fiscale: Option<String>,
    /// Chi ha emesso il certificato.
    issuer: Option<String>,
    /// Data di firma dichiarata (millisecondi UTC).
    signing_time: Option<i64>,
    /// Esito della verifica della firma, in italiano (`valida`, ...).
    verification: String,
    /// La firma è valida.
    valid: bool,
    /// Chi è: `destinatario`, `operatore` o `estraneo`.
    role: String,
}

/// La versione generata che il file contiene.
#[derive(ToSchema)]
pub struct Conformity {
    /// La versione del programma.
    version: i64,
    /// Generata il (millisecondi UTC).
    generated_at: i64,
    /// `identico` o `seguito da aggiunte`.
    how: String,
    /// Lo stesso, in una frase.
    text: String,
}

/// Il file del programma firmato come `multipart/form-data`.
#[derive(ToSchema)]
pub struct SignedUpload {
    /// Il PDF firmato (PAdES) o il `.p7m` (CAdES).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Un appuntamento.
#[derive(ToSchema)]
pub struct Appointment {
    /// Identificativo.
    id: i64,
    /// La persona.
    recipient: i64,
    /// Data e ora (aaaa-mm-ggThh:mm, ora italiana).
    starts_at: String,
    /// Tipo (codice dell'elenco `tipo_appuntamento`).
    tipo: String,
    /// La sede.
    sede: Riferimento,
    /// Il tutor.
    tutor: Riferimento,
    /// Esito: `held`, `absent_justified`, `absent_unjustified`, `refused`, `cancelled`; assente se non registrato.
    esito: Option<String>,
    /// Nota dell'esito.
    nota: String,
    /// Versione, da rimandare con l'esito.
    version: i64,
}

/// Un appuntamento dell'agenda, con la persona.
#[derive(ToSchema)]
pub struct AgendaItem {
    /// Identificativo.
    id: i64,
    /// La persona.
    recipient: i64,
    /// Data e ora (aaaa-mm-ggThh:mm, ora italiana).
    starts_at: String,
    /// Tipo (codice dell'elenco `tipo_appuntamento`).
    tipo: String,
    /// La sede.
    sede: Riferimento,
    /// Il tutor.
    tutor: Riferimento,
    /// Esito, assente se non registrato.
    esito: Option<String>,
    /// Nota dell'esito.
    nota: String,
    /// Versione.
    version: i64,
    /// La persona: `nome` e `codice_fiscale`.
    persona: PersonName,
}

/// Nome e codice fiscale di una persona.
#[derive(ToSchema)]
pub struct PersonName {
    /// Cognome e nome.
    nome: String,
    /// Codice fiscale.
    codice_fiscale: String,
}

/// Un nuovo appuntamento.
#[derive(ToSchema)]
pub struct AppointmentRequest {
    /// Data (aaaa-mm-gg): non oltre `agenda.backdate_days` giorni nel passato, né oltre un anno.
    data: String,
    /// Ora (hh:mm, ora italiana).
    ora: String,
    /// Tipo (codice dell'elenco `tipo_appuntamento`, per esempio `colloquio`).
    tipo: String,
    /// La sede (facoltativa).
    sede: Option<i64>,
    /// Il tutor (facoltativo).
    tutor: Option<i64>,
}

/// L'esito di un appuntamento.
#[derive(ToSchema)]
pub struct OutcomeRequest {
    /// `held` (svolto), `absent_justified` (nota obbligatoria), `absent_unjustified`,
    /// `refused` (nota obbligatoria: l'attività rifiutata), `cancelled` (il solo ammesso prima dell'orario).
    esito: String,
    /// Nota.
    nota: Option<String>,
    /// La versione letta: se è cambiata, 409 su `version`.
    version: i64,
}

/// L'esito registrato.
#[derive(ToSchema)]
pub struct OutcomeRecorded {
    /// L'appuntamento.
    id: i64,
    /// La persona.
    recipient: i64,
    /// L'esito.
    esito: String,
    /// Nuova versione.
    version: i64,
    /// Avvio del programma, se questo appuntamento svolto lo ha avviato (aaaa-mm-gg).
    programme_start: Option<String>,
}

/// L'esito del programma: lo stato dell'assegno e la storia.
#[derive(ToSchema)]
pub struct ProgrammeOutcome {
    /// Codice dell'assegno.
    voucher: String,
    /// Stato dell'assegno.
    state: String,
    /// Versione dell'assegno (da rimandare con il `POST`).
    version: i64,
    /// Avvio del programma.
    programme_start: Option<String>,
    /// Fine del programma.
    programme_end: Option<String>,
    /// Proroga (sospensione) fino al.
    extended_until: Option<String>,
    /// Gli esiti registrati.
    history: Vec<ProgrammeOutcomeEntry>,
    /// Gli appuntamenti con assenza ingiustificata o rifiuto (da segnalare al CPI).
    rifiuti: Vec<Appointment>,
}

/// Un esito del programma registrato.
#[derive(ToSchema)]
pub struct ProgrammeOutcomeEntry {
    /// Identificativo.
    id: i64,
    /// Esito (`hired`, `ended`, `dropped`, `lapsed`, `suspended`, `resumed`).
    esito: String,
    /// Data dell'evento.
    data: String,
    /// Codice fiscale o partita IVA del datore di lavoro.
    datore_cf: String,
    /// Denominazione del datore di lavoro.
    datore_nome: String,
    /// Contratto (`permanent`, `apprenticeship`, `fixed_term`, `agency`).
    contratto: String,
    /// Durata del contratto in mesi.
    mesi: Option<i64>,
    /// Ripresa prevista (sospensione).
    ripresa: Option<String>,
    /// Nota.
    nota: String,
    /// Registrato il (millisecondi UTC).
    registrato_il: i64,
    /// Registrato da.
    registrato_da: String,
}

/// Un esito del programma da registrare.
#[derive(ToSchema)]
pub struct ProgrammeOutcomeRequest {
    /// `hired`, `ended`, `dropped` (nota obbligatoria), `lapsed`, `suspended` (ripresa
    /// obbligatoria, entro sei mesi), `resumed`.
    esito: String,
    /// Data dell'evento (aaaa-mm-gg).
    data: String,
    /// `hired`: codice fiscale (16) o partita IVA (11) del datore di lavoro.
    datore_cf: Option<String>,
    /// `hired`: denominazione del datore di lavoro.
    datore_nome: Option<String>,
    /// `hired`: `permanent`, `apprenticeship`, `fixed_term` (con `mesi`), `agency`.
    contratto: Option<String>,
    /// Mesi, solo per `fixed_term` e `agency`.
    mesi: Option<i64>,
    /// `suspended`: giorno previsto della ripresa.
    ripresa: Option<String>,
    /// Nota.
    nota: Option<String>,
    /// La versione dell'assegno letta: se è cambiata, 409.
    version: Option<i64>,
}

/// Il nuovo stato dell'assegno.
#[derive(ToSchema)]
pub struct ProgrammeOutcomeRecorded {
    /// L'esito registrato.
    id: i64,
    /// Nuovo stato dell'assegno.
    state: String,
    /// Nuova versione dell'assegno.
    version: i64,
}

/// Le segnalazioni del mese al CPI.
#[derive(ToSchema)]
pub struct CpiReport {
    /// Primo giorno del mese.
    from: String,
    /// Ultimo giorno del mese.
    until: String,
    /// Assenze ingiustificate e rifiuti.
    segnalazioni: Vec<CpiReportRow>,
    /// Abbandoni del programma.
    abbandoni: Vec<CpiDrop>,
}

/// Un'assenza ingiustificata o un rifiuto da segnalare.
#[derive(ToSchema)]
pub struct CpiReportRow {
    /// Data e ora dell'appuntamento.
    starts_at: String,
    /// La persona.
    recipient: i64,
    /// Cognome e nome.
    nome: String,
    /// Codice fiscale.
    codice_fiscale: String,
    /// Codice dell'assegno.
    assegno: String,
    /// Centro per l'impiego.
    cpi: String,
    /// Tipo dell'appuntamento (codice).
    tipo: String,
    /// Tipo dell'appuntamento (in parole).
    tipo_label: String,
    /// Esito (`absent_unjustified`, `refused`).
    esito: Option<String>,
    /// Nota.
    nota: String,
}

/// Un abbandono del programma.
#[derive(ToSchema)]
pub struct CpiDrop {
    /// La persona.
    recipient: i64,
    /// Cognome e nome.
    nome: String,
    /// Codice fiscale.
    codice_fiscale: String,
    /// Codice dell'assegno.
    assegno: String,
    /// Centro per l'impiego.
    cpi: String,
    /// Data dell'abbandono.
    data: String,
    /// Motivo.
    nota: String,
}
