//! `/tecnico/sistema` (role `tecnico`): version, data file schema, the log level and the CRLs
//! in force, and a button that reloads both without a restart (as `systemctl reload` does
//! with SIGHUP); each reload is audited (`config.reload`).

use crate::domain::italian::count;
use std::sync::Arc;

use maud::{Markup, html};
use rocket::{Route, State, get, post, routes};

use crate::error::AppError;
use crate::infra::clock::format_it;
use crate::runtime::reload::{Prepared, Reloader};
use crate::service::identificativo::Issuer;
use crate::web::ctx::Ctx;
use crate::web::forms::{FormToken, token_field};
use crate::web::guards::Tecnico;

#[get("/tecnico/sistema")]
fn show(
    _who: Tecnico,
    ctx: Ctx<'_>,
    token: FormToken,
    reloader: &State<Arc<Reloader>>,
    issuer: &State<Arc<Issuer>>,
) -> Markup {
    render(&ctx, &token, reloader, issuer, None)
}

#[post("/tecnico/sistema/ricarica")]
async fn reload(
    who: Tecnico,
    ctx: Ctx<'_>,
    token: FormToken,
    reloader: &State<Arc<Reloader>>,
    issuer: &State<Arc<Issuer>>,
) -> Result<Markup, AppError> {
    let done = reloader.reload(who.0.actor(), "schermata").await?;
    Ok(render(&ctx, &token, reloader, issuer, Some(&done)))
}

fn render(ctx: &Ctx<'_>, token: &FormToken, reloader: &Reloader, issuer: &Issuer, done: Option<&Prepared>) -> Markup {
    let sources = ctx.access.revocation_sources();
    let sequence = issuer.current();
    ctx.page(
        "Sistema",
        html! {
            h1 { "Sistema" }
            @if let Some(done) = done {
                (outcome(done))
            }
            dl.facts {
                dt { "Versione" } dd { (env!("CARGO_PKG_VERSION")) " (schema del file dati " (crate::repo::SCHEMA_VERSION) ")" }
                dt { "Livello di log" } dd { code { (reloader.level()) } " (chiave " code { "log.level" } ")" }
            }
            h2 { "Identificativi politica" }
            p {
                "Ogni azione riceve un identificativo: " code { (issuer.system_code) } " + 8 cifre esadecimali di una sequenza "
                "+ una lettera di controllo. La Regione assegna a questo sistema una parte della sequenza, perché i numeri "
                "non coincidano mai con quelli rilasciati da IDOL."
            }
            dl.facts {
                dt { "Intervallo assegnato" } dd {
                    code { (format!("{:08X}", sequence.start)) } " – " code { (format!("{:08X}", sequence.end)) }
                    " (chiavi " code { "identificativo.range_start" } " e " code { "identificativo.range_end" } ")"
                }
                dt { "Ultimo numero rilasciato" } dd {
                    @match sequence.last { Some(l) => { code { (format!("{l:08X}")) } } None => { "nessuno" } }
                }
                dt { "Numeri ancora disponibili" } dd {
                    strong { (sequence.remaining) }
                    @if sequence.remaining < 1000 { " — " strong { "l'intervallo sta per esaurirsi: chiedere alla Regione un nuovo intervallo" } }
                }
                dt { "Registro esterno al file dati" } dd {
                    code { (issuer.high_water_path().display()) }
                    " (chiave " code { "identificativo.high_water" } "): ripristinare un backup più vecchio non fa mai riusare un numero"
                }
            }
            h2 { "Liste di revoca (CRL)" }
            (crate::web::views::audit::crl_banner(&sources, ctx.now))
            p { "Le carte revocate sono riconosciute da quando la CRL che le elenca è nel file: il servizio controlla i file delle CRL ogni 2 secondi e le ricarica appena cambiano. L'età dice da quanto la CA ha emesso la CRL in uso." }
            @if !sources.is_empty() {
                table.data {
                    thead { tr { th scope="col" { "Emittente" } th scope="col" { "File" } th scope="col" { "Carte revocate" } th scope="col" { "Emessa il (età)" } th scope="col" { "Prossimo aggiornamento" } th scope="col" { "File cambiato il" } } }
                    tbody {
                        @for s in &sources {
                            tr {
                                td { (s.issuer) }
                                td { code { (s.path.display()) } }
                                td { (s.revoked) }
                                td { (format_it(s.this_update)) " (" (age(ctx.now.ms_since(s.this_update))) ")" }
                                td { (s.next_update.map(format_it).unwrap_or_else(|| "non indicato".into())) }
                                td { (s.file_changed.map(format_it).unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
            h2 { "Ricarica" }
            p {
                "Rilegge le CRL e il livello di log dal file di configurazione senza fermare il servizio (lo stesso fa "
                code { "systemctl reload ricolloca" } "). Le CRL si ricaricano anche da sole quando i loro file cambiano. "
                "Le altre chiavi richiedono un riavvio."
            }
            form method="post" action="/tecnico/sistema/ricarica" {
                (token_field(token))
                button.button type="submit" { "Ricarica CRL e livello di log" }
            }
        },
    )
}

fn outcome(done: &Prepared) -> Markup {
    let failed = done.level.is_err() || matches!(done.crls, Some(Err(_)));
    html! {
        div.alert.(if failed { "alert-danger" } else { "alert-success" }) role="status" {
            ul {
                @match &done.level {
                    Ok(level) => li { "Livello di log: " code { (level) } "." },
                    Err(e) => li { "Configurazione non riletta, il livello di log resta invariato: " (e) },
                }
                @match &done.crls {
                    Some(Ok(n)) => li { (count(*n, "CRL ricaricata", "CRL ricaricate")) "." },
                    Some(Err(e)) => li { "CRL non ricaricate, restano in vigore le precedenti: " (e) },
                    None => li { "Nessuna CRL configurata (tls.crl)." },
                }
            }
        }
    }
}

pub fn routes() -> Vec<Route> {
    routes![show, reload]
}

/// An age in words: "40 minuti", "5 ore", "3 giorni".
fn age(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    match minutes {
        0..=1 => "meno di un minuto fa".into(),
        2..=119 => format!("{minutes} minuti fa"),
        120..=2879 => format!("{} ore fa", minutes / 60),
        _ => format!("{} giorni fa", minutes / 1440),
    }
}
