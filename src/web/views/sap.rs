//! The SAP section by section, every element of the national schema labelled in Italian, each
//! coded value with the label of its national table beside the code (an unknown code shows
//! alone). Used by the SAP page; section VI has its own table (`web::recipients`).

use crate::domain::italian::count;
use maud::{Markup, html};

use crate::domain::sap::{
    Azienda, DatiAmministrativi, DatiAnagrafici, DatiInvio, EsperienzaLavoro, Indirizzo, InformazioniCurriculari,
};
use crate::domain::text::italian_date;
use crate::infra::sap_schema::Finding;
use crate::repo::codes::Labels;

/// One row of a definition list: shown only when there is a value.
struct Facts<'a> {
    labels: &'a Labels,
    rows: Vec<(&'static str, Markup)>,
}

impl<'a> Facts<'a> {
    fn new(labels: &'a Labels) -> Self {
        Self { labels, rows: Vec::new() }
    }
    fn text(mut self, label: &'static str, value: &Option<String>) -> Self {
        if let Some(v) = value {
            self.rows.push((label, html! { (v) }));
        }
        self
    }
    fn date(mut self, label: &'static str, value: &Option<String>) -> Self {
        if let Some(v) = value {
            self.rows.push((label, html! { (italian_date(v)) }));
        }
        self
    }
    /// A coded value: "code — label" from the national table `list`, the code alone if unknown.
    fn code(mut self, label: &'static str, list: &str, value: &Option<String>) -> Self {
        if let Some(v) = value {
            self.rows.push((label, html! { (self.labels.show(list, v)) }));
        }
        self
    }
    fn markup(mut self, label: &'static str, value: Option<Markup>) -> Self {
        if let Some(m) = value {
            self.rows.push((label, m));
        }
        self
    }
    fn render(self) -> Markup {
        html! {
            @if self.rows.is_empty() { p.note { "Nessun dato." } } @else {
                dl.facts {
                    @for (label, value) in self.rows { dt { (label) } dd { (value) } }
                }
            }
        }
    }
}

fn si_no(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|v| match v.as_str() {
        "SI" => "sì".to_owned(),
        "NO" => "no".to_owned(),
        other => other.to_owned(),
    })
}

fn section(title: &str, body: Markup) -> Markup {
    html! { section.sap-section { h2 { (title) } (body) } }
}

fn dati_invio(d: &DatiInvio, labels: &Labels) -> Markup {
    Facts::new(labels)
        .text("Identificativo SAP", &d.identificativo_sap)
        .code("Ente titolare (CPI)", "cpi", &d.codice_ente_titolare)
        .date("Data ultimo aggiornamento", &d.data_ultimo_aggiornamento)
        .code("Tipo variazione", "tipo_variazione", &d.tipo_variazione)
        .date("Data di nascita", &d.data_nascita)
        .render()
}

fn indirizzo(i: &Indirizzo, labels: &Labels) -> Markup {
    Facts::new(labels)
        .text("Indirizzo", &i.indirizzo)
        .text("Località", &i.localita)
        .text("CAP", &i.cap)
        .code("Comune", "comune", &i.comune)
        .render()
}

fn dati_anagrafici(d: &DatiAnagrafici, labels: &Labels) -> Markup {
    let p = &d.dati_personali;
    html! {
        h3 { "Dati personali" }
        (Facts::new(labels)
            .markup("Codice fiscale", Some(html! { code { (p.codice_fiscale) } }))
            .text("Cognome", &p.cognome)
            .text("Nome", &p.nome)
            .code("Sesso", "sesso", &p.sesso)
            .date("Data di nascita", &p.data_nascita)
            .code("Comune o stato estero di nascita", "comune", &p.comune_nascita)
            .code("Cittadinanza", "cittadinanza", &p.cittadinanza)
            .render())
        @if let Some(s) = &d.dati_stranieri {
            h3 { "Cittadino straniero: titolo di soggiorno" }
            (Facts::new(labels)
                .code("Tipo di documento", "tipo_documento_soggiorno", &s.tipo_documento)
                .text("Numero", &s.numero)
                .code("Motivo", "motivo_permesso", &s.motivo)
                .date("Valido fino al", &s.valido_al)
                .date("Data ultimo mantenimento dell'iscrizione", &s.data_ultimo_mantenimento_iscrizione)
                .render())
        }
        @if let Some(r) = &d.residenza { h3 { "Residenza" } (indirizzo(r, labels)) }
        @if let Some(r) = &d.domicilio { h3 { "Domicilio" } (indirizzo(r, labels)) }
        h3 { "Recapiti" }
        (Facts::new(labels)
            .text("Telefono", &d.recapiti.telefono)
            .text("Cellulare", &d.recapiti.cellulare)
            .text("Fax", &d.recapiti.fax)
            .text("Email", &d.recapiti.email)
            .render())
    }
}

