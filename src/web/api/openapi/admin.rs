//! Shapes of the Region's administration: providers, sedi, operators, communications.

#![expect(dead_code, reason = "documentation shapes of domain and repo types, kept out of domain/")]

use utoipa::ToSchema;

/// Un soggetto accreditato.
#[derive(ToSchema)]
pub struct Provider {
    /// Identificativo.
    id: i64,
    /// Denominazione.
    name: String,
    /// Codice fiscale o partita IVA.
    codice_fiscale: String,
    /// Codice di accreditamento.
    accreditation_code: String,
    /// Indirizzo PEC.
    pec: String,
    /// Sede legale.
    registered_office: String,
    /// Referente.
    contact_person: String,
    /// Stato: `active` o `suspended`.
    status: String,
    /// Registrato il (millisecondi UTC).
    created_at: i64,
    /// Versione, da rimandare con il `PUT`.
    version: i64,
    /// Codice ente promotore per IDOL (11 caratteri; vuoto: la partita IVA).
    codice_ente_promotore: String,
    /// Operatori abilitati.
    active_operators: i64,
    /// Persone che hanno scelto il soggetto.
    recipients: i64,
}

/// I dati di un soggetto accreditato da registrare.
#[derive(ToSchema)]
pub struct ProviderDraft {
    /// Denominazione (obbligatoria).
    name: String,
    /// Partita IVA (11 cifre) o codice fiscale (16 caratteri), controllati.
    codice_fiscale: String,
    /// Codice di accreditamento regionale (obbligatorio).
    accreditation_code: String,
    /// Indirizzo PEC.
    pec: String,
    /// Sede legale.
    registered_office: String,
    /// Referente.
    contact_person: String,
    /// Codice ente promotore per IDOL; vuoto: la partita IVA quando ha 11 caratteri.
    codice_ente_promotore: Option<String>,
}

/// La modifica di un soggetto accreditato: i campi di `ProviderDraft` e la versione letta.
#[derive(ToSchema)]
pub struct ProviderUpdate {
    /// La versione letta con il `GET`: se è cambiata, 409.
    version: i64,
    /// Denominazione.
    name: String,
    /// Partita IVA o codice fiscale.
    codice_fiscale: String,
    /// Codice di accreditamento.
    accreditation_code: String,
    /// Indirizzo PEC.
    pec: String,
    /// Sede legale.
    registered_office: String,
    /// Referente.
    contact_person: String,
    /// Codice ente promotore per IDOL.
    codice_ente_promotore: Option<String>,
}

/// Il motivo di una sospensione o riattivazione di un soggetto.
#[derive(ToSchema)]
pub struct ProviderReason {
    /// Motivo (obbligatorio), registrato nella storia e nel registro.
    reason: String,
}

/// Una sede operativa.
#[derive(ToSchema)]
pub struct Sede {
    /// Identificativo.
    id: i64,
    /// Il soggetto accreditato.
    provider: i64,
    /// Indirizzo.
    address: String,
    /// Comune.
    comune: String,
    /// Telefono.
    phone: String,
    /// Orari di apertura.
    opening_hours: String,
    /// Abilitata per il programma.
    programme_enabled: bool,
    /// Chiusa temporaneamente.
    temporarily_closed: bool,
    /// Chiusa definitivamente: esclusa dalle nuove scelte, resta nella storia.
    closed: bool,
}

/// I dati di una sede.
#[derive(ToSchema)]
pub struct SedeDraft {
    /// Indirizzo (obbligatorio).
    address: String,
    /// Comune (obbligatorio).
    comune: String,
    /// Telefono.
    phone: Option<String>,
    /// Orari di apertura.
    opening_hours: Option<String>,
    /// Abilitata per il programma.
    programme_enabled: Option<bool>,
    /// `true` per una chiusura temporanea (la chiusura definitiva è `POST /sedi/{id}/close`).
    temporarily_closed: Option<bool>,
}

/// Un operatore (o un utente regionale).
#[derive(ToSchema)]
pub struct Operator {
    /// Identificativo.
    id: i64,
    /// Codice fiscale.
    codice_fiscale: String,
    /// Cognome.
    surname: String,
    /// Nome.
    name: String,
    /// Email.
    email: String,
    /// Ruolo: `operatore`, `regione`, `revisore`, `tecnico`.
    role: String,
    /// Il soggetto accreditato (operatori).
    provider_id: Option<i64>,
    /// Denominazione del soggetto accreditato.
    provider_name: Option<String>,
    /// Ruolo ricoperto presso il soggetto (per esempio `tutor`).
    role_title: String,
    /// Stato: `active`, `disabled`, `idle_deactivated` (disattivato per inattività).
    state: String,
    /// Esente dalla disattivazione per inattività (utenza tecnica).
    technical_exemption: bool,
    /// Motivo dell'esenzione.
    exemption_reason: String,
    /// Abilitato il (millisecondi UTC).
    enabled_at: i64,
    /// Ultimo accesso (millisecondi UTC).
    last_access_at: Option<i64>,
    /// Ultima revisione annuale (millisecondi UTC).
    reviewed_at: Option<i64>,
    /// Versione, da rimandare con la variazione.
    version: i64,
}

