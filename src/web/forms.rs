//! HTML forms: the form token every form carries (checked by the gate before routing, so no
//! handler can forget it), and small markup helpers for fields with their errors.

use maud::{Markup, html};
use rocket::request::{FromRequest, Outcome, Request};

use crate::access::form_token;
use crate::error::{AppError, FieldError};
use crate::web::FormSecret;
use crate::web::gate::{self, TOKEN_FIELD};

/// The token for the person making this request.
pub struct FormToken(pub String);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for FormToken {
    type Error = AppError;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, AppError> {
        let secret = match req.rocket().state::<FormSecret>() {
            Some(s) => s,
            None => {
                return Outcome::Error((
                    rocket::http::Status::InternalServerError,
                    AppError::unexpected("no form secret"),
                ));
            }
        };
        let now = crate::web::request_time::of(req);
        match &gate::outcome(req).await.0 {
            Ok(p) => Outcome::Success(FormToken(form_token::token(&secret.0, &p.cert().sha256, now))),
            Err(e) => Outcome::Error((crate::web::errors::status_of(e), e.clone())),
        }
    }
}

/// A form parsed like `Form<T>`, but whose parse failures (a number that is not one, a
/// missing or repeated field, a body over the limit) become the house `AppError::Invalid`
/// with Italian messages naming each field, instead of Rocket's bare 422 page.
pub struct Checked<T>(pub T);

impl<T> Checked<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Checked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

#[rocket::async_trait]
impl<'r, T: rocket::form::FromForm<'r>> rocket::data::FromData<'r> for Checked<T> {
    type Error = AppError;

    async fn from_data(req: &'r Request<'_>, data: rocket::Data<'r>) -> rocket::data::Outcome<'r, Self> {
        use rocket::outcome::Outcome as O;
        match <rocket::form::Form<T> as rocket::data::FromData<'r>>::from_data(req, data).await {
            O::Success(form) => O::Success(Checked(form.into_inner())),
            O::Forward(f) => O::Forward(f),
            O::Error((status, errors)) => {
                let too_large = status == rocket::http::Status::PayloadTooLarge;
                let mut fields: Vec<FieldError> = errors
                    .iter()
                    .map(|e| FieldError {
                        field: e.name.as_ref().map(|n| n.to_string()).unwrap_or_else(|| "modulo".into()),
                        message: if too_large {
                            "i dati inviati superano la dimensione massima consentita".into()
                        } else {
                            parse_message(&e.kind).into()
                        },
                    })
                    .collect();
                fields.dedup();
                if fields.is_empty() {
                    fields.push(FieldError { field: "modulo".into(), message: "dati del modulo non leggibili".into() });
                }
                let e = AppError::Invalid(fields);
                let status = if too_large { status } else { rocket::http::Status::UnprocessableEntity };
                if !too_large {
                    crate::web::errors::remember(req, e.clone());
                }
                O::Error((status, e))
            }
        }
    }
}

/// The Italian for one of Rocket's form parse errors.
fn parse_message(kind: &rocket::form::error::ErrorKind<'_>) -> &'static str {
    use rocket::form::error::ErrorKind as K;
    match kind {
        K::Missing => "campo obbligatorio mancante",
        K::Int(_) => "deve essere un numero intero",
        K::Float(_) => "deve essere un numero",
        K::Bool(_) => "deve essere sì o no",
        K::InvalidLength { .. } => "lunghezza non ammessa",
        K::InvalidChoice { .. } => "valore non tra quelli ammessi",
        K::OutOfRange { .. } => "valore fuori dall'intervallo ammesso",
        K::Duplicate => "campo ripetuto",
        K::Unknown => "campo non previsto",
        K::Unexpected => "valore non atteso",
        K::Addr(_) => "indirizzo non valido",
        _ => "valore non valido",
    }
}

/// The whole content of an uploaded file (already within Rocket's size limits).
pub async fn read_upload(file: &rocket::fs::TempFile<'_>) -> Result<Vec<u8>, AppError> {
    use rocket::tokio::io::AsyncReadExt;
    let mut bytes = Vec::new();
    file.open().await.map_err(AppError::internal)?.read_to_end(&mut bytes).await.map_err(AppError::internal)?;
    Ok(bytes)
}

/// The hidden token field; put it first in every form.
pub fn token_field(token: &FormToken) -> Markup {
    html! { input type="hidden" name=(TOKEN_FIELD) value=(token.0); }
}

fn error_for<'a>(errors: &'a [FieldError], name: &str) -> Option<&'a str> {
    errors.iter().find(|e| e.field == name).map(|e| e.message.as_str())
}

