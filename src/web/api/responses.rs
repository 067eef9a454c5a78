//! The error answers the operations of `/api/v1` share, for their `#[utoipa::path]`:
//! `responses((status = 200, …), RecipientNotFound, Invalid)`. Each is the `Errore` body with
//! the status and the Italian description the description has always given; the answers
//! every operation may give (401, 403, 503, 415) are added in `openapi::shared_answers`.
#![allow(dead_code, reason = "documentation shapes: the real answers are built in web::errors")]

use utoipa::IntoResponses;

use super::openapi::common::Errore;

/// 422: the body or a parameter is not valid.
#[derive(IntoResponses)]
#[response(status = 422, description = "Dati non validi: un elemento per campo")]
pub struct Invalid(Errore);

/// 409: the `version` sent is not the current one.
#[derive(IntoResponses)]
#[response(status = 409, description = "Modificato nel frattempo da altri (`version`)")]
pub struct Stale(Errore);

/// 404 for a person outside the caller's scope (the attempt is audited).
#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "Persona: inesistente o di un altro soggetto accreditato (tentativo registrato)"
)]
pub struct RecipientNotFound(Errore);

/// 404 for an action outside the caller's scope (the attempt is audited).
#[derive(IntoResponses)]
#[response(status = 404, description = "Azione: inesistente o di un altro soggetto accreditato (tentativo registrato)")]
pub struct ActionNotFound(Errore);

/// 404 for a document outside the caller's scope (the attempt is audited).
#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "Documento: inesistente o di un altro soggetto accreditato (tentativo registrato)"
)]
pub struct DocumentNotFound(Errore);

/// 404 for an appointment outside the caller's scope (the attempt is audited).
#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "Appuntamento: inesistente o di un altro soggetto accreditato (tentativo registrato)"
)]
pub struct AppointmentNotFound(Errore);

/// 404: no such provider.
#[derive(IntoResponses)]
#[response(status = 404, description = "Soggetto inesistente")]
pub struct ProviderNotFound(Errore);

/// 404: no such sede.
#[derive(IntoResponses)]
#[response(status = 404, description = "Sede inesistente")]
pub struct SedeNotFound(Errore);

/// 404: no such operator.
#[derive(IntoResponses)]
#[response(status = 404, description = "Operatore inesistente")]
pub struct OperatorNotFound(Errore);

/// 404: no such communication.
#[derive(IntoResponses)]
#[response(status = 404, description = "Comunicazione inesistente")]
pub struct CommunicationNotFound(Errore);

/// 404: no such anomaly.
#[derive(IntoResponses)]
#[response(status = 404, description = "Anomalia inesistente")]
pub struct AnomalyNotFound(Errore);

/// 404: no such import.
#[derive(IntoResponses)]
#[response(status = 404, description = "Importazione inesistente")]
pub struct ImportNotFound(Errore);
