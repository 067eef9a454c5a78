//! The signed programme on screen: the upload form, the list of uploads with what their
//! signatures say, and the audited download of each file.

use maud::{Markup, html};
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{Route, get, post, routes};

use crate::domain::ids::DocumentId;
use crate::domain::ids::RecipientId;
use crate::error::{AppError, FieldError};
use crate::service::signed_programmes::{Stored, store};
use crate::web::ctx::Ctx;
use crate::web::forms::{FormToken, field_errors};
use crate::web::guards::{Operatore, RecipientReader};
use crate::web::uploads::{SignedUpload, download_document, inspect_upload};
use crate::web::views::documents::upload_form;
use crate::web::views::download::Download;

#[post("/destinatari/<id>/programma/firmato", data = "<form>")]
async fn upload(
    who: Operatore,
    ctx: Ctx<'_>,
    id: RecipientId,
    form: crate::web::forms::Checked<SignedUpload<'_>>,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let site = ctx.site;
    let again = |errors: Vec<FieldError>| {
        let body = html! { h1 { "Programma firmato" } p { a href={ "/destinatari/" (id) "/programma" } { "Torna al programma" } } (upload_form(id, &errors, &token, site.upload_max)) };
        (Status::UnprocessableEntity, ctx.page("Programma firmato", body))
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
    let (now, scope, quota) = (ctx.now, who.scope.clone(), site.upload_quota);
    match ctx.write_or_404(move |tx| store(tx, now, &scope, id, None, &inspected, quota)).await {
        Ok(Stored { .. }) => Ok(Ok(Redirect::to(format!("/destinatari/{id}/programma#firmato")))),
        Err(e) => Ok(Err(again(field_errors(e)?))),
    }
}

#[get("/documenti/<document>")]
async fn download(who: RecipientReader, ctx: Ctx<'_>, document: DocumentId) -> Result<Download, AppError> {
    download_document(&who, &ctx, document).await
}

pub fn routes() -> Vec<Route> {
    routes![upload, download]
}