/// What every file input says: a browser never fills a file input again, so a form refused
/// for any reason comes back without the file.
pub const FILE_AGAIN: &str = "Dopo un errore il file va scelto di nuovo.";

/// The id prefix of a page's fields (`f-address`).
pub const FIELD_IDS: &str = "f-";

/// A labelled text input with its error message (accessible: aria-invalid, aria-describedby).
pub fn text_field(name: &str, label: &str, value: &str, errors: &[FieldError], kind: &str, required: bool) -> Markup {
    text_field_in(FIELD_IDS, name, label, value, errors, kind, required)
}

/// `text_field` for a form repeated on one page (one per sede): its ids start with `ids`
/// (`f-sede-12-`) so they stay unique, and its `error_summary_in` links reach its own fields.
pub fn text_field_in(
    ids: &str,
    name: &str,
    label: &str,
    value: &str,
    errors: &[FieldError],
    kind: &str,
    required: bool,
) -> Markup {
    let error = error_for(errors, name);
    let id = format!("{ids}{name}");
    let err_id = format!("{id}-errore");
    html! {
        div.field.has-error[error.is_some()] {
            label for=(id) { (label) @if required { " " abbr title="obbligatorio" { "*" } } }
            input #(id) type=(kind) name=(name) value=(value) required[required]
                aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())];
            @if let Some(msg) = error { p.field-error id=(err_id) { (msg) } }
        }
    }
}

pub fn textarea(name: &str, label: &str, value: &str, errors: &[FieldError], required: bool) -> Markup {
    textarea_in(FIELD_IDS, name, label, value, errors, required)
}

/// `textarea` with the ids of a form that shares its page with another of the same fields.
pub fn textarea_in(ids: &str, name: &str, label: &str, value: &str, errors: &[FieldError], required: bool) -> Markup {
    let error = error_for(errors, name);
    let id = format!("{ids}{name}");
    let err_id = format!("{id}-errore");
    html! {
        div.field.has-error[error.is_some()] {
            label for=(id) { (label) @if required { " " abbr title="obbligatorio" { "*" } } }
            textarea #(id) name=(name) rows="3" required[required]
                aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())] { (value) }
            @if let Some(msg) = error { p.field-error id=(err_id) { (msg) } }
        }
    }
}

/// A select; `options` are (value, label).
pub fn select(name: &str, label: &str, selected: &str, options: &[(String, String)], errors: &[FieldError]) -> Markup {
    select_in(FIELD_IDS, name, label, selected, options, errors)
}

/// `select` with the ids of a form that shares its page with another of the same fields.
pub fn select_in(
    ids: &str,
    name: &str,
    label: &str,
    selected: &str,
    options: &[(String, String)],
    errors: &[FieldError],
) -> Markup {
    let error = error_for(errors, name);
    let id = format!("{ids}{name}");
    let err_id = format!("{id}-errore");
    html! {
        div.field.has-error[error.is_some()] {
            label for=(id) { (label) }
            select #(id) name=(name) aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())] {
                @for (value, text) in options {
                    option value=(value) selected[value == selected] { (text) }
                }
            }
            @if let Some(msg) = error { p.field-error id=(err_id) { (msg) } }
        }
    }
}

/// Errors that belong to no field shown on the form (e.g. a conflict), listed on top.
pub fn error_summary(errors: &[FieldError]) -> Markup {
    error_summary_in(FIELD_IDS, errors)
}

/// `error_summary` for a form whose fields were made with `text_field_in(ids, ..)`.
pub fn error_summary_in(ids: &str, errors: &[FieldError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.alert.alert-danger role="alert" tabindex="-1" {
                p { strong { "Correggere i dati indicati:" } }
                ul { @for e in errors { li { a href={ "#" (ids) (e.field) } { (e.message) } } } }
            }
        }
    }
}

/// Splits an `AppError` from a service into field errors to show on the form, or passes it on.
pub fn field_errors(e: AppError) -> Result<Vec<FieldError>, AppError> {
    match e {
        AppError::Invalid(errors) => Ok(errors),
        AppError::Conflict(f) => Ok(vec![f]),
        other => Err(other),
    }
}
