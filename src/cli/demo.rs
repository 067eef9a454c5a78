//! `ricolloca demo`: a training instance in one command. Makes a throwaway CA, a server
//! certificate, CNS-shaped client certificates (PKCS#12) for one person of each role, a
//! configuration and realistic fake data, then serves. Running it again reuses the folder.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::access::AdminAuthority;
use crate::config::Config;
use crate::domain::codice_fiscale::{CodiceFiscale, check_letter};
use crate::domain::ids::ProviderId;
use crate::domain::operator::ValidOperator;
use crate::domain::partita_iva;
use crate::domain::provider::ProviderDraft;
use crate::domain::role::Role;
use crate::domain::sede::SedeDraft;
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, StartupError};
use crate::infra::clock::{Clock, datetime};
use crate::infra::pki::{self, Ca, CnsPerson, KeyKind};
use crate::{repo, service};

/// Password of every demo .p12 file.
pub const P12_PASSWORD: &str = "formazione";

/// A demo person; `cf_body` is the first 15 characters, the check letter is computed.
struct Person {
    file: &'static str,
    cf_body: &'static str,
    surname: &'static str,
    name: &'static str,
    role: Role,
    /// Index into PROVIDERS.
    provider: Option<usize>,
    role_title: &'static str,
    /// The card is on the demo CRL: shows the "revoked" refusal.
    revoked: bool,
}

const PEOPLE: &[Person] = &[
    Person {
        file: "regione-maria-bianchi",
        cf_body: "BNCMRA80A41D612",
        surname: "Bianchi",
        name: "Maria",
        role: Role::Regione,
        provider: None,
        role_title: "Settore Lavoro",
        revoked: false,
    },
    Person {
        file: "revisore-giuseppe-verdi",
        cf_body: "VRDGPP75M12G702",
        surname: "Verdi",
        name: "Giuseppe",
        role: Role::Revisore,
        provider: None,
        role_title: "Controllo interno",
        revoked: false,
    },
    Person {
        file: "tecnico-luca-neri",
        cf_body: "NRELCU82C15D612",
        surname: "Neri",
        name: "Luca",
        role: Role::Tecnico,
        provider: None,
        role_title: "Sistemi informativi",
        revoked: false,
    },
    Person {
        file: "operatore-mario-rossi",
        cf_body: "RSSMRA85T10A562",
        surname: "Rossi",
        name: "Mario",
        role: Role::Operatore,
        provider: Some(0),
        role_title: "tutor",
        revoked: false,
    },
    Person {
        file: "operatore-giulia-ferrari",
        cf_body: "FRRGLI90E50G999",
        surname: "Ferrari",
        name: "Giulia",
        role: Role::Operatore,
        provider: Some(1),
        role_title: "responsabile sede",
        revoked: false,
    },
    Person {
        file: "operatore-paolo-galli-revocato",
        cf_body: "GLLPLA70B20D612",
        surname: "Galli",
        name: "Paolo",
        role: Role::Operatore,
        provider: Some(0),
        role_title: "tutor",
        revoked: true,
    },
];

/// (name, first 10 digits of the partita IVA, accreditation code, PEC)
const PROVIDERS: &[(&str, &str, &str, &str)] = &[
    ("Lavoro Futuro Società Cooperativa", "0512345048", "ACC-TOS-0012", "lavorofuturo@pec.example.it"),
    ("Orienta Toscana S.r.l.", "0698765048", "ACC-TOS-0047", "orientatoscana@pec.example.it"),
];

fn cf_of(body: &str) -> Result<CodiceFiscale, StartupError> {
    let mut cf = body.to_owned();
    cf.push(char::from(check_letter(body.as_bytes())));
    CodiceFiscale::parse(&cf).map_err(|e| StartupError::Other(format!("demo: {body}: {e}")))
}

fn piva_of(body: &str) -> String {
    let digits: Vec<u32> = body.chars().filter_map(|c| c.to_digit(10)).collect();
    format!("{body}{}", partita_iva::check_digit(&digits))
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> StartupError + '_ {
    move |e| StartupError::Other(format!("demo: {}: {e}", path.display()))
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), StartupError> {
    std::fs::write(path, bytes).map_err(io(path))
}

/// What `demo` tells the person who started it.
pub struct DemoInstance {
    pub config_path: PathBuf,
    pub dir: PathBuf,
    pub created: bool,
}

