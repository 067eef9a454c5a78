//! The `ricolloca` command line. Each command exits 0 on success, or non-zero with a
//! one-line reason on stderr.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use ricolloca::cli::demo;
use ricolloca::cli::{self, OperatorArgs, ProviderArgs};
use ricolloca::config::{CONFIG_ENV, Config};
use ricolloca::domain::italian::count;
use ricolloca::error::AppError;
use ricolloca::infra::clock::{SharedClock, SystemClock};
use ricolloca::{infra, repo, server};

#[derive(Parser)]
#[command(
    name = "ricolloca",
    version = ricolloca::repo::VERSION_LINE,
    about = "Ricolloca: gestione dell'Assegno di Ricollocazione (accesso con CNS, SAP, politiche attive, registro degli accessi)",
    long_about = "Ricolloca: gestione dell'Assegno di Ricollocazione.\n\n\
        Un solo programma, un solo file dati SQLite. Gli operatori accedono solo con la\n\
        Carta Nazionale dei Servizi (certificato client TLS); ogni accesso e ogni operazione\n\
        sono scritti in un registro a prova di manomissione.\n\n\
        Configurazione: --config FILE, oppure la variabile d'ambiente RICOLLOCA_CONFIG; ogni\n\
        chiave si può sostituire con RICOLLOCA_<CHIAVE> (chiavi annidate con __, ad esempio\n\
        RICOLLOCA_TLS__CERT). Aiuto di un comando: ricolloca help COMANDO, o ricolloca COMANDO --help."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Avvia il server HTTPS.
    Serve {
        /// File di configurazione (TOML); oppure la variabile RICOLLOCA_CONFIG.
        #[arg(long, env = CONFIG_ENV, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Avvia un'istanza di formazione: CA usa e getta, certificati per ogni profilo, dati fittizi.
    Demo {
        /// Cartella dell'istanza (creata se manca, altrimenti riusata). Predefinita: ricolloca-demo.
        #[arg(long, default_value = "ricolloca-demo", value_name = "CARTELLA")]
        dir: PathBuf,
        /// Indirizzo su cui ascoltare. Predefinito: 127.0.0.1:8443.
        #[arg(long, default_value = "127.0.0.1:8443", value_name = "INDIRIZZO:PORTA")]
        listen: SocketAddr,
        /// Riparte dai dati iniziali (tiene la CA e le carte già importate nei browser; toglie
        /// file dati, chiave e checkpoint di audit, log, backup).
        #[arg(long)]
        reset: bool,
        /// Stampa di nuovo le istruzioni (carte, password, importazione nei browser) dell'istanza
        /// già creata in --dir, senza avviarla.
        #[arg(long)]
        help_cards: bool,
    },
    /// Gestione degli operatori (primo avvio; poi dalle pagine web).
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
    /// Gestione dei soggetti accreditati (primo avvio; poi dalle pagine web).
    Provider {
        #[command(subcommand)]
        command: ProviderCommand,
    },
    /// Importa i file del CPI: assegnazioni degli assegni (csv), SAP (sap), tabelle dei codici (codes).
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Scrive un file di backup verificato (zip: database + manifest), anche a server avviato.
    ///
    /// Cifrato come dice la configurazione: per le chiavi pubbliche age della Regione
    /// (backup.recipients; il server non può aprirlo), o con backup.passphrase_file; se nessuna
    /// delle due è impostata lo scrive non cifrato e lo segnala.
    Backup {
        /// File di configurazione (TOML); oppure la variabile RICOLLOCA_CONFIG.
        #[arg(long, env = CONFIG_ENV, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Il file di backup da scrivere (non deve esistere); per convenzione .zip.age, .zip.enc o .zip.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// File con una passphrase (una riga), al posto della cifratura configurata: l'intero zip
        /// viene cifrato (Argon2id + ChaCha20-Poly1305; formato nel manuale, capitolo "backup").
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
    /// Crea una coppia di chiavi per cifrare i backup, sul computer della Regione (non sul server).
    ///
    /// Scrive la chiave privata in --out (permessi 0600, formato identità age) e stampa
    /// la chiave pubblica (age1…) da mettere in backup.recipients. La Regione conserva la chiave
    /// privata; restore la riceve con --identity-file. Anche age-keygen crea chiavi compatibili.
    BackupKey {
        /// Il file della chiave privata da scrivere (non deve esistere).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Sostituisce il file dati con un backup (a servizio fermo).
    ///
    /// Prima verifica tutto, poi sposta da parte il file attuale con un nome datato, senza mai
    /// cancellarlo. Dice a che
    /// punto è la sequenza degli identificativi politica: il file fuori dal file dati
    /// (identificativo.high_water) non viene ripristinato, così nessun numero è rilasciato due volte.
    Restore {
        /// File di configurazione (TOML); oppure la variabile RICOLLOCA_CONFIG.
        #[arg(long, env = CONFIG_ENV, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Il file di backup (.zip, o cifrato).
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// File con la passphrase di un backup cifrato con passphrase (.zip.enc).
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// La chiave privata della Regione (file identità age, AGE-SECRET-KEY-1…) per un backup
        /// cifrato con la sua chiave pubblica (.zip.age).
        #[arg(long, value_name = "FILE")]
        identity_file: Option<PathBuf>,
        /// Accetta un backup il cui manifest non ha una testa firmata con la chiave di audit
        /// benché la chiave sia nota (il backup automatico prima di un aggiornamento dello schema
        /// non è firmato). Senza, il backup è rifiutato: la sua catena potrebbe essere stata
        /// riscritta e ricalcolata.
        #[arg(long)]
        allow_unsigned: bool,
        /// Accetta un backup la cui catena di audit o i cui checkpoint non erano integri
        /// (segnalato nel manifest quando è stato fatto). Senza, il backup è rifiutato.
        #[arg(long)]
        accept_broken_chain: bool,
    },
    /// Controlla la configurazione e i file di certificato, chiave, CA e CRL che nomina, senza avviare.
    ///
    /// Uscita 1 se ci sono errori; gli avvisi, ad esempio una scadenza entro 30 giorni,
    /// lasciano l'uscita 0.
    Check {
        /// File di configurazione (TOML); oppure la variabile RICOLLOCA_CONFIG.
        #[arg(long, env = CONFIG_ENV, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Stato del server in esecuzione, dal suo socket Unix locale (<data>.sock).
    ///
    /// Database, disco libero, ultimo backup, testa della catena di audit e ultimo checkpoint, aggiornamento
    /// delle CRL. Uscita 1 se il server non risponde o il database non è in ordine.
    Status {
        /// File di configurazione (TOML); oppure la variabile RICOLLOCA_CONFIG.
        #[arg(long, env = CONFIG_ENV, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Scrive l'intero manuale come un solo file HTML autonomo, da aprire senza il server.
    ///
    /// Stile e immagini sono inclusi: da distribuire o stampare per la giornata di formazione; si apre senza il server.
    Manual {
        /// Il file HTML da scrivere.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Nome della Regione sul frontespizio (predefinito "Regione").
        #[arg(long, value_name = "NOME")]
        region: Option<String>,
    },
    /// Strumenti del registro degli accessi (audit).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Esportazioni verso altri sistemi.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Il flusso verso IDOL: un solo zip con le novità dall'esportazione precedente.
    ///
    /// Le politiche della sezione 6 e gli esiti dei programmi creati o cambiati dalla DATA (predefinita: dove è finita l'esportazione precedente), in un solo
    /// zip: un documento <lavoratore> per lavoratore nel tracciato nazionale della SAP
    /// (revisione 009), CSV delle politiche, CSV degli esiti, manifest. I lavoratori la cui SAP
    /// manca di dati richiesti dallo schema sono elencati, non inviati.
    Idol {
        /// File di configurazione (TOML); oppure la variabile RICOLLOCA_CONFIG.
        #[arg(long, env = CONFIG_ENV, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Primo giorno incluso (gg/mm/aaaa o aaaa-mm-gg, ora italiana).
        #[arg(long, value_name = "DATA")]
        since: Option<String>,
        /// Lo zip da scrivere (rifiutato se esiste).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Abilita una persona: un operatore di un soggetto accreditato (con --provider) o il
    /// personale regionale.
    Add {
        /// File di configurazione (TOML); oppure la variabile RICOLLOCA_CONFIG.
        #[arg(long, env = CONFIG_ENV, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Codice fiscale (controllato; mai riassegnato una volta usato).
        #[arg(long, value_name = "CODICE")]
        cf: String,
        /// Cognome.
        #[arg(long, value_name = "COGNOME")]
        surname: String,
        /// Nome.
        #[arg(long, value_name = "NOME")]
        name: String,
        /// Indirizzo email.
        #[arg(long, value_name = "EMAIL")]
        email: String,
        /// Profilo: operatore | regione | revisore | tecnico.
        #[arg(long, value_name = "PROFILO")]
        role: String,
        /// Numero del soggetto accreditato (obbligatorio per il profilo operatore).
        #[arg(long, value_name = "NUMERO")]
        provider: Option<String>,
        /// Ruolo ricoperto nel soggetto o nell'ufficio (obbligatorio, Allegato 4), ad esempio
        /// "tutor", "responsabile sede", "Settore Lavoro".
        #[arg(long, value_name = "RUOLO")]
        role_title: String,
        /// Esenta un'utenza `tecnico` dalla regola dei sei mesi di inattività (Allegato B p.7).
        #[arg(long)]
        technical_exemption: bool,
    },
}

#[derive(Subcommand)]
enum ProviderCommand {
    /// Registra un soggetto accreditato.
    Add {
        /// File di configurazione (TOML); oppure la variabile RICOLLOCA_CONFIG.
        #[arg(long, env = CONFIG_ENV, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Denominazione.
        #[arg(long, value_name = "DENOMINAZIONE")]
        name: String,
        /// Partita IVA (11 cifre) o codice fiscale dell'ente.
        #[arg(long, value_name = "CODICE")]
        cf: String,
        /// Codice di accreditamento.
        #[arg(long, value_name = "CODICE")]
        code: String,
        /// Indirizzo PEC (facoltativo).
        #[arg(long, default_value = "", value_name = "PEC")]
        pec: String,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Descrizioni delle tabelle dei codici (`lista;codice;descrizione`): ogni lista presente nel
    /// file sostituisce per intero quella lista (per le altre restano le tabelle ufficiali incluse).
    Codes {
        /// File di configurazione (TOML); oppure la variabile RICOLLOCA_CONFIG.
        #[arg(long, env = CONFIG_ENV, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Il file CSV dei codici.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// File XML della SAP nel tracciato nazionale (qualunque codifica dichiarata); stampa il
    /// resoconto in JSON.
    Sap {
        /// File di configurazione (TOML); oppure la variabile RICOLLOCA_CONFIG.
        #[arg(long, env = CONFIG_ENV, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Uno o più file XML.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Assegnazioni degli assegni in CSV (`;` o `,`, UTF-8 o Windows-1252); stampa il resoconto
    /// in JSON. Ogni file è scritto in transazioni brevi (un server avviato continua a
    /// rispondere) e compare tutto insieme alla fine; un'importazione alla volta per file dati.
    Csv {
        /// File di configurazione (TOML); oppure la variabile RICOLLOCA_CONFIG.
        #[arg(long, env = CONFIG_ENV, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Importa le righe valide di un file che ha righe rifiutate (predefinito: tutto il file o niente).
        #[arg(long)]
        valid_only: bool,
        /// Uno o più file CSV.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verifica la catena di hash e i checkpoint firmati; uscita 0 con "integra fino a N", oppure
    /// uscita 2 indicando la prima riga rotta, una coda troncata o una coda ricalcolata.
    Verify {
        /// File di configurazione (TOML); oppure la variabile RICOLLOCA_CONFIG.
        #[arg(long, env = CONFIG_ENV, conflicts_with = "data", value_name = "FILE")]
        config: Option<PathBuf>,
        /// Verifica questo file dati (ad esempio una copia) invece di quello configurato.
        #[arg(long, value_name = "FILE")]
        data: Option<PathBuf>,
        /// File dei checkpoint tenuto fuori dal file dati (predefinito: quello configurato).
        #[arg(long, value_name = "FILE")]
        checkpoints: Option<PathBuf>,
        /// Chiave pubblica attendibile, in esadecimale, come la stampa `audit pubkey`
        /// (predefinita: da audit.key).
        #[arg(long, value_name = "FILE")]
        pubkey: Option<PathBuf>,
    },
    /// Scrive ora un checkpoint firmato della catena (il server lo fa anche ogni
    /// audit.checkpoint_minutes e allo spegnimento).
    Checkpoint {
        /// File di configurazione (TOML); oppure la variabile RICOLLOCA_CONFIG.
        #[arg(long, env = CONFIG_ENV, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Toglie le righe di audit anteriori a una data, mai più recenti di audit.retention_months:
    /// prima scrive un checkpoint firmato dell'ultima riga tolta (nel file dei checkpoint e nel
    /// file dati), e `audit verify` verifica poi la catena da quel taglio firmato.
    Prune {
        /// File di configurazione (TOML); oppure la variabile RICOLLOCA_CONFIG.
        #[arg(long, env = CONFIG_ENV, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Toglie le righe anteriori a questo giorno (aaaa-mm-gg, mezzanotte ora italiana).
        #[arg(long, value_name = "DATA")]
        before: String,
    },
    /// Stampa la chiave pubblica che verifica i checkpoint (esadecimale).
    Pubkey {
        /// File di configurazione (TOML); oppure la variabile RICOLLOCA_CONFIG.
        #[arg(long, env = CONFIG_ENV, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = match cli::help::parse::<Cli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ricolloca: {}", e.for_command_line());
            ExitCode::from(1)
        }
    }
}

fn clock() -> SharedClock {
    Arc::new(SystemClock)
}

/// The configuration, with its data file upgraded if it is older, so that the pre-upgrade
/// backup is sealed as the configuration says (the commands then open the file as it is).
fn load_upgraded(config: Option<&Path>) -> Result<Config, AppError> {
    let config = Config::load(config)?;
    if config.data.is_file() {
        let seal = config.backup_seal()?;
        drop(ricolloca::service::data_file::open_sealed(&config.data, clock().now(), &seal)?);
    }
    Ok(config)
}

fn data_path(config: Option<&Path>) -> Result<PathBuf, AppError> {
    Ok(load_upgraded(config)?.data)
}

fn run(command: Command) -> Result<ExitCode, AppError> {
    match command {
        Command::Serve { config } => {
            let config = Config::load(config.as_deref())?;
            serve(&config, server::Announce::Instance)
        }
        Command::Demo { dir, listen, reset, help_cards } => {
            if help_cards {
                println!("{}", demo::instructions(&demo::existing(&dir)?, listen));
                return Ok(ExitCode::SUCCESS);
            }
            let clock = clock();
            if reset && demo::reset(&dir, clock.as_ref())? {
                println!("Dati di formazione ripristinati in {} (certificati invariati).", dir.display());
            }
            let instance = demo::prepare(&dir, listen, clock.as_ref())?;
            let mut config = Config::load(Some(&instance.config_path))?;
            config.listen = listen;
            if config.log.level == "info" {
                config.log.level = demo::QUIET_LOG_LEVEL.to_owned();
            }
            serve(&config, server::Announce::Demo(demo::instructions(&instance, listen)))
        }
        Command::Operator {
            command:
                OperatorCommand::Add { config, cf, surname, name, email, role, provider, role_title, technical_exemption },
        } => {
            let data = data_path(config.as_deref())?;
            let args = OperatorArgs {
                cf: &cf,
                surname: &surname,
                name: &name,
                email: &email,
                role: &role,
                provider: provider.as_deref(),
                role_title: &role_title,
                technical_exemption,
            };
            let id = cli::operator_add(&data, clock().as_ref(), &args)?;
            println!("operatore {id} abilitato ({})", cf.trim().to_uppercase());
            Ok(ExitCode::SUCCESS)
        }
        Command::Provider { command: ProviderCommand::Add { config, name, cf, code, pec } } => {
            let data = data_path(config.as_deref())?;
            let args = ProviderArgs { name: &name, codice_fiscale: &cf, accreditation_code: &code, pec: &pec };
            let id = cli::provider_add(&data, clock().as_ref(), &args)?;
            println!("soggetto accreditato {id} registrato");
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { command: ExportCommand::Idol { config, since, out } } => {
            let config = load_upgraded(config.as_deref())?;
            let e = cli::export_idol(&config.data, clock().as_ref(), since.as_deref(), &out, &config.idol.settings())?;
            println!(
                "{}: {}, {}, {} (dal {} al {}), sha256 {}",
                out.display(),
                count(e.workers, "lavoratore", "lavoratori"),
                count(e.policies, "politica", "politiche"),
                count(e.outcomes, "esito", "esiti"),
                ricolloca::infra::clock::format_it(e.since),
                ricolloca::infra::clock::format_it(e.until),
                e.sha256
            );
            for n in &e.not_exportable {
                println!("non esportabile {}: {}", n.codice_fiscale, n.motivi.join("; "));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { command: ImportCommand::Codes { config, file } } => {
            let data = data_path(config.as_deref())?;
            let n = cli::import_codes(&data, clock().as_ref(), &file)?;
            println!("{}", count(n, "codice importato", "codici importati"));
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { command: ImportCommand::Sap { config, files } } => {
            let data = data_path(config.as_deref())?;
            let report = cli::import_sap(&data, clock().as_ref(), &files)?;
            println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            Ok(if report.refused.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) })
        }
        Command::Import { command: ImportCommand::Csv { config, valid_only, files } } => {
            let data = data_path(config.as_deref())?;
            let report = cli::import_csv(&data, clock().as_ref(), &files, valid_only)?;
            println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            Ok(if report.refused.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) })
        }
        Command::Backup { config, out, passphrase_file } => {
            let config = Config::load(config.as_deref())?;
            let done = cli::backup(&config, clock().as_ref(), &out, passphrase_file.as_deref())?;
            if !done.encrypted {
                eprintln!(
                    "ricolloca: ATTENZIONE: backup NON cifrato. Impostare backup.recipients con la chiave pubblica della Regione (ricolloca backup-key) o backup.passphrase_file"
                );
            }
            if let Some(problem) = &done.manifest.audit.problem {
                eprintln!(
                    "ricolloca: ATTENZIONE: catena di audit NON integra ({problem}). Il backup è stato scritto comunque, senza firma, e il manifest lo segnala (\"audit\": {{\"intact\": false}}): verificare con ricolloca audit verify"
                );
            }
            println!(
                "backup scritto: {} ({} byte{}), sha256 {}\n  database sha256 {}, schema {}, {} fino a {}{}",
                done.file.display(),
                done.size,
                match done.sealing {
                    ricolloca::infra::backup_seal::Kind::Age => ", cifrato per la chiave pubblica della Regione",
                    ricolloca::infra::backup_seal::Kind::Passphrase => ", cifrato con passphrase",
                    ricolloca::infra::backup_seal::Kind::Plain => ", NON cifrato",
                },
                done.file_sha256,
                done.manifest.database.sha256,
                done.manifest.schema_version,
                if done.manifest.audit.intact { "catena di audit integra" } else { "catena di audit NON integra" },
                done.manifest.audit.head_seq,
                if done.checkpoint.is_some() { ", checkpoint firmato nel manifest" } else { "" },
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::BackupKey { out } => {
            let public = cli::backup_key(&out, clock().as_ref())?;
            println!(
                "chiave privata scritta in {} (conservarla alla Regione, mai sul server)\nchiave pubblica, da mettere in backup.recipients:\n{public}",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { config, from, passphrase_file, identity_file, allow_unsigned, accept_broken_chain } => {
            let config = Config::load(config.as_deref())?;
            let accept =
                ricolloca::service::backup::Accept { unsigned: allow_unsigned, broken_chain: accept_broken_chain };
            let (done, signed) = cli::restore(
                &config,
                clock().as_ref(),
                &from,
                passphrase_file.as_deref(),
                identity_file.as_deref(),
                accept,
            )?;
            if !signed {
                eprintln!(
                    "ricolloca: attenzione: nessuna chiave di audit (audit.key): firma del backup non verificata"
                );
            }
            if signed && done.manifest.audit.checkpoint.is_none() {
                eprintln!("ricolloca: attenzione: backup senza checkpoint firmato, accettato con --allow-unsigned");
            }
            if !done.manifest.audit.intact {
                eprintln!(
                    "ricolloca: attenzione: catena di audit del backup NON integra, accettata con --accept-broken-chain: {}",
                    done.manifest.audit.problem.as_deref().unwrap_or("problema non descritto")
                );
            }
            println!(
                "backup verificato: {} del {} (schema {}, sha256 {}, integrity_check ok, {} fino a {})",
                from.display(),
                done.manifest.created_at,
                done.manifest.schema_version,
                done.manifest.database.sha256,
                if done.manifest.audit.intact { "catena di audit integra" } else { "catena di audit NON integra" },
                done.manifest.audit.head_seq
            );
            if done.checkpoints_dropped > 0 {
                println!(
                    "checkpoint oltre la testa del backup tolti dal file dei checkpoint: {} (conservati nel file spostato da parte)",
                    done.checkpoints_dropped
                );
            }
            for p in &done.moved_aside {
                println!("spostato da parte (non cancellato): {}", p.display());
            }
            println!("ripristinato in {}; ora si può avviare il servizio", done.data.display());
            println!("{}", ricolloca::cli::identificativo_after_restore(&config)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { config } => {
            let findings = ricolloca::runtime::check::run(config.as_deref(), clock().now());
            for f in &findings {
                println!("{f}");
            }
            let errors = findings.iter().filter(|f| f.level == ricolloca::runtime::check::Level::Error).count();
            if errors > 0 {
                eprintln!("ricolloca: configurazione con {}", count(errors, "errore", "errori"));
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Manual { out, region } => {
            let html = ricolloca::web::manual::standalone_html(region.as_deref().unwrap_or("Regione"));
            std::fs::write(&out, html)
                .map_err(|e| AppError::declined_by(format!("{}: file non accessibile", out.display()), e))?;
            println!(
                "Manuale scritto in {} ({}).",
                out.display(),
                count(ricolloca::web::manual::chapter_count(), "capitolo", "capitoli")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { config } => {
            let config = Config::load(config.as_deref())?;
            let report = ricolloca::runtime::status::query(&config.data).map_err(|e| {
                AppError::declined(format!(
                    "il servizio non risponde su {} ({e}): non è in esecuzione?",
                    ricolloca::runtime::status::socket_path(&config.data).display()
                ))
            })?;
            println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            if report.pointer("/database/ok") != Some(&serde_json::Value::Bool(true)) {
                eprintln!("ricolloca: database non disponibile");
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Checkpoint { config } } => {
            let config = load_upgraded(config.as_deref())?;
            let cp = cli::audit_checkpoint(
                &config.data,
                clock().as_ref(),
                &config.audit_key(),
                &config.audit_checkpoints(),
            )?;
            match cp {
                Some(cp) => println!("checkpoint firmato alla riga {} ({})", cp.seq, hex::encode(cp.hash)),
                None => println!("nessun checkpoint nuovo: catena vuota o già firmata all'ultima riga"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Prune { config, before } } => {
            let config = load_upgraded(config.as_deref())?;
            let done = cli::audit_prune(
                &config.data,
                clock().as_ref(),
                &config.audit_key(),
                &config.audit_checkpoints(),
                &before,
                config.audit.retention_months,
            )?;
            match done {
                Some((rows, seq)) => {
                    println!(
                        "{} fino alla {seq}; checkpoint firmato alla riga {seq}",
                        count(rows, "riga cancellata", "righe cancellate")
                    )
                }
                None => println!("nessuna riga da cancellare prima del {before}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Pubkey { config } } => {
            let config = load_upgraded(config.as_deref())?;
            println!("{}", hex::encode(cli::audit_pubkey(&config, clock().as_ref())?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Verify { config, data, checkpoints, pubkey } } => {
            match cli::verify(config.as_deref(), data, checkpoints, pubkey)? {
                cli::VerifyOutcome::Intact { line, warning } => {
                    if let Some(warning) = warning {
                        eprintln!("{warning}");
                    }
                    println!("{line}");
                    Ok(ExitCode::SUCCESS)
                }
                cli::VerifyOutcome::Broken { line } => {
                    eprintln!("{line}");
                    Ok(ExitCode::from(2))
                }
            }
        }
    }
}

fn serve(config: &Config, announce: server::Announce) -> Result<ExitCode, AppError> {
    let _log = infra::logging::init(Some(&config.log_dir), config.log.keep_days, &config.log.level);
    for (key, message) in config.deprecations() {
        eprintln!("attenzione: `{key}`: {message}");
        tracing::warn!(key, message, "deprecated configuration key");
    }
    let runtime = rocket::tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("ricolloca-worker")
        // Reads take a turn in the read pool (at most READERS at once) and writes go to the one
        // writer thread, so few blocking threads are ever busy. Tokio starts a new one whenever
        // none is idle at that instant, and each thread costs a malloc arena: at 64 the load
        // bench reached 68 threads and 190 MB; a small margin over the pool is enough.
        .max_blocking_threads(repo::pool::READERS + 8)
        .build()
        .map_err(|e| AppError::declined_by("il runtime del server non si avvia", e))?;
    runtime.block_on(server::serve(config, clock(), announce))?;
    tracing::info!(schema = repo::SCHEMA_VERSION, "server stopped");
    Ok(ExitCode::SUCCESS)
}
