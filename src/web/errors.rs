//! How errors look: an Italian page (or JSON under /api) with a reference the user can quote;
//! the cause goes only to the log, under the same reference.

use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use rocket::serde::json::json;
use rocket::{Catcher, catch, catchers};

use crate::domain::operator::Refusal;
use crate::error::AppError;
use crate::web::request_log::{original_path, request_id};
use crate::web::views::layout::{self, ErrorHelp};

pub fn status_of(e: &AppError) -> Status {
    match e {
        AppError::Unauthenticated => Status::Unauthorized,
        AppError::Refused(_) => Status::Forbidden,
        AppError::NotFound => Status::NotFound,
        AppError::UnsupportedMediaType => Status::UnsupportedMediaType,
        AppError::Invalid(_) => Status::UnprocessableEntity,
        AppError::Conflict(_) => Status::Conflict,
        AppError::Declined { .. } => Status::UnprocessableEntity,
        AppError::Unavailable(_) | AppError::AuditTimeout(_) | AppError::DiskFull(_) => Status::ServiceUnavailable,
        AppError::Internal(_) => Status::InternalServerError,
    }
}

/// Stable code for API clients.
fn code_of(e: &AppError) -> &'static str {
    match e {
        AppError::Unauthenticated => "certificato_assente",
        AppError::Refused(r) => r.code(),
        AppError::NotFound => "non_trovato",
        AppError::UnsupportedMediaType => "tipo_contenuto",
        AppError::Invalid(_) => "dati_non_validi",
        AppError::Conflict(_) => "conflitto",
        AppError::Declined { .. } => "non_eseguito",
        AppError::Unavailable(_) => "non_disponibile",
        AppError::AuditTimeout(_) => "registro_non_disponibile",
        AppError::DiskFull(_) => "disco_pieno",
        AppError::Internal(_) => "errore_interno",
    }
}

fn title_of(status: Status) -> &'static str {
    match status.code {
        400 => "Richiesta non valida",
        401 => "Accesso con smartcard richiesto",
        403 => "Accesso negato",
        404 => "Pagina non trovata",
        405 => "Operazione non consentita",
        408 => "Invio troppo lento",
        413 => "Dati troppo grandi",
        415 => "Formato non accettato",
        422 => "Dati non validi",
        409 => "Conflitto",
        503 => "Servizio momentaneamente non disponibile",
        _ => "Errore",
    }
}

fn message_of(e: &AppError) -> String {
    match e {
        AppError::Unauthenticated => "Per accedere a questa pagina occorre presentare la Carta Nazionale dei Servizi (CNS) \
            inserita nel lettore. Chiudere il browser, inserire la carta e riaprire la pagina iniziale."
            .into(),
        AppError::Refused(r) => r.message().into(),
        AppError::NotFound => "La pagina o l'elemento richiesto non esiste, oppure non è tra quelli a cui si ha accesso.".into(),
        AppError::UnsupportedMediaType => {
            "Le richieste di modifica all'API devono essere inviate con Content-Type application/json (o XML/CSV per le importazioni).".into()
        }
        AppError::Invalid(_) => "Alcuni dati non sono validi: correggere i campi indicati.".into(),
        AppError::Conflict(f) => f.message.clone(),
        AppError::Declined { reason, .. } => reason.clone(),
        AppError::Unavailable(_) => {
            "Il servizio non può registrare dati in questo momento. Nessuna modifica è stata salvata: riprovare tra qualche minuto; se il problema persiste, avvisare l'assistenza tecnica.".into()
        }
        AppError::AuditTimeout(_) => "Questa consultazione deve essere registrata nel registro degli accessi, che in questo \
            momento non risponde in tempo: i dati non vengono mostrati. Riprovare tra qualche secondo; se il problema \
            persiste, avvisare l'assistenza tecnica."
            .into(),
        AppError::DiskFull(_) => "Spazio su disco esaurito: il servizio non può registrare dati, né le consultazioni che \
            devono essere registrate nel registro degli accessi. Nessuna modifica è stata salvata. Avvisare l'assistenza \
            tecnica, che deve liberare spazio sul disco; dopo, il servizio riprende da solo."
            .into(),
        AppError::Internal(_) => {
            "Si è verificato un errore imprevisto. Nessuna modifica è stata salvata. Comunicare il riferimento all'assistenza tecnica.".into()
        }
    }
}

fn message_for_status(status: Status) -> &'static str {
    match status.code {
        400 => "La richiesta non è stata compresa.",
        404 => "La pagina o l'elemento richiesto non esiste, oppure non è tra quelli a cui si ha accesso.",
        405 => "Questa operazione non è consentita su questa pagina.",
        408 => {
            "I dati sono arrivati troppo lentamente e l'invio è stato interrotto: nulla è stato salvato. Riprovare; se succede ancora, controllare la connessione."
        }
        413 => "I dati inviati superano la dimensione massima consentita.",
        422 => "I dati inviati non sono nel formato atteso.",
        503 => "Il servizio è momentaneamente occupato: nulla è stato salvato. Riprovare tra qualche istante.",
        _ => "Si è verificato un errore. Comunicare il riferimento all'assistenza tecnica.",
    }
}