/// Puts an existing training instance back to its starting data for the next class: the data
/// file, its audit key and checkpoints, logs and backups go; the CA, the cards people have
/// imported into their browsers, and the configuration stay. Refused while it is running.
pub fn reset(dir: &Path, clock: &dyn Clock) -> Result<bool, StartupError> {
    let config_path = dir.join("ricolloca.toml");
    if !config_path.is_file() {
        return Ok(false);
    }
    let config = Config::load(Some(&config_path))?;
    let lock = crate::infra::instance_lock::InstanceLock::try_acquire(&config.data)
        .map_err(|e| StartupError::Other(format!("demo --reset: {e}")))?;
    let with = |suffix: &str| {
        let mut name = config.data.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(suffix);
        config.data.with_file_name(name)
    };
    // Training numbers never reach IDOL: the identificativo high-water mark starts over too.
    let files = [
        config.data.clone(),
        with("-wal"),
        with("-shm"),
        config.audit_key(),
        config.audit_checkpoints(),
        config.identificativo_high_water(),
    ];
    for f in files.iter().filter(|f| f.exists()) {
        std::fs::remove_file(f).map_err(io(f))?;
    }
    for d in [config.log_dir.clone(), config.backup_dir()].iter().filter(|d| d.is_dir()) {
        std::fs::remove_dir_all(d).map_err(io(d))?;
    }
    seed(&config, clock)?;
    drop(lock);
    Ok(true)
}

/// The instance already in `dir`, for `demo --help-cards`: nothing is created.
pub fn existing(dir: &Path) -> Result<DemoInstance, StartupError> {
    let config_path = dir.join("ricolloca.toml");
    if !config_path.is_file() {
        return Err(StartupError::Other(format!(
            "nessuna istanza di formazione in {}: avviarla prima con ricolloca demo --dir {}",
            dir.display(),
            dir.display()
        )));
    }
    Ok(DemoInstance { config_path, dir: dir.to_path_buf(), created: false })
}

/// Creates the demo folder (if new) and returns where its configuration is.
pub fn prepare(dir: &Path, listen: SocketAddr, clock: &dyn Clock) -> Result<DemoInstance, StartupError> {
    let config_path = dir.join("ricolloca.toml");
    if config_path.is_file() {
        return Ok(DemoInstance { config_path, dir: dir.to_path_buf(), created: false });
    }
    let certs = dir.join("certificati");
    let people = dir.join("persone");
    for d in [dir, &certs, &people] {
        std::fs::create_dir_all(d).map_err(io(d))?;
    }
    let now = datetime(clock.now());
    let pki_err = |e: pki::PkiError| StartupError::Other(format!("demo: {e}"));

    let ca = Ca::new("Ricolloca Formazione - CA Cittadini (NON VALIDA)", KeyKind::Rsa2048, now).map_err(pki_err)?;
    write(&certs.join("ca-formazione.pem"), &ca.cert_pem)?;
    let server = ca.server(&["localhost", "127.0.0.1", "::1"], KeyKind::Rsa2048, now).map_err(pki_err)?;
    write(&certs.join("server.pem"), format!("{}{}", server.cert_pem, ca.cert_pem))?;
    write(&certs.join("server.key"), &server.key_pem)?;

    let mut revoked = Vec::new();
    for (i, person) in PEOPLE.iter().enumerate() {
        let cf = cf_of(person.cf_body)?;
        let cn = pki::cns_common_name(cf.as_str(), 6_120_016_461_039_000 + i as u64);
        let mut subject = CnsPerson::valid_now(&cn, now);
        let surname = person.surname.to_uppercase();
        let given = person.name.to_uppercase();
        subject.surname = Some(&surname);
        subject.given_name = Some(&given);
        let issued = ca.cns_client(&subject, KeyKind::Rsa2048).map_err(pki_err)?;
        let friendly = format!("{} {} (formazione)", person.name, person.surname);
        let p12 = pki::pkcs12(&issued, &ca.cert_der, &friendly, P12_PASSWORD).map_err(pki_err)?;
        write(&people.join(format!("{}.p12", person.file)), p12)?;
        write(&people.join(format!("{}.pem", person.file)), &issued.cert_pem)?;
        write(&people.join(format!("{}.key", person.file)), &issued.key_pem)?;
        if person.revoked {
            revoked.push(issued.serial.clone());
        }
    }
    write(&certs.join("crl-formazione.pem"), ca.crl(&revoked, now).map_err(pki_err)?)?;

    let toml = format!(
        "# Ricolloca training instance made by `ricolloca demo`. Certificates here are NOT valid.\n\
         listen = \"{listen}\"\n\
         data = \"{data}\"\n\
         log_dir = \"{logs}\"\n\
         inactivity_months = 6\n\
         region_name = \"Regione Toscana\"\n\
         training = true\n\n\
         [tls]\n\
         cert = \"{cert}\"\n\
         key = \"{key}\"\n\
         client_ca = \"{ca}\"\n\
         crl = \"{crl}\"\n\
         versions = [\"1.2\"]\n",
        data = dir.join("ricolloca.db").display(),
        logs = dir.join("log").display(),
        cert = certs.join("server.pem").display(),
        key = certs.join("server.key").display(),
        ca = certs.join("ca-formazione.pem").display(),
        crl = certs.join("crl-formazione.pem").display(),
    );
    write(&config_path, toml)?;
    let config = Config::load(Some(&config_path))?;
    seed(&config, clock)?;
    Ok(DemoInstance { config_path, dir: dir.to_path_buf(), created: true })
}

