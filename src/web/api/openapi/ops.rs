//! Shapes of the running service: backups, the IDOL feed, imports, anomalies, the audit trail.

#![expect(dead_code, reason = "documentation shapes: the bodies are built in the handlers")]

use utoipa::ToSchema;

/// Lo stato dei backup.
#[derive(ToSchema)]
pub struct BackupStatus {
    /// Un backup è in corso.
    running: bool,
    /// L'ultima esecuzione.
    last: Option<BackupRun>,
    /// L'ultima esecuzione riuscita.
    last_ok: Option<BackupRun>,
    /// Quanti backup si conservano.
    keep: i64,
}

/// Un'esecuzione di backup.
#[derive(ToSchema)]
pub struct BackupRun {
    /// Quando (ISO 8601, UTC).
    at: String,
    /// Il file prodotto.
    file: Option<String>,
    /// L'errore, se non è riuscito.
    error: Option<String>,
    /// Un problema nel registro degli accessi durante il backup.
    audit_problem: Option<String>,
}

/// Un file nella cartella dei backup.
#[derive(ToSchema)]
pub struct BackupFile {
    /// Nome del file.
    name: String,
    /// Dimensione in byte.
    size: i64,
    /// Ultima modifica (ISO 8601, UTC).
    modified: String,
    /// SHA-256 del file.
    sha256: String,
    /// Cifratura: `age` (per la chiave pubblica della Regione), `passphrase`, o `none` (non
    /// cifrato: non si scarica).
    encryption: String,
}

/// Un'esportazione IDOL fatta.
#[derive(ToSchema)]
pub struct IdolExport {
    /// L'esportazione (per scaricarne di nuovo lo zip).
    id: i64,
    /// Se lo zip è conservato (le esportazioni precedenti alla versione 11 non lo hanno).
    file_kept: bool,
    /// Quando (ISO 8601, UTC).
    at: String,
    /// Chi l'ha fatta.
    by: String,
    /// Dal (ISO 8601).
    since: String,
    /// Al (ISO 8601).
    until: String,
    /// Lavoratori inviati.
    workers: i64,
    /// Politiche inviate.
    policies: i64,
    /// Esiti inviati.
    outcomes: i64,
    /// SHA-256 dello zip.
    sha256: String,
}

/// Un lavoratore non ancora inviato a IDOL.
#[derive(ToSchema)]
pub struct IdolPending {
    /// La persona.
    recipient_id: i64,
    /// Codice fiscale.
    codice_fiscale: String,
    /// Cognome e nome.
    name: String,
    /// Perché non si può ancora inviare.
    reasons: Vec<String>,
    /// Controllato il (ISO 8601, UTC).
    checked_at: String,
}

/// Il periodo di un'esportazione IDOL.
#[derive(ToSchema)]
pub struct IdolExportRequest {
    /// Primo giorno incluso (aaaa-mm-gg o gg/mm/aaaa); assente: da dove è finita l'esportazione precedente.
    since: Option<String>,
}

/// Il resoconto di un'importazione.
#[derive(ToSchema)]
pub struct ImportReport {
    /// Righe o file importati.
    imported: i64,
    /// Righe o file che hanno aggiornato dati esistenti.
    updated: i64,
    /// Che cosa è stato rifiutato.
    refused: Vec<ImportRefused>,
    /// Che cosa le SAP contenevano fuori dallo schema nazionale (segnalato, non rifiutato).
    findings: Vec<ImportReportFinding>,
}

/// Un elemento di una SAP importata fuori dallo schema nazionale (segnalato, non rifiutato).
#[derive(ToSchema)]
pub struct ImportReportFinding {
    /// Il file.
    file: String,
    /// Il percorso dell'elemento (nomi dello schema, senza posizioni).
    path: String,
    /// Quante volte.
    count: i64,
    /// Perché, in italiano.
    reason: String,
}

/// Un file o una riga rifiutati.
#[derive(ToSchema)]
pub struct ImportRefused {
    /// Il file (assente se ce n'è uno solo).
    file: Option<String>,
    /// La riga (da 1), per i CSV.
    line: Option<i64>,
    /// La colonna o l'elemento.
    column: Option<String>,
    /// Il motivo, in italiano.
    reason: String,
}