fn dati_amministrativi(d: &DatiAmministrativi, labels: &Labels) -> Markup {
    let s = &d.stato_in_anagrafe;
    html! {
        h3 { "Stato in anagrafe" }
        (Facts::new(labels)
            .code("Stato occupazionale", "stato_occupazionale", &s.stato_occupazionale)
            .code("Condizione", "condizione", &s.condizione)
            .code("Categoria D.Lgs. 297/2002", "categoria_297", &s.categoria_297)
            .text("Anzianità di disoccupazione (mesi)", &s.anzianita_mesi)
            .text("Indice di profilazione", &s.indice_profiling)
            .date("Data ultimo evento", &s.data_evento)
            .date("Data della dichiarazione di disponibilità (DID)", &s.data_disponibilita)
            .render())
        @for p in &d.periodi_disoccupazione {
            h3 { "Periodo di disoccupazione" }
            (Facts::new(labels)
                .date("Data di ingresso", &p.data_ingresso)
                .code("Tipo di ingresso", "tipo_ingresso", &p.tipo_ingresso)
                .render())
        }
        @for l in &d.liste_speciali {
            h3 { "Lista speciale" }
            (Facts::new(labels)
                .code("Lista", "tipo_lista", &l.tipo_lista)
                .date("Data di iscrizione", &l.data_iscrizione)
                .date("Data di fine iscrizione", &l.data_fine_iscrizione)
                .date("Data di massimo differimento", &l.data_massimo_differimento)
                .code("Provincia di iscrizione", "provincia", &l.provincia)
                .render())
        }
        @if d.obbligo_formativo.is_some() || d.categorie_protette.is_some() || d.indice_isee.is_some() {
            h3 { "Altre notizie" }
            (Facts::new(labels)
                .text("Assolvimento dell'obbligo formativo", &d.obbligo_formativo)
                .code("Appartenenza a categorie protette", "categoria_protetta", &d.categorie_protette)
                .text("Indice ISEE", &d.indice_isee)
                .render())
        }
    }
}

fn azienda<'a>(a: &Azienda, labels: &'a Labels) -> Facts<'a> {
    Facts::new(labels)
        .text("Codice fiscale", &a.codice_fiscale)
        .text("Denominazione", &a.denominazione)
        .text("Indirizzo", &a.indirizzo)
        .code("Settore (ATECO)", "ateco", &a.ateco)
}

fn esperienza(e: &EsperienzaLavoro, labels: &Labels) -> Markup {
    let t = &e.tipo_rapporto;
    html! {
        h4 { "Datore di lavoro" }
        (azienda(&e.azienda, labels).render())
        @if let Some(u) = &e.utilizzatrice { h4 { "Azienda utilizzatrice" } (azienda(u, labels).render()) }
        h4 { "Rapporto di lavoro" }
        (Facts::new(labels)
            .date("Data di inizio", &e.data_inizio)
            .date("Data di fine", &e.data_fine)
            .date("Fine del periodo formativo", &e.data_fine_periodo_formativo)
            .code("Qualifica professionale (CP2011)", "professione", &e.professione)
            .text("Principali mansioni e responsabilità", &e.compiti)
            .code("Tipo di contratto", "tipo_contratto", &t.tipo_contratto)
            .code("Categoria di inquadramento", "categoria_inquadramento", &t.categoria_inquadramento)
            .text("Assunzione ai sensi della L. 68/1999", &si_no(&t.assunzione_legge_68))
            .text("Lavoratore in mobilità", &si_no(&t.lavoratore_in_mobilita))
            .text("Lavoro stagionale", &si_no(&t.lavoro_stagionale))
            .text("Lavoro in agricoltura", &si_no(&t.lavoro_in_agricoltura))
            .code("Modalità di lavoro", "modalita_lavoro", &e.modalita_lavoro)
            .text("Indirizzo del luogo di lavoro", &e.luogo_lavoro.indirizzo)
            .code("Sede di lavoro (comune o stato estero)", "comune", &e.luogo_lavoro.comune)
            .render())
    }
}

