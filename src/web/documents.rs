//! The signed programme on screen: the upload form, the list of uploads with what their
//! signatures say, and the audited download of each file.

use std::sync::Arc;

use maud::{Markup, html};
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{Route, State, get, post, routes};

use crate::access::AccessControl;
use crate::domain::ids::DocumentId;
use crate::domain::ids::RecipientId;
use crate::error::{AppError, FieldError};
use crate::repo::pool::ReadPool;
use crate::repo::writer::Writer;
use crate::service::signed_programmes::{Stored, store};
use crate::web::Site;
use crate::web::context::{RequestPath, RequestTime};
use crate::web::forms::{FormToken, field_errors};
use crate::web::guards::{Operatore, RecipientReader};
use crate::web::uploads::{SignedUpload, download_document, inspect_upload};
use crate::web::views::documents::upload_form;
use crate::web::views::download::Download;
use crate::web::views::layout::page;

#[allow(clippy::too_many_arguments)]
#[post("/destinatari/<id>/programma/firmato", data = "<form>")]
async fn upload(
    who: Operatore,
    id: RecipientId,
    path: RequestPath,
    form: crate::web::forms::Checked<SignedUpload<'_>>,
    token: FormToken,
    writer: &State<Writer>,
    now: RequestTime,
    access: &State<Arc<AccessControl>>,
    site: &State<Site>,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let again = |errors: Vec<FieldError>| {
        let body = html! { h1 { "Programma firmato" } p { a href={ "/destinatari/" (id) "/programma" } { "Torna al programma" } } (upload_form(id, &errors, &token, site.upload_max)) };
        (Status::UnprocessableEntity, page(Some(site), "Programma firmato", Some(&who.principal), body))
    };
    let inspected = match inspect_upload(form.file.as_ref(), site.upload_max).await {
        Ok(Some(up)) => up,
        Ok(None) => {
            return Ok(Err(again(vec![FieldError {
                field: "file".into(),
                message: "scegliere il file da caricare".into(),
            }])));
        }
        Err(e) => return Ok(Err(again(field_errors(e)?))),
    };
    let (now, scope, quota) = (now.get(), who.scope.clone(), site.upload_quota);
    match writer.write(move |tx| store(tx, now, &scope, id, None, &inspected, quota)).await {
        Ok(Stored { .. }) => Ok(Ok(Redirect::to(format!("/destinatari/{id}/programma#firmato")))),
        Err(AppError::NotFound) => Err(access.refuse_as_not_found(&who.principal, "POST", &path.0).await),
        Err(e) => Ok(Err(again(field_errors(e)?))),
    }
}

#[get("/documenti/<document>")]
async fn download(
    who: RecipientReader,
    document: DocumentId,
    path: RequestPath,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Download, AppError> {
    download_document(&who, document, &path.0, pool, access).await
}

pub fn routes() -> Vec<Route> {
    routes![upload, download]
}