/// Un elemento fuori dallo schema nazionale (segnalato, non rifiutato).
#[derive(ToSchema)]
pub struct ImportFinding {
    /// Il percorso dell'elemento (nomi dello schema, senza posizioni).
    path: String,
    /// Quante volte.
    count: i64,
    /// Perché, in italiano.
    reason: String,
}

/// Un'importazione delle assegnazioni e il suo avanzamento.
#[derive(ToSchema)]
pub struct ImportBatch {
    /// Identificativo.
    id: i64,
    /// Nome del file.
    file_name: String,
    /// SHA-256 del file.
    sha256: String,
    /// Solo le righe valide.
    valid_only: bool,
    /// `validating`, `applying`, `done`, `refused`, `abandoned`.
    state: String,
    /// Righe in tutto.
    rows_total: i64,
    /// Righe applicate.
    rows_done: i64,
    /// Iniziata il (millisecondi UTC).
    started_at: i64,
    /// Finita il (millisecondi UTC).
    finished_at: Option<i64>,
    /// Chi l'ha avviata.
    by_label: String,
    /// Solo in `GET /import/assignments/{id}`: il resoconto, a importazione finita.
    report: Option<ImportReport>,
}

/// Un'anomalia rilevata nell'uso del servizio.
#[derive(ToSchema)]
pub struct Anomaly {
    /// Identificativo.
    id: i64,
    /// La regola che l'ha rilevata.
    rule: String,
    /// L'operatore.
    actor_id: Option<i64>,
    /// Codice fiscale dell'operatore.
    actor_cf: String,
    /// Nome dell'operatore.
    actor_name: Option<String>,
    /// Stato dell'operatore.
    actor_state: Option<String>,
    /// Il soggetto accreditato.
    provider_id: Option<i64>,
    /// Denominazione del soggetto.
    provider_name: Option<String>,
    /// Stato del soggetto.
    provider_status: Option<String>,
    /// Sintesi.
    summary: String,
    /// Le righe del registro che la provano (`seq`).
    evidence: Vec<i64>,
    /// Prima riga (millisecondi UTC).
    first_ts: i64,
    /// Ultima riga (millisecondi UTC).
    last_ts: i64,
    /// Rilevata il (millisecondi UTC).
    detected_at: i64,
    /// Stato: `open`, `suspended`, `archived`.
    state: String,
    /// Azione automatica applicata.
    auto_action: Option<String>,
    /// Chiusa il.
    closed_at: Option<i64>,
    /// Chiusa da.
    closed_by: Option<String>,
    /// Nota della decisione.
    note: String,
}

/// La sospensione decisa su un'anomalia.
#[derive(ToSchema)]
pub struct AnomalySuspend {
    /// Motivo (obbligatorio).
    reason: String,
    /// Chi sospendere: `operator` (predefinito) o `provider`.
    target: Option<String>,
}

/// L'archiviazione di un'anomalia.
#[derive(ToSchema)]
pub struct AnomalyArchive {
    /// Motivo (obbligatorio).
    reason: String,
}

/// Lo stato della catena del registro.
#[derive(ToSchema)]
pub struct ChainStatus {
    /// La catena è integra.
    intact: bool,
    /// Ultima riga verificata.
    head_seq: i64,
    /// Ultimo checkpoint firmato.
    last_checkpoint_seq: Option<i64>,
    /// Prima riga non valida.
    first_broken_seq: Option<i64>,
    /// Perché non è valida.
    reason: Option<String>,
    /// Verificata il.
    verified_at: Option<String>,
    /// Ultima verifica dell'intera catena.
    whole_chain_verified_at: Option<String>,
}

/// Una pagina del registro degli accessi.
#[derive(ToSchema)]
pub struct AuditPage {
    /// Le righe, dalla più recente.
    items: Vec<AuditLine>,
    /// Il `before` della pagina successiva (paginazione per chiave).
    next_before: Option<i64>,
    /// La pagina (se richiesta per numero).
    page: Option<i64>,
    /// Righe per pagina.
    per_page: i64,
    /// La pagina successiva (se ce n'è una).
    next_page: Option<i64>,
    /// L'ultima riga considerata: da rimandare come `as_of` per le pagine successive.
    as_of: i64,
}

