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

/// An entry of the main menu: a link, or a group of links that opens in place (no script).
pub enum MenuEntry {
    Link(&'static str, &'static str),
    Group(&'static str, Vec<(&'static str, &'static str)>),
}

/// The main menu of a role. The Region's and the auditor's screens are grouped, so that the
/// menu stays on one line from 1024 px up (tests/e2e measures it).
pub fn menu(role: Option<Role>) -> Vec<MenuEntry> {
    use MenuEntry::{Group, Link};
    let providers = || {
        Group(
            "Soggetti e utenze",
            vec![
                ("/regione/soggetti", "Soggetti accreditati"),
                ("/regione/operatori", "Operatori"),
                ("/regione/inattivita", "Inattività"),
                ("/regione/revisione", "Revisione annuale"),
            ],
        )
    };
    let mut entries = vec![Link("/", "Pagina iniziale")];
    match role {
        None => {}
        Some(Role::Operatore) => {
            entries.push(Link("/cruscotto", "Cruscotto"));
            entries.push(Link("/agenda", "Agenda"));
        }
        Some(Role::Regione) => {
            entries.push(Link("/cruscotto", "Cruscotto"));
            entries.push(providers());
            entries.push(Group(
                "Dati e flussi",
                vec![("/regione/esiti", "Esiti"), ("/regione/importazioni", "Importazioni"), ("/regione/idol", "IDOL")],
            ));
            entries.push(Link("/regione/anomalie", "Anomalie"));
        }
        Some(Role::Revisore) => {
            entries.push(providers());
            entries.push(Link("/regione/esiti", "Esiti"));
            entries.push(Group(
                "Registro accessi",
                vec![
                    ("/revisione/registro", "Ricerca nel registro"),
                    ("/revisione/interessato", "Accessi a un interessato"),
                    ("/revisione/attivita", "Attività periodica"),
                ],
            ));
        }
        Some(Role::Tecnico) => {
            entries.push(Link("/tecnico/backup", "Backup"));
            entries.push(Link("/tecnico/sistema", "Sistema"));
        }
    }
    entries.push(Link("/manuale", "Manuale"));
    entries
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
                            ul.menu {
                                @for entry in menu(user.map(|u| u.role())) {
                                    @match entry {
                                        MenuEntry::Link(href, label) => li { a href=(href) { (label) } },
                                        MenuEntry::Group(label, links) => li.menu-group {
                                            details {
                                                summary { (label) }
                                                ul.submenu {
                                                    @for (href, label) in links { li { a href=(href) { (label) } } }
                                                }
                                            }
                                        },
                                    }
                                }
                            }
                        }
                    }
                }
                main #contenuto.container tabindex="-1" {
                    @if user.is_some() {
                        // Shown only when the address ends in #informativa-letta: the notice's
                        // acknowledgement brings the person back here with it.
                        p #informativa-letta.alert.alert-success.confirmation role="status" {
                            "Presa visione dell'informativa registrata. Ecco la pagina che aveva chiesto."
                        }
                    }
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

/// Where an error page points for help: the smartcard help only when the card, or the account
/// behind it, is what stopped the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorHelp {
    /// No card, or a card or account refused: how to get in.
    Access,
    /// The card was read and the person is in: back to their own screens.
    Home,
    /// A form that was left open too long or came from elsewhere: open it again.
    Form,
    /// Everything else: the home page.
    None,
}

/// What an error page says: the status, its title, the message, the fields at fault, where
/// to turn, and the reference the log holds the cause under.
#[derive(Clone, Copy)]
pub struct ErrorView<'a> {
    pub status: u16,
    pub title: &'a str,
    pub message: &'a str,
    pub fields: &'a [FieldError],
    pub help: ErrorHelp,
    pub reference: &'a str,
}

/// The error page: what happened, in words a person can act on, and a reference. With the
/// person's name and menu when they are in (a wrong address or a screen of another profile
/// is not a reason to lose the way).
pub fn error_page(site: Option<&Site>, user: Option<&Principal>, error: &ErrorView<'_>) -> Markup {
    let ErrorView { status, title, message, fields, help, reference } = *error;
    let content = html! {
        div.alert.alert-danger role="alert" {
            h1 { (title) }
            p { (message) }
            @if !fields.is_empty() {
                ul.field-errors {
                    @for f in fields { li { strong { (f.field) } ": " (f.message) } }
                }
            }
            @match help {
                ErrorHelp::Access => p { a href="/manuale/accesso" { "Come si accede con la smartcard" } },
                ErrorHelp::Home => p { "Le funzioni del proprio profilo sono nel menu qui sopra e nella pagina iniziale." },
                ErrorHelp::Form => p { "Tornare alla pagina del modulo, ricaricarla e inviare di nuovo i dati." },
                ErrorHelp::None => {}
            }
            p.reference { "Codice " (status) " · riferimento " code { (reference) } }
        }
        p { a href="/" { "Torna alla pagina iniziale" } }
    };
    page(site, title, user, content)
}