/// Providers and people, written as the CLI would: one transaction, audited.
fn seed(config: &Config, clock: &dyn Clock) -> Result<(), StartupError> {
    let mut conn = service::data_file::open(&config.data, clock.now())?;
    let issuer = service::identificativo::Issuer::from_config(config)?;
    let now = clock.now();
    let people: Vec<(CodiceFiscale, &Person)> =
        PEOPLE.iter().map(|p| cf_of(p.cf_body).map(|cf| (cf, p))).collect::<Result<_, _>>()?;
    let who = AdminAuthority::system();
    repo::write_once(&mut conn, |tx| {
        let mut ids: Vec<ProviderId> = Vec::new();
        for (name, piva, code, pec) in PROVIDERS {
            let draft = ProviderDraft {
                name: (*name).into(),
                codice_fiscale: piva_of(piva),
                accreditation_code: (*code).into(),
                pec: (*pec).into(),
                registered_office: "Firenze".into(),
                contact_person: "Ufficio personale".into(),
                codice_ente_promotore: String::new(),
            };
            let valid = draft.validate().map_err(AppError::Invalid)?;
            let id = service::providers::create(tx, now, &who, &valid)?;
            let sede = SedeDraft {
                address: "Via dei Servi 12".into(),
                comune: "Firenze".into(),
                phone: "055 123456".into(),
                opening_hours: "lun-ven 9-13, mar-gio 14-17".into(),
                programme_enabled: true,
                ..Default::default()
            };
            let sede = sede.validate().map_err(AppError::Invalid)?;
            service::providers::add_sede(tx, now, &who, id, &sede)?;
            ids.push(id);
        }
        for (cf, p) in &people {
            let provider = match p.provider {
                Some(i) => Some(*ids.get(i).ok_or_else(|| AppError::unexpected("demo provider index"))?),
                None => None,
            };
            let valid = ValidOperator {
                provider,
                codice_fiscale: cf.clone(),
                surname: p.surname.into(),
                name: p.name.into(),
                email: format!("{}.{}@example.it", p.name.to_lowercase(), p.surname.to_lowercase()),
                role: p.role,
                role_title: p.role_title.into(),
                communication: None,
            };
            let id = service::operators::enable(tx, now, &who, &valid)?;
            if p.role == Role::Tecnico {
                service::operators::set_exemption(
                    tx,
                    now,
                    &who,
                    id,
                    true,
                    "gestione tecnica autorizzata (formazione)",
                )?;
            }
        }
        seed_recipients(tx, now, &who, &issuer)
    })
    .map_err(|e| StartupError::Other(format!("demo: dati di esempio: {e}")))?;
    // Committed: the rest of the identificativo block goes back, so the first start is quiet.
    issuer.release().map_err(|e| StartupError::Other(format!("demo: identificativo: {e}")))
}

