//! The landing page (no card) and the home page (who you are, what you can do).

use maud::{Markup, html};

use crate::access::Principal;
use crate::domain::role::Role;
use crate::infra::clock::format_it;
use crate::web::Site;
use crate::web::views::layout::page_at;

pub fn landing(site: &Site) -> Markup {
    page_at(
        Some(site),
        "Accesso con smartcard",
        None,
        "/",
        html! {
            h1 { "Accesso riservato con Carta Nazionale dei Servizi" }
            p.lead {
                "Questo servizio della " (site.region_name) " è riservato agli operatori dei soggetti accreditati "
                "per l'Assegno di Ricollocazione e al personale regionale abilitato. Si accede solo con la "
                strong { "smartcard (CNS o TS-CNS)" } ", senza nome utente né password."
            }
            div.alert.alert-info role="note" {
                p { "Il browser non ha presentato un certificato della carta, quindi non è possibile riconoscere chi sta accedendo." }
            }
            @if site.training {
                div.alert.alert-warning #carte-di-formazione role="note" {
                    h2 { "Ambiente di formazione: le carte di prova" }
                    p {
                        "Qui non serve una smartcard vera. " code.command { "ricolloca demo" } " ha creato una carta di prova per ogni profilo: "
                        "i file " code { ".p12" } " nella cartella " code { "persone" } " dell'istanza (password " code { "formazione" } "), "
                        "da importare nel browser insieme alla CA di formazione (cartella " code { "certificati" } ")."
                    }
                    ul {
                        li { strong { "Chromium" } ": Impostazioni › Privacy e sicurezza › Sicurezza › Gestisci certificati: "
                            "\"I tuoi certificati\" › Importa (il " code { ".p12" } "); \"Autorità\" › Importa (la CA)." }
                        li { strong { "Firefox" } ": Impostazioni › Privacy e sicurezza › Certificati › Mostra certificati: "
                            "\"Certificati personali\" › Importa (il " code { ".p12" } "); \"Autorità\" › Importa (la CA)." }
                    }
                    p {
                        "Poi chiudere tutte le finestre del browser, riaprirlo e tornare a questa pagina. Il tecnico rivede i nomi dei file "
                        "e i comandi per il terminale con " code.command { "ricolloca demo --help-cards" } "; vedere anche il "
                        a href="/manuale/introduzione" { "manuale, «Ambiente di formazione»" } "."
                    }
                }
            }
            h2 { "Come accedere" }
            ol.steps {
                li { "Collegare il " strong { "lettore di smartcard" } " al computer e inserire la carta (CNS o Tessera Sanitaria-CNS attivata)." }
                li { "Verificare che il " strong { "software della carta" } " (middleware fornito dall'ente che l'ha rilasciata) sia installato e che il browser lo usi." }
                li { "Chiudere " strong { "tutte" } " le finestre del browser, riaprirlo e tornare a questa pagina." }
                li { "Quando il browser lo chiede, scegliere il certificato con il proprio codice fiscale e digitare il " strong { "PIN" } " della carta." }
            }
            p {
                "L'abilitazione degli operatori avviene su comunicazione scritta del soggetto accreditato alla Regione. "
                "Se la carta viene letta ma l'accesso è negato, la pagina ne spiega il motivo."
            }
            p { a.button href="/manuale/accesso" { "Guida all'accesso con la smartcard" } " " a href="/manuale" { "Manuale completo" } }
        },
    )
}

pub fn home(site: &Site, user: &Principal) -> Markup {
    let op = user.operator();
    page_at(
        Some(site),
        "Pagina iniziale",
        Some(user),
        "/",
        html! {
            h1 { "Buongiorno, " (op.full_name()) }
            p.lead {
                "Accesso come " strong { (user.role().label()) }
                @if let Some(p) = &op.provider { " per " strong { (p.name) } }
                "."
            }
            dl.facts {
                dt { "Codice fiscale" } dd { code { (op.codice_fiscale) } }
                dt { "Emesso da" } dd { (user.cert().issuer) }
                dt { "Valido fino al" } dd { (format_it(user.cert().not_after)) }
                @if op.technical_exemption {
                    dt { "Esenzione" } dd { "Utenza tecnica esentata dalla disattivazione per inattività (Allegato B, punto 7)" }
                }
            }
            h2 { "Cosa si può fare" }
            ul.role-tasks {
                @match user.role() {
                    Role::Operatore => {
                        li { "Consultare i destinatari che hanno scelto il proprio soggetto, la loro SAP e il Programma di ricerca intensiva." }
                        li { "Registrare le azioni A06, B03, C06 e C07 con il programma firmato allegato." }
                    }
                    Role::Regione => {
                        li { "Gestire i soggetti accreditati e abilitare gli operatori dalle comunicazioni scritte." }
                        li { "Importare SAP e assegnazioni, esportare verso IDOL, seguire il monitoraggio." }
                    }
                    Role::Revisore => {
                        li { "Consultare e verificare il registro degli accessi e delle operazioni." }
                        li { "Produrre il rapporto degli accessi ai dati di un interessato." }
                    }
                    Role::Tecnico => {
                        li { "Eseguire e scaricare le copie di sicurezza del file dati." }
                        li { "Verificare lo stato del servizio e dei certificati." }
                    }
                }
            }
            @if matches!(user.role(), Role::Operatore | Role::Regione) {
                p { a.button href="/cruscotto" { "Apri il cruscotto dei destinatari" } }
            }
            @if matches!(user.role(), Role::Regione | Role::Revisore) {
                p { a.button href="/regione/soggetti" { "Soggetti accreditati" } " " a.button href="/regione/operatori" { "Operatori" } }
            }
            p.note { "Il " a href="/manuale" { "manuale" } " descrive le funzioni disponibili." }
        },
    )
}
