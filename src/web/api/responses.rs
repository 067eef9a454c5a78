//! The error answers the operations of `/api/v1` share, for their `#[utoipa::path]`:
//! `responses((status = 200, …), RecipientNotFound, Invalid)`. Each is the `Errore` body with
//! the status and the Italian description the description has always given; the answers
//! every operation may give (401, 403, 503, 415) are added in `openapi::shared_answers`.

use utoipa::IntoResponses;

use super::openapi::common::Errore;

/// One answer: the `Errore` body with its status and description. The field is never read:
/// the derive documents its type, and the real answers are built in `web::errors`.
macro_rules! answer {
    ($(#[$doc:meta])* $name:ident, $status:tt, $description:tt) => {
        $(#[$doc])*
        #[derive(IntoResponses)]
        #[response(status = $status, description = $description)]
        pub struct $name(#[expect(dead_code, reason = "documentation shape of the error body")] Errore);
    };
}

answer!(
    /// 422: the body or a parameter is not valid.
    Invalid,
    422,
    "Dati non validi: un elemento per campo"
);

answer!(
    /// 409: the `version` sent is not the current one.
    Stale,
    409,
    "Modificato nel frattempo da altri (`version`)"
);

answer!(
    /// 404 for a person outside the caller's scope (the attempt is audited).
    RecipientNotFound,
    404,
    "Persona: inesistente o di un altro soggetto accreditato (tentativo registrato)"
);

answer!(
    /// 404 for an action outside the caller's scope (the attempt is audited).
    ActionNotFound,
    404,
    "Azione: inesistente o di un altro soggetto accreditato (tentativo registrato)"
);

answer!(
    /// 404 for a document outside the caller's scope (the attempt is audited).
    DocumentNotFound,
    404,
    "Documento: inesistente o di un altro soggetto accreditato (tentativo registrato)"
);

answer!(
    /// 404 for an appointment outside the caller's scope (the attempt is audited).
    AppointmentNotFound,
    404,
    "Appuntamento: inesistente o di un altro soggetto accreditato (tentativo registrato)"
);

answer!(
    /// 404: no such provider.
    ProviderNotFound,
    404,
    "Soggetto inesistente"
);

answer!(
    /// 404: no such sede.
    SedeNotFound,
    404,
    "Sede inesistente"
);

answer!(
    /// 404: no such operator.
    OperatorNotFound,
    404,
    "Operatore inesistente"
);

answer!(
    /// 404: no such communication.
    CommunicationNotFound,
    404,
    "Comunicazione inesistente"
);

answer!(
    /// 404: no such anomaly.
    AnomalyNotFound,
    404,
    "Anomalia inesistente"
);

answer!(
    /// 404: no such import.
    ImportNotFound,
    404,
    "Importazione inesistente"
);

answer!(
    /// 404: no such IDOL export.
    IdolExportNotFound,
    404,
    "Esportazione inesistente"
);