/// Fake recipients: (cognome, nome, CF body, birth date, sex, provider index, state, tutor).
const RECIPIENTS: &[(&str, &str, &str, &str, &str, usize)] = &[
    ("Esposito", "Giulia", "SPSGLI88M52D612", "12/08/1988", "F", 0),
    ("Bruno", "Luca", "BRNLCU79A01G702", "01/01/1979", "M", 0),
    ("Gallo", "Chiara", "GLLCHR92C45D612", "05/03/1992", "F", 0),
    ("Conti", "Marco", "CNTMRC75H12G999", "12/06/1975", "M", 0),
    ("De Luca", "Francesca", "DLCFNC84P60D612", "20/09/1984", "F", 0),
    ("Mancini", "Andrea", "MNCNDR90L03G702", "03/07/1990", "M", 0),
    ("Costa", "Sara", "CSTSRA95E48D612", "08/05/1995", "F", 0),
    ("Giordano", "Paolo", "GRDPLA68T22G999", "22/12/1968", "M", 1),
    ("Rizzo", "Elena", "RZZLNE81B57D612", "17/02/1981", "F", 1),
    ("Lombardi", "Davide", "LMBDVD87R14G702", "14/10/1987", "M", 1),
    ("Moretti", "Nicolò", "MRTNCL93S09D612", "09/11/1993", "M", 1),
    ("Barbieri", "Anna", "BRBNNA77D63G999", "23/04/1977", "F", 1),
];

/// Recipients and vouchers, imported the way the CPI's CSV would be; some programmes started.
fn seed_recipients(
    tx: &repo::WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    issuer: &service::identificativo::Issuer,
) -> Result<(), AppError> {
    let mut csv = String::from(
        "codice_fiscale;cognome;nome;data_nascita;sesso;codice_assegno;data_rilascio;cpi;fascia_profilazione;ente;data_scelta;email\n",
    );
    for (i, (cognome, nome, body, birth, sex, provider)) in RECIPIENTS.iter().enumerate() {
        let cf = cf_of(body).map_err(AppError::internal)?;
        let (_, piva, _, _) = PROVIDERS.get(*provider).ok_or_else(|| AppError::unexpected("demo provider"))?;
        let _ = writeln!(
            csv,
            "{cf};{cognome};{nome};{birth};{sex};ADR-2026-{:05};{:02}/09/2026;CPI-FI-01;{};{};{:02}/10/2026;{}@example.it",
            1000 + i,
            1 + i % 20,
            1 + i % 4,
            piva_of(piva),
            1 + i % 25,
            nome.to_lowercase().replace('ò', "o")
        );
    }
    let report = service::assignment_import::in_one_transaction(tx, now, who, "demo.csv", csv.as_bytes())?;
    if !report.refused.is_empty() {
        return Err(AppError::unexpected(format!("demo recipients refused: {:?}", report.refused)));
    }
    // Most SAPs have arrived from the CPI, with the policies already on them.
    for (i, (cognome, nome, body, birth, sex, _)) in RECIPIENTS.iter().enumerate().take(10) {
        let cf = cf_of(body).map_err(AppError::internal)?;
        let birth = crate::domain::text::parse_date(birth).map(crate::domain::text::iso).unwrap_or_default();
        let email = format!("{}@example.it", nome.to_lowercase().replace('ò', "o"));
        let policies: &[crate::infra::sap_sample::SamplePolicy<'_>] = if i % 3 == 0 {
            &[
                ("N00", "2026-01-15", Some("2026-01-15"), Some("2026-01-15"), "10", "2026-01-15"),
                ("A02", "2026-01-20", Some("2026-01-20"), Some("2026-01-20"), "10", "2026-01-20"),
                ("C05", "2026-03-01", Some("2026-03-10"), Some("2026-05-30"), "10", "2026-05-30"),
            ]
        } else {
            &[
                ("N00", "2026-02-03", Some("2026-02-03"), Some("2026-02-03"), "10", "2026-02-03"),
                ("A02", "2026-02-10", Some("2026-02-10"), Some("2026-02-10"), "10", "2026-02-10"),
            ]
        };
        let person = crate::infra::sap_sample::SamplePerson {
            codice_fiscale: cf.as_str(),
            cognome,
            nome,
            sesso: sex,
            data_nascita: &birth,
            comune: "D612",
            email: &email,
            policies,
        };
        let xml = crate::infra::sap_sample::sap_xml(&person, &format!("AA{:08}T", 1_711_600 + i), "2026-10-01");
        let report = service::imports::sap(tx, now, who, &format!("sap-{}.xml", cf), xml.as_bytes())?;
        if !report.refused.is_empty() {
            return Err(AppError::unexpected(format!("demo SAP refused: {:?}", report.refused)));
        }
    }
    // Half of them have held their first meeting, which started the programme.
    for i in 0..RECIPIENTS.len() {
        seed_agenda(tx, now, i, &format!("ADR-2026-{:05}", 1000 + i), issuer)?;
    }
    Ok(())
}