/// Una riga del registro.
#[derive(ToSchema)]
pub struct AuditLine {
    /// Numero progressivo.
    seq: i64,
    /// Quando (millisecondi UTC).
    ts: i64,
    /// L'utente.
    actor_id: Option<i64>,
    /// Codice fiscale dell'utente.
    actor_cf: String,
    /// Nome dell'utente.
    actor_name: Option<String>,
    /// Ruolo dell'utente.
    actor_role: Option<String>,
    /// Il soggetto accreditato.
    provider_id: Option<i64>,
    /// Denominazione del soggetto.
    provider_name: Option<String>,
    /// SHA-256 del certificato presentato.
    cert_sha256: Option<String>,
    /// Indirizzo IP del client.
    client_ip: Option<String>,
    /// L'evento (nome puntato, per esempio `recipient.view`).
    action: String,
    /// L'oggetto (`recipient:42`).
    object: Option<String>,
    /// Esito: `ok`, `denied`, ...
    outcome: String,
    /// Dettagli dell'evento (JSON come testo).
    detail: String,
}

/// Chi ha visto i dati di una persona.
#[derive(ToSchema)]
pub struct SubjectAccesses {
    /// Il codice fiscale cercato.
    codice_fiscale: String,
    /// Le righe del registro che riguardano la persona.
    accesses: Vec<AuditLine>,
    /// Gli elenchi che l'hanno mostrata, raggruppati per utente e tipo di elenco.
    lists: Vec<ListGroup>,
}

/// Gli elenchi di uno stesso tipo, aperti da uno stesso utente, in cui è comparsa la persona,
/// giorno per giorno (il primo elenco di ogni giorno è nel registro).
#[derive(ToSchema)]
pub struct ListGroup {
    /// Codice fiscale dell'utente.
    viewer_cf: String,
    /// Nome dell'utente.
    viewer_name: Option<String>,
    /// Profilo dell'utente (`operatore`, `regione`, …).
    role: Option<String>,
    /// Il soggetto accreditato dell'utente (`Regione` per il personale regionale).
    provider: Option<String>,
    /// Il tipo di elenco: `recipient.list`, `agenda.view`, `agenda.report`.
    action: String,
    /// Il tipo di elenco in italiano.
    what: String,
    /// I giorni (aaaa-mm-gg, ora italiana), dal più vecchio.
    days: Vec<String>,
    /// Giorno per giorno: quanti elenchi e com'era il primo.
    entries: Vec<ListDay>,
    /// Tutti gli elenchi del gruppo che hanno mostrato la persona.
    lists: i64,
    /// Quando è stato aperto il primo elenco (millisecondi UTC).
    first_ts: i64,
    /// Quando è stato aperto il primo elenco dell'ultimo giorno (millisecondi UTC).
    last_ts: i64,
    /// Le righe del registro del primo elenco di ciascun giorno.
    seqs: Vec<i64>,
}

/// Un giorno di un [`ListGroup`].
#[derive(ToSchema)]
pub struct ListDay {
    /// Il giorno (aaaa-mm-gg, ora italiana).
    date: String,
    /// Quanti elenchi di questo tipo, di questo utente, l'hanno mostrata quel giorno.
    lists: i64,
    /// La pagina del primo elenco di quel giorno (1 = la prima).
    page: Option<i64>,
    /// Quante persone mostrava il primo elenco di quel giorno.
    rows: Option<i64>,
    /// Il primo elenco di quel giorno è stato letto con l'API.
    via_api: bool,
}

/// L'attività del mese per operatore.
#[derive(ToSchema)]
pub struct MonthlyActivity {
    /// Il mese (aaaa-mm).
    month: String,
    /// Una riga per operatore.
    operators: Vec<ActivityLine>,
}

/// Il mese di un operatore.
#[derive(ToSchema)]
pub struct ActivityLine {
    /// Il soggetto accreditato.
    provider_id: Option<i64>,
    /// Denominazione del soggetto.
    provider_name: Option<String>,
    /// L'operatore.
    operator_id: Option<i64>,
    /// Codice fiscale dell'operatore.
    operator_cf: String,
    /// Cognome e nome.
    operator_name: String,
    /// Ruolo.
    role: String,
    /// Giorni con un accesso.
    logins: i64,
    /// Schede di persone aperte (scheda, SAP, programma).
    records_viewed: i64,
    /// Modifiche registrate.
    changes: i64,
    /// File caricati.
    uploads: i64,
    /// File scaricati.
    downloads: i64,
    /// Tentativi respinti.
    denied: i64,
}
