//! The shapes every part of the API shares: the error body and small references.

use utoipa::ToSchema;

/// Il corpo di ogni risposta di errore (4xx, 5xx).
#[derive(ToSchema)]
#[allow(dead_code, reason = "documentation shape: the real body is built in web::errors")]
pub struct Errore {
    /// Codice stabile dell'errore: `dati_non_validi` (422), `conflitto` (409), `non_trovato`
    /// (404), `certificato_assente` (401), `tipo_contenuto` (415), `disco_pieno` e
    /// `registro_non_disponibile` (503), o il motivo di un rifiuto dell'accesso (403).
    error: String,
    /// Messaggio in italiano da mostrare alla persona.
    message: String,
    /// Un elemento per campo non valido (422) o in conflitto (409); vuoto negli altri casi.
    errors: Vec<ErroreCampo>,
    /// Riferimento della richiesta, da citare all'assistenza (lo stesso del registro del server).
    reference: String,
}

/// Un campo rifiutato.
#[derive(ToSchema)]
#[allow(dead_code, reason = "documentation shape of crate::error::FieldError")]
pub struct ErroreCampo {
    /// Nome del campo come nella richiesta (`data_evento`, `dettagli.ore`, `per_page`, `file`, `body`).
    field: String,
    /// Che cosa non va, in italiano.
    message: String,
}

/// Un riferimento con nome (soggetto accreditato, sede, tutor).
#[derive(ToSchema)]
#[allow(dead_code, reason = "documentation shape")]
pub struct Riferimento {
    /// Identificativo.
    id: Option<i64>,
    /// Nome o indirizzo.
    name: Option<String>,
}

/// Un file binario: un PDF, un `.p7m` firmato, uno zip.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code, reason = "documentation shape")]
pub struct File(Vec<u8>);