/// The sample agenda of the demo's `i`-th person, written through the same services as the
/// screens (so the first held meeting starts the programme), in the days around `now`.
fn seed_agenda(
    tx: &repo::WriteTx<'_>,
    now: Timestamp,
    i: usize,
    voucher: &str,
    issuer: &service::identificativo::Issuer,
) -> Result<(), AppError> {
    use crate::domain::appointment::{AppointmentDraft, OutcomeDraft};
    use service::appointments::{create, record_outcome};
    let Some((recipient, provider)) = repo::vouchers::holder_of_code(tx.conn(), voucher)? else {
        return Err(AppError::unexpected(format!("demo voucher {voucher}")));
    };
    let scope = crate::access::ProviderScope::unsafe_for_demo(provider);
    let sede = repo::providers::sedi(tx.conn(), provider)?.first().map(|s| s.id.get());
    // The provider's first operator (enabled first) is everyone's tutor.
    let tutor = repo::operators::of_provider(tx.conn(), provider)?.iter().map(|o| o.id.get()).min();
    let today = crate::infra::clock::local_datetime(now).date();
    let day = i64::try_from(i).unwrap_or(0);
    let at = |days: i64, ora: &str, tipo: &str| AppointmentDraft {
        data: crate::domain::text::iso(today.checked_add(time::Duration::days(days)).unwrap_or(today)),
        ora: ora.into(),
        tipo: tipo.into(),
        sede,
        tutor,
    };
    let outcome = |esito: &str, nota: &str| OutcomeDraft { esito: esito.into(), nota: nota.into(), version: 1 };
    if i % 2 == 1 {
        create(tx, now, &scope, 7, recipient, &at(1 + day % 6, "15:00", "colloquio"))?;
        return Ok(());
    }
    let first_day = at(-(1 + day % 5), "09:30", "colloquio");
    let first = create(tx, now, &scope, 7, recipient, &first_day)?;
    record_outcome(tx, now, &scope, first, &outcome("held", ""))?;
    seed_actions(tx, now, &scope, recipient, &first_day.data, i, issuer)?;
    if i == 2 {
        let missed = create(tx, now, &scope, 7, recipient, &at(-1, "16:00", "laboratorio"))?;
        record_outcome(tx, now, &scope, missed, &outcome("absent_unjustified", ""))?;
    }
    if i == 10 {
        let hired = crate::domain::outcome::ProgrammeOutcomeDraft {
            esito: "hired".into(),
            data: crate::domain::text::iso(today),
            datore_cf: piva_of("0287654321"),
            datore_nome: "Officine Fiorentine S.r.l.".into(),
            contratto: "permanent".into(),
            ..Default::default()
        };
        service::outcomes::record(tx, now, &scope, recipient, &hired)?;
    } else {
        create(tx, now, &scope, 7, recipient, &at(3 + day % 7, "10:00", "verifica"))?;
    }
    Ok(())
}

/// The colloquio held at the first meeting (A06, already over) and, for some, a job-search
/// consultancy (B03) proposed today, through the same service as the screens.
fn seed_actions(
    tx: &repo::WriteTx<'_>,
    now: Timestamp,
    scope: &crate::access::ProviderScope,
    recipient: crate::domain::ids::RecipientId,
    met_on: &str,
    i: usize,
    issuer: &service::identificativo::Issuer,
) -> Result<(), AppError> {
    use crate::domain::policy_action::ActionInput;
    let Some((tutor_cf, _)) = repo::actions::operator_cfs(tx.conn(), scope.provider())?.into_iter().next() else {
        return Ok(());
    };
    let details = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let colloquio = ActionInput {
        tipo_attivita: "A06".into(),
        data_proposta: met_on.into(),
        data_inizio: met_on.into(),
        evento: "10".into(),
        data_evento: met_on.into(),
        durata: "1".into(),
        tipologia_durata: "O".into(),
        descrizione: "Primo colloquio: bilancio delle esperienze e definizione del progetto professionale".into(),
        dettagli: details(&[("modalita", "individuale"), ("ore", "1"), ("operatore_cf", &tutor_cf)]),
        ..Default::default()
    };
    service::actions::record(tx, now, scope, issuer, recipient, &colloquio)?;
    if i.is_multiple_of(4) {
        let today = crate::domain::text::iso(crate::infra::clock::local_date(now));
        let consulenza = ActionInput {
            tipo_attivita: "B03".into(),
            data_proposta: today.clone(),
            evento: "01".into(),
            data_evento: today,
            dettagli: details(&[
                ("ore", "3"),
                ("argomenti", "Curriculum, lettera di presentazione, canali di ricerca"),
                ("offerte_proposte", "2"),
            ]),
            ..Default::default()
        };
        service::actions::record(tx, now, scope, issuer, recipient, &consulenza)?;
    }
    Ok(())
}

