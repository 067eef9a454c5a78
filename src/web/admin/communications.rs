//! Registering a provider's written communication (with its signed or scanned file) and
//! downloading the file.

use maud::{Markup, html};
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{Route, get, post, routes};

use crate::domain::ids::{CommunicationId, ProviderId};
use crate::error::AppError;
use crate::web::communication_files::{Upload, download_document, register};
use crate::web::ctx::Ctx;
use crate::web::forms::FormToken;
use crate::web::guards::{AdminReader, Regione};
use crate::web::views::admin::{Values, communication_form};
use crate::web::views::download::Download;

#[post("/regione/soggetti/<id>/comunicazioni", data = "<upload>")]
async fn create_for_provider(
    who: Regione,
    ctx: Ctx<'_>,
    id: ProviderId,
    upload: crate::web::forms::Checked<Upload<'_>>,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    match register(&who, &ctx, Some(id), &upload).await? {
        Ok(_) => Ok(Ok(Redirect::to(format!("/regione/soggetti/{id}?esito=registrata")))),
        Err(errors) => {
            let values = Values {
                received_on: upload.received_on.clone(),
                protocol: upload.protocol.clone(),
                kind: upload.kind.clone(),
                note: upload.note.clone(),
            };
            Ok(Err((
                Status::UnprocessableEntity,
                ctx.page(
                    "Comunicazione scritta",
                    html! {
                        h1 { "Registra una comunicazione scritta" }
                        p { a href={ "/regione/soggetti/" (id) } { "Torna al soggetto" } }
                        (communication_form(Some(id), &values, &errors, &token))
                    },
                ),
            )))
        }
    }
}

/// Internal acts for the Region's own staff (no provider).
#[post("/regione/comunicazioni", data = "<upload>")]
async fn create_internal(
    who: Regione,
    ctx: Ctx<'_>,
    upload: crate::web::forms::Checked<Upload<'_>>,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    match register(&who, &ctx, None, &upload).await? {
        Ok(_) => Ok(Ok(Redirect::to("/regione/operatori?esito=registrata"))),
        Err(errors) => {
            let values = Values {
                received_on: upload.received_on.clone(),
                protocol: upload.protocol.clone(),
                kind: upload.kind.clone(),
                note: upload.note.clone(),
            };
            Ok(Err((
                Status::UnprocessableEntity,
                ctx.page(
                    "Atto interno",
                    html! {
                        h1 { "Registra un atto interno" }
                        (communication_form(None, &values, &errors, &token))
                    },
                ),
            )))
        }
    }
}

#[get("/regione/comunicazioni/<id>/documento")]
async fn download(who: AdminReader, ctx: Ctx<'_>, id: CommunicationId) -> Result<Download, AppError> {
    download_document(&who, &ctx, id).await
}

pub fn routes() -> Vec<Route> {
    routes![create_for_provider, create_internal, download]
}