fn informazioni(c: &InformazioniCurriculari, labels: &Labels) -> Markup {
    html! {
        @if !c.livelli_istruzione.is_empty() {
            h3 { "Livelli di istruzione" }
            ul { @for l in &c.livelli_istruzione { li { (labels.show("livello_istruzione", l)) } } }
        }
        @for t in &c.titoli_studio {
            h3 { "Titolo di studio" }
            (Facts::new(labels)
                .code("Livello di istruzione", "livello_istruzione", &t.livello)
                .text("Corso di studio (codice)", &t.corso_studio)
                .text("Descrizione del corso di studio", &t.descrizione_corso_studio)
                .code("Comune di frequenza", "comune", &t.comune_frequenza)
                .code("Riconosciuto in", "riconosciuto_in", &t.riconosciuto_in)
                .text("Votazione", &t.votazione)
                .text("Anno di conseguimento", &t.anno_termine)
                .text("Ultimo anno frequentato", &t.anno_frequentato)
                .text("Anno di frequenza", &t.anno_frequenza)
                .render())
        }
        @for f in &c.formazione_professionale {
            h3 { "Formazione professionale" }
            (Facts::new(labels)
                .text("Titolo del corso", &f.titolo_corso)
                .text("Ente di formazione", &f.ente)
                .code("Regione", "regione", &f.regione)
                .markup("Durata", f.durata.map(|d| html! {
                    (labels.duration(d, f.tipologia_durata.as_deref()))
                }))
                .code("Certificazioni e attestati", "certificazione", &f.certificazioni_attestati)
                .text("Stage", &f.stage)
                .text("Azienda dello stage", &f.denominazione_azienda_stage)
                .render())
        }
        @for l in &c.lingue_straniere {
            h3 { "Lingua straniera" }
            (Facts::new(labels)
                .code("Lingua", "lingua", &l.lingua)
                .code("Lettura", "livello_lingua", &l.livello_letto)
                .code("Scrittura", "livello_lingua", &l.livello_scritto)
                .code("Espressione orale", "livello_lingua", &l.livello_parlato)
                .render())
        }
        @for k in &c.conoscenze_informatiche {
            h3 { "Conoscenza informatica" }
            (Facts::new(labels)
                .code("Conoscenza", "conoscenza_informatica", &k.conoscenza)
                .code("Grado", "grado_conoscenza", &k.grado)
                .text("Specifiche", &k.specifiche)
                .render())
        }
        @for a in &c.altre_informazioni {
            h3 { "Albi, patenti, patentini" }
            (Facts::new(labels)
                .code("Albo professionale", "albo", &a.albo)
                .code("Patente di guida", "patente", &a.patente_guida)
                .code("Patentino", "patentino", &a.patentino)
                .render())
        }
    }
}

/// Sections 0-5.
pub fn sections(
    invio: &DatiInvio,
    anagrafici: &DatiAnagrafici,
    amministrativi: &DatiAmministrativi,
    esperienze: &[EsperienzaLavoro],
    curriculari: &InformazioniCurriculari,
    labels: &Labels,
) -> Markup {
    html! {
        (section("Sezione 0 — Dati di invio", dati_invio(invio, labels)))
        (section("Sezione 1 — Dati anagrafici", dati_anagrafici(anagrafici, labels)))
        (section("Sezione 2 — Dati amministrativi", dati_amministrativi(amministrativi, labels)))
        (section("Sezione 4 — Esperienze di lavoro", html! {
            @if esperienze.is_empty() { p.note { "Nessuna esperienza di lavoro." } }
            @for (i, e) in esperienze.iter().enumerate() {
                h3 { "Esperienza " (i + 1) } (esperienza(e, labels))
            }
        }))
        (section("Sezione 5 — Informazioni curriculari", informazioni(curriculari, labels)))
    }
}

/// What the file carried outside the schema: a flag on top of the page, then the list.
pub fn findings(findings: &[Finding]) -> Markup {
    html! {
        @if !findings.is_empty() {
            div.alert.alert-warning role="note" {
                p { strong { "Il file della SAP conteneva dati non riconosciuti o non conformi allo schema nazionale." }
                    " Sono elencati qui sotto; il resto della scheda è stato letto per intero." }
                details {
                    summary { (count(findings.len(), "segnalazione", "segnalazioni")) }
                    ul { @for f in findings { li { code { (f.path) } ": " (f.reason) @if f.count > 1 { " (" (f.count) " volte)" } } } }
                }
            }
        }
    }
}