/// The demo's log level when the configuration keeps the default: the trainer's terminal shows
/// the instructions and what goes wrong, not a line per request (they are in the audit trail)
/// nor the connection-limit summaries that a browser's unused preconnections cause.
/// Start-up lines (CRL loaded, first checkpoint) stay in the log file: the instructions are the
/// last thing printed. `RUST_LOG=info` shows everything again.
pub const QUIET_LOG_LEVEL: &str = "warn,ricolloca::front=error";

/// The instructions printed when the demo starts.
pub fn instructions(instance: &DemoInstance, listen: SocketAddr) -> String {
    let people = instance.dir.join("persone");
    let ca = instance.dir.join("certificati").join("ca-formazione.pem");
    let host = if listen.ip().is_unspecified() { "127.0.0.1".to_owned() } else { listen.ip().to_string() };
    let mut s = String::new();
    let _ =
        writeln!(s, "Ricolloca — AMBIENTE DI FORMAZIONE ({})", if instance.created { "creato ora" } else { "riusato" });
    let _ = writeln!(s, "  Indirizzo:        https://{host}:{}/", listen.port());
    let _ = writeln!(s, "  Configurazione:   {}", instance.config_path.display());
    let _ = writeln!(s, "  Certificati (.p12, password \"{P12_PASSWORD}\") in {}:", people.display());
    for p in PEOPLE {
        let note = if p.revoked { " — carta revocata: mostra il rifiuto" } else { "" };
        let _ = writeln!(s, "    {}.p12  ({}){note}", p.file, p.role.label());
    }
    let _ = writeln!(s, "  CA di formazione da considerare attendibile: {}", ca.display());
    let _ = writeln!(s);
    let _ = writeln!(s, "Chromium: Impostazioni > Privacy e sicurezza > Sicurezza > Gestisci certificati >");
    let _ = writeln!(s, "  \"I tuoi certificati\" > Importa (il .p12); \"Autorità\" > Importa (la CA).");
    let _ = writeln!(s, "  Oppure, da terminale (la prima riga crea l'archivio dei certificati se Chromium non è mai");
    let _ =
        writeln!(s, "  stato aperto; la seconda importa la carta, la terza rende attendibile la CA di formazione):");
    let _ = writeln!(
        s,
        "    test -d $HOME/.pki/nssdb || {{ mkdir -p $HOME/.pki/nssdb && certutil -N -d sql:$HOME/.pki/nssdb --empty-password; }}"
    );
    let _ = writeln!(
        s,
        "    pk12util -i {}/operatore-mario-rossi.p12 -d sql:$HOME/.pki/nssdb -W {P12_PASSWORD}",
        people.display()
    );
    let _ = writeln!(
        s,
        "    certutil -A -d sql:$HOME/.pki/nssdb -n \"CA di formazione Ricolloca\" -t \"CT,,\" -i {}",
        ca.display()
    );
    let _ = writeln!(s, "Firefox: Impostazioni > Privacy e sicurezza > Certificati > Mostra certificati >");
    let _ = writeln!(s, "  \"Certificati personali\" > Importa (il .p12); \"Autorità\" > Importa (la CA).");
    let _ = writeln!(
        s,
        "curl:    curl --cacert {} --cert {}/operatore-mario-rossi.pem --key {}/operatore-mario-rossi.key https://{host}:{}/api/v1/me",
        ca.display(),
        people.display(),
        people.display(),
        listen.port()
    );
    let _ = writeln!(s);
    let _ =
        writeln!(s, "Backup: qui non sono cifrati (dati di prova). In un ufficio si cifrano con la chiave pubblica");
    let _ = writeln!(s, "  della Regione: vedere il manuale, capitolo \"Backup e ripristino\".");
    let _ = writeln!(
        s,
        "Per rivedere queste istruzioni: ricolloca demo --help-cards --dir {}{}",
        instance.dir.display(),
        if listen.port() == 8443 && listen.ip().is_loopback() { String::new() } else { format!(" --listen {listen}") }
    );
    s
}