/// Un operatore con la storia, le sedi e i certificati usati.
#[derive(ToSchema)]
pub struct OperatorDetail {
    /// Identificativo.
    id: i64,
    /// Codice fiscale.
    codice_fiscale: String,
    /// Cognome.
    surname: String,
    /// Nome.
    name: String,
    /// Email.
    email: String,
    /// Ruolo.
    role: String,
    /// Il soggetto accreditato.
    provider_id: Option<i64>,
    /// Denominazione del soggetto.
    provider_name: Option<String>,
    /// Ruolo ricoperto.
    role_title: String,
    /// Stato: `active`, `disabled`, `idle_deactivated`.
    state: String,
    /// Esente dalla disattivazione per inattività.
    technical_exemption: bool,
    /// Motivo dell'esenzione.
    exemption_reason: String,
    /// Abilitato il (millisecondi UTC).
    enabled_at: i64,
    /// Ultimo accesso (millisecondi UTC).
    last_access_at: Option<i64>,
    /// Ultima revisione annuale.
    reviewed_at: Option<i64>,
    /// Versione.
    version: i64,
    /// Abilitazioni, variazioni e revoche, ognuna con la sua comunicazione scritta, dalla più recente.
    history: Vec<OperatorHistoryLine>,
    /// Le sedi in cui lavora (identificativi).
    sedi: Vec<i64>,
    /// I certificati presentati, con le loro policy, dal più recente.
    certificates: Vec<SeenCertificate>,
}

/// Una riga della storia di un operatore.
#[derive(ToSchema)]
pub struct OperatorHistoryLine {
    /// Quando (millisecondi UTC).
    at: i64,
    /// Che cosa: `enabled`, `varied`, `disabled`, `reenabled`, ...
    kind: String,
    /// Per le revoche, il tipo di motivo.
    reason_kind: String,
    /// Il motivo scritto.
    reason: String,
    /// La comunicazione scritta di riferimento (`Prot. N del aaaa-mm-gg`), se c'è.
    communication: Option<String>,
    /// Chi l'ha registrata.
    by: String,
    /// I dati prima (JSON come testo).
    before: String,
    /// I dati dopo (JSON come testo).
    after: String,
}

/// Un certificato con cui l'operatore ha fatto accesso.
#[derive(ToSchema)]
pub struct SeenCertificate {
    /// Nome comune (CN) del soggetto.
    subject_cn: String,
    /// Chi l'ha emesso.
    issuer: String,
    /// Numero di serie.
    serial: String,
    /// Valido dal (millisecondi UTC).
    not_before: i64,
    /// Valido fino al (millisecondi UTC).
    not_after: i64,
    /// Visto la prima volta (millisecondi UTC).
    first_seen: i64,
    /// Visto l'ultima volta (millisecondi UTC).
    last_seen: i64,
    /// Le policy del certificato (OID); `null` per i certificati visti prima che si registrassero.
    policies: Option<Vec<String>>,
}

/// L'abilitazione di un operatore.
#[derive(ToSchema)]
pub struct OperatorDraft {
    /// Il soggetto accreditato (obbligatorio per il ruolo `operatore`).
    provider_id: Option<i64>,
    /// Codice fiscale (controllato).
    codice_fiscale: String,
    /// Cognome.
    surname: String,
    /// Nome.
    name: String,
    /// Email.
    email: String,
    /// Ruolo: `operatore`, `regione`, `revisore`, `tecnico`.
    role: String,
    /// Ruolo ricoperto (obbligatorio, come chiede l'Allegato B).
    role_title: String,
    /// La comunicazione scritta che chiede l'abilitazione (obbligatoria per gli operatori).
    communication_id: Option<i64>,
}

/// Una comunicazione scritta registrata.
#[derive(ToSchema)]
pub struct Communication {
    /// Identificativo (da citare in abilitazioni, variazioni e revoche).
    id: i64,
    /// Il soggetto accreditato; assente per un atto interno della Regione.
    provider: Option<i64>,
    /// Data di ricezione (aaaa-mm-gg).
    received_on: String,
    /// Numero di protocollo.
    protocol: String,
    /// Tipo: `abilitazione`, `variazione`, `revoca`.
    kind: String,
    /// Il documento (per `GET /api/v1/communications/{id}/document`).
    document: i64,
    /// Nota.
    note: String,
    /// Registrata il (millisecondi UTC).
    registered_at: i64,
}

/// Una comunicazione scritta da registrare, come `multipart/form-data`.
#[derive(ToSchema)]
pub struct CommunicationUpload {
    /// Data di ricezione (aaaa-mm-gg o gg/mm/aaaa).
    received_on: String,
    /// Numero di protocollo.
    protocol: String,
    /// Tipo: `abilitazione`, `variazione`, `revoca`.
    kind: String,
    /// Nota (facoltativa).
    note: Option<String>,
    /// Il documento: PDF o `.p7m`, riconosciuto dal contenuto.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}
