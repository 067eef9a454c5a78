//! `/informativa`: the tracking notice, and its acknowledgement. Until a person has
//! acknowledged the current text, the gate sends their pages here (API requests are not
//! held back: programs cannot read a notice; their owners acknowledge it on the screens),
//! and the acknowledgement takes them on to the page they asked for, with a confirmation
//! line (the layout's `#informativa-letta`, shown by the fragment: no cookie, no state).

use std::sync::Arc;

use maud::{Markup, PreEscaped, html};
use pulldown_cmark::{Event, Options, Parser, html as md_html};
use rocket::response::Redirect;
use rocket::{Route, State, get, post, routes};

use crate::error::AppError;
use crate::service::notice::{Notice, acknowledge};
use crate::web::asked_for::{AskedFor, back_to, notice_uri};
use crate::web::ctx::Ctx;
use crate::web::forms::{FormToken, token_field};
use crate::web::guards::Utente;

/// Markdown to HTML, raw HTML dropped (the file is the Region's, not ours).
fn render(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES)
        .filter(|e| !matches!(e, Event::Html(_) | Event::InlineHtml(_)));
    let mut out = String::new();
    md_html::push_html(&mut out, parser);
    out
}

/// The fragment that shows the layout's confirmation line.
pub const CONFIRMATION: &str = "informativa-letta";

#[get("/informativa?<torna>")]
async fn show(
    who: Utente,
    ctx: Ctx<'_>,
    torna: Option<String>,
    token: FormToken,
    notice: &State<Arc<Notice>>,
) -> Result<Markup, AppError> {
    let done = notice.is_acknowledged(ctx.pool, who.0.operator().id).await?;
    Ok(ctx.page(
        "Informativa sul tracciamento",
        html! {
            article.manual { (PreEscaped(render(notice.text()))) }
            @if done {
                p.alert.alert-success role="status" { "Presa visione già registrata per questa versione dell'informativa." }
            } @else {
                form method="post" action="/informativa" {
                    (token_field(&token))
                    input type="hidden" name="sha256" value=(notice.sha256());
                    input type="hidden" name="torna" value=(back_to(torna.as_deref()));
                    p { "Per continuare a usare Ricolloca occorre confermare di aver letto l'informativa. La conferma è registrata; subito dopo si apre la pagina richiesta." }
                    button.button type="submit" { "Ho letto l'informativa" }
                }
            }
            p { small { "Versione " code { (notice.sha256().get(..12).unwrap_or_default()) } } }
        },
    ))
}

#[derive(Debug, rocket::FromForm)]
struct Ack {
    sha256: String,
    torna: Option<String>,
}

#[post("/informativa", data = "<form>")]
async fn acknowledge_form(
    who: Utente,
    ctx: Ctx<'_>,
    form: crate::web::forms::Checked<Ack>,
    notice: &State<Arc<Notice>>,
) -> Result<Redirect, AppError> {
    // The text may have changed while the page was open: acknowledge only what was read.
    if form.sha256 != notice.sha256() {
        return Ok(Redirect::to(notice_uri(form.torna.as_deref())));
    }
    let (now, actor, id, sha) = (ctx.now, who.0.actor(), who.0.operator().id, form.sha256.clone());
    ctx.write(move |tx| acknowledge(tx, now, &actor, id, &sha)).await?;
    notice.remember(id);
    Ok(Redirect::to(format!("{}#{CONFIRMATION}", back_to(form.torna.as_deref()))))
}

/// Where the gate sends a page request of someone who has not acknowledged the notice.
#[get("/__informativa")]
fn required(asked: &AskedFor) -> Redirect {
    Redirect::to(notice_uri(asked.0.as_deref()))
}

pub fn routes() -> Vec<Route> {
    routes![show, acknowledge_form, required]
}