/// What helps after this error: the smartcard help only when the card or the account is the
/// reason (not for a profile that lacks the function: the card was read fine).
fn help_for(status: Status, e: Option<&AppError>) -> ErrorHelp {
    match e {
        Some(AppError::Unauthenticated) => ErrorHelp::Access,
        Some(AppError::Refused(r)) => match r {
            Refusal::WrongRole | Refusal::ForeignObject | Refusal::PlainBackup => ErrorHelp::Home,
            Refusal::CrossSite | Refusal::FormExpired => ErrorHelp::Form,
            Refusal::CertificateNotValidNow
            | Refusal::CertificateRevoked
            | Refusal::CertificateWithoutCrl
            | Refusal::CertificatePolicy
            | Refusal::InvalidCodiceFiscale
            | Refusal::UnknownOperator
            | Refusal::OperatorDisabled
            | Refusal::OperatorIdle
            | Refusal::ProviderSuspended => ErrorHelp::Access,
        },
        _ if status.code == 401 => ErrorHelp::Access,
        _ => ErrorHelp::None,
    }
}

fn wants_json(req: &Request<'_>) -> bool {
    original_path(req).starts_with("/api/")
}

/// The error a guard failed with, for the catcher to render precisely.
struct Remembered(Option<AppError>);

pub fn remember(req: &Request<'_>, e: AppError) {
    req.local_cache(|| Remembered(Some(e)));
}

fn render(req: &Request<'_>, status: Status, e: Option<&AppError>) -> response::Result<'static> {
    let reference = request_id(req);
    if let Some(e) = e {
        e.log(&reference, &original_path(req));
    }
    let message = e.map(message_of).unwrap_or_else(|| message_for_status(status).to_owned());
    let fields = match e {
        Some(AppError::Invalid(fields)) => fields.clone(),
        Some(AppError::Conflict(f)) => vec![f.clone()],
        _ => Vec::new(),
    };
    if wants_json(req) {
        let code = e.map(code_of).unwrap_or("errore");
        let body = json!({ "error": code, "message": message, "errors": fields, "reference": reference });
        return Response::build()
            .status(status)
            .header(ContentType::JSON)
            .sized_body(None, std::io::Cursor::new(body.to_string()))
            .ok();
    }
    let site = req.rocket().state::<crate::web::Site>().cloned();
    // The person, when the gate let them in (a wrong profile, a missing page): their name and
    // menu stay. Read from the gate's cache only: an error page never runs the access check.
    let user =
        req.local_cache(|| crate::web::gate::GateOutcome(Err(AppError::Unauthenticated))).0.as_ref().ok().cloned();
    let help = help_for(status, e);
    let view = layout::ErrorView {
        status: status.code,
        title: title_of(status),
        message: &message,
        fields: &fields,
        help,
        reference: &reference,
    };
    let page = layout::error_page(site.as_ref(), user.as_deref(), &view);
    Response::build()
        .status(status)
        .header(ContentType::HTML)
        .sized_body(None, std::io::Cursor::new(page.into_string()))
        .ok()
}

impl<'r> Responder<'r, 'static> for AppError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        render(req, status_of(&self), Some(&self))
    }
}

/// Catchers render the error a guard remembered, or a generic message for the status.
#[catch(default)]
fn default_catcher(status: Status, req: &Request<'_>) -> ErrorPage {
    let remembered = req.local_cache(|| Remembered(None)).0.clone();
    // A remembered error only explains this response if the status matches.
    let e = remembered.filter(|e| status_of(e) == status);
    let e = e.or_else(|| (status == Status::Unauthorized).then_some(AppError::Unauthenticated));
    let e = e.or_else(|| (status == Status::UnprocessableEntity).then(|| unparsed_parameter(req)));
    ErrorPage(status, e)
}

/// Rocket answers 422 by itself when a path or query parameter does not parse (an id that is
/// not a number, a missing `?month=`): name the parameter, from the last route tried.
fn unparsed_parameter(req: &Request<'_>) -> AppError {
    let field = req.route().and_then(|route| {
        let template = route.uri.to_string();
        let (path, query) = template.split_once('?').unwrap_or((template.as_str(), ""));
        let given: Vec<&str> = req.uri().path().as_str().split('/').collect();
        let from_path = path.split('/').enumerate().find_map(|(i, segment)| {
            let name = segment.strip_prefix('<')?.strip_suffix('>')?;
            let value = given.get(i).copied().unwrap_or_default();
            (!name.ends_with("..") && value.parse::<i64>().is_err()).then(|| name.to_owned())
        });
        from_path.or_else(|| {
            query
                .split('&')
                .find_map(|q| q.strip_prefix('<')?.strip_suffix('>').map(|n| n.trim_end_matches("..").to_owned()))
        })
    });
    let (field, message) = match field {
        Some(name) => (name, "valore non valido o mancante in questo parametro dell'indirizzo"),
        None => ("richiesta".to_owned(), "i dati inviati non sono nel formato atteso"),
    };
    AppError::Invalid(vec![crate::error::FieldError { field, message: message.into() }])
}

/// What a catcher answers: the status with the error that explains it, if known.
struct ErrorPage(Status, Option<AppError>);

impl<'r> Responder<'r, 'static> for ErrorPage {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        render(req, self.0, self.1.as_ref())
    }
}

pub fn catchers() -> Vec<Catcher> {
    catchers![default_catcher]
}
