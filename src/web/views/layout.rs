//! The page frame, after the Designers Italia / AgID look: slim header with the Region's
//! name, a blue header bar with the service name, skip link, visible focus, readable type.

use maud::{DOCTYPE, Markup, html};

use crate::access::Principal;
use crate::domain::role::Role;
use crate::error::FieldError;
use crate::web::Site;

pub const SERVICE_NAME: &str = "Ricolloca";
pub const SERVICE_TAGLINE: &str = "Assegno di Ricollocazione — area riservata";

fn fallback_site() -> Site {
    Site { region_name: "Regione".into(), system_code: String::new(), upload_max: 0, upload_quota: 0, training: false }
}

/// A whole page. `user` shows who is logged in; `None` on public pages.
pub fn page(site: Option<&Site>, title: &str, user: Option<&Principal>, content: Markup) -> Markup {
    let fallback = fallback_site();
    let site = site.unwrap_or(&fallback);
    html! {
        (DOCTYPE)
        html lang="it" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (SERVICE_NAME) }
                link rel="stylesheet" href="/static/css/app.css";
                link rel="icon" href="/static/img/logo.svg" type="image/svg+xml";
            }
            body {
                a.skip-link href="#contenuto" { "Vai al contenuto" }
                header.site-header {
                    // Inside the banner landmark: axe wants all content in a landmark.
                    @if site.training {
                        div.training-banner role="note" { "AMBIENTE DI FORMAZIONE — dati fittizi, nessun valore legale" }
                    }
                    div.slim-header {
                        div.container { span.region { (site.region_name) } }
                    }
                    div.center-header {
                        div.container.header-row {
                            a.brand href="/" {
                                img src="/static/img/logo.svg" alt="" width="48" height="48";
                                span.brand-text {
                                    span.brand-name { (SERVICE_NAME) }
                                    span.brand-tagline { (SERVICE_TAGLINE) }
                                }
                            }
                            @if let Some(user) = user {
                                div.user-box {
                                    span.user-name { (user.operator().full_name()) }
                                    span.user-role { (user.role().label()) }
                                }
                            }
                        }
                    }
                    nav.main-nav aria-label="Menu principale" {
                        div.container {
                            ul {
                                li { a href="/" { "Pagina iniziale" } }
                                @if let Some(user) = user {
                                    @if matches!(user.role(), Role::Operatore | Role::Regione) {
                                        li { a href="/cruscotto" { "Cruscotto" } }
                                    }
                                    @if user.role() == Role::Operatore {
                                        li { a href="/agenda" { "Agenda" } }
                                    }
                                    @if matches!(user.role(), Role::Regione | Role::Revisore) {
                                        li { a href="/regione/soggetti" { "Soggetti accreditati" } }
                                        li { a href="/regione/operatori" { "Operatori" } }
                                        li { a href="/regione/inattivita" { "Inattività" } }
                                        li { a href="/regione/revisione" { "Revisione annuale" } }
                                        li { a href="/regione/esiti" { "Esiti" } }
                                        @if user.role() == Role::Regione {
                                            li { a href="/regione/importazioni" { "Importazioni" } }
                                            li { a href="/regione/idol" { "IDOL" } }
                                            li { a href="/regione/anomalie" { "Anomalie" } }
                                        }
                                    }
                                    @if user.role() == Role::Tecnico {
                                        li { a href="/tecnico/backup" { "Backup" } }
                                        li { a href="/tecnico/sistema" { "Sistema" } }
                                    }
                                    @if user.role() == Role::Revisore {
                                        li { a href="/revisione/registro" { "Registro accessi" } }
                                        li { a href="/revisione/interessato" { "Accessi a un interessato" } }
                                        li { a href="/revisione/attivita" { "Attività periodica" } }
                                    }
                                }
                                li { a href="/manuale" { "Manuale" } }
                            }
                        }
                    }
                }
                main #contenuto.container tabindex="-1" {
                    (content)
                }
                footer.site-footer {
                    div.container {
                        p { (site.region_name) " — " (SERVICE_NAME) ", " (SERVICE_TAGLINE) }
                        p {
                            "Ogni accesso e ogni operazione sono registrati. "
                            a href="/informativa" { "Informativa sul tracciamento" }
                            " · "
                            a href="/manuale/accesso" { "Come si accede" }
                            " · "
                            a href="/manuale" { "Manuale" }
                        }
                    }
                }
            }
        }
    }
}

/// The error page: what happened, in words a person can act on, and a reference.
pub fn error_page(
    site: Option<&Site>,
    status: u16,
    title: &str,
    message: &str,
    fields: &[FieldError],
    reference: &str,
) -> Markup {
    let content = html! {
        div.alert.alert-danger role="alert" {
            h1 { (title) }
            p { (message) }
            @if !fields.is_empty() {
                ul.field-errors {
                    @for f in fields { li { strong { (f.field) } ": " (f.message) } }
                }
            }
            @if status == 401 || status == 403 {
                p { a href="/manuale/accesso" { "Come si accede con la smartcard" } }
            }
            p.reference { "Codice " (status) " · riferimento " code { (reference) } }
        }
        p { a href="/" { "Torna alla pagina iniziale" } }
    };
    page(site, title, None, content)
}
