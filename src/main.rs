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
    about = "Ricolloca: Assegno di Ricollocazione appliance (CNS smartcard access, SAP, actions, audit trail)",
    long_about = "Ricolloca: Assegno di Ricollocazione appliance.\n\n\
        One binary, one SQLite data file. Operators log in only with their CNS smartcard\n\
        (a TLS client certificate); every access and operation is written to a\n\
        tamper-evident audit chain.\n\n\
        Configuration: --config FILE, or the RICOLLOCA_CONFIG environment variable; every\n\
        key can be overridden with RICOLLOCA_<KEY> (nested keys with __, e.g. RICOLLOCA_TLS__CERT)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the HTTPS server.
    Serve {
        /// Configuration file (TOML).
        #[arg(long, env = CONFIG_ENV)]
        config: Option<PathBuf>,
    },
    /// Start a training instance: throwaway CA, certificates for every role, fake data.
    Demo {
        /// Folder of the instance (created if missing, reused otherwise).
        #[arg(long, default_value = "ricolloca-demo")]
        dir: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
        /// Start again from the initial data (keeps the CA and the cards already imported in
        /// the browsers; drops the data file, audit key and checkpoints, logs, backups).
        #[arg(long)]
        reset: bool,
    },
    /// Manage operators (bootstrap; later through the web screens).
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
    /// Manage accredited providers (bootstrap; later through the web screens).
    Provider {
        #[command(subcommand)]
        command: ProviderCommand,
    },
    /// Import the CPI's files: voucher assignments (csv) or SAPs (sap).
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Write one verified backup file (a zip: database + manifest), also while the server runs.
    /// Sealed as the configuration says: to the Region's age public keys (backup.recipients;
    /// the server cannot open it), or with backup.passphrase_file; warned when neither is set.
    Backup {
        #[arg(long, env = CONFIG_ENV)]
        config: Option<PathBuf>,
        /// The backup file to write (must not exist); by convention .zip.age, .zip.enc or .zip.
        #[arg(long)]
        out: PathBuf,
        /// File holding a passphrase (one line), instead of the configured sealing: the whole
        /// zip is encrypted (Argon2id + ChaCha20-Poly1305; format in the manual, chapter "backup").
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
    },
    /// Make a key pair for sealing backups, on the Region's own computer (not the server):
    /// writes the private key to --out (mode 0600, age identity format) and prints the public
    /// key (age1…) to put in backup.recipients. The Region keeps the private key; restore takes
    /// it with --identity-file. Any age tool (age-keygen) makes compatible keys.
    BackupKey {
        /// The private key file to write (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Replace the data file with a backup (server stopped): verifies everything first, moves
    /// the current file aside under a timestamped name, never deletes it. Says where the
    /// identificativo politica sequence stands: the file outside the data file
    /// (identificativo.high_water) is never restored, so no number is issued twice.
    Restore {
        #[arg(long, env = CONFIG_ENV)]
        config: Option<PathBuf>,
        /// The backup file (.zip, or encrypted).
        #[arg(long)]
        from: PathBuf,
        /// File holding the passphrase of a backup encrypted with a passphrase (.zip.enc).
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
        /// The Region's private key (age identity file, AGE-SECRET-KEY-1…) for a backup sealed
        /// to its public key (.zip.age).
        #[arg(long)]
        identity_file: Option<PathBuf>,
        /// Accept a backup whose manifest has no head signed with the audit key although the
        /// key is known (the automatic backup before a schema upgrade is not signed). Without
        /// it such a backup is refused: its chain could have been rewritten and re-hashed.
        #[arg(long)]
        allow_unsigned: bool,
        /// Accept a backup whose audit chain or checkpoints did not verify (flagged in its
        /// manifest when it was made). Without it such a backup is refused.
        #[arg(long)]
        accept_broken_chain: bool,
    },
    /// Check the configuration and the certificate, key, CA and CRL files it names, without
    /// starting (exit 1 on errors; warnings, e.g. expiry within 30 days, keep exit 0).
    Check {
        #[arg(long, env = CONFIG_ENV)]
        config: Option<PathBuf>,
    },
    /// Health of the running server, over its local Unix socket (<data>.sock): database, free
    /// disk, last backup, audit chain head and last checkpoint, CRL freshness. Exit 1 if the
    /// server does not answer or the database is not ok.
    Status {
        #[arg(long, env = CONFIG_ENV)]
        config: Option<PathBuf>,
    },
    /// Write the whole online manual as one self-contained HTML file (style and images
    /// inside), to hand out or print for the training day; it opens without the server.
    Manual {
        #[arg(long)]
        out: PathBuf,
        /// Region name on the title (default "Regione").
        #[arg(long)]
        region: Option<String>,
    },
    /// Audit trail tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Exports for other systems.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// The feed to IDOL: section-6 records and programme outcomes created or changed since
    /// DATE (default: where the previous export ended), as one zip: one <lavoratore> document
    /// per worker in the national SAP layout (revision 009), CSV of the records, outcomes CSV,
    /// manifest. Workers whose SAP lacks what the schema requires are listed, not sent.
    Idol {
        #[arg(long, env = CONFIG_ENV)]
        config: Option<PathBuf>,
        /// First day included (dd/mm/yyyy or yyyy-mm-dd, Italian time).
        #[arg(long)]
        since: Option<String>,
        /// The zip to write (refused if it exists).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Enable a person: a provider operator (with --provider) or regional staff.
    Add {
        #[arg(long, env = CONFIG_ENV)]
        config: Option<PathBuf>,
        /// Codice fiscale (checked; never reassigned once used).
        #[arg(long)]
        cf: String,
        #[arg(long)]
        surname: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// operatore | regione | revisore | tecnico
        #[arg(long)]
        role: String,
        /// Provider id (required for role operatore).
        #[arg(long)]
        provider: Option<String>,
        /// Role held inside the provider or office ("ruolo ricoperto", required by
        /// Allegato 4), e.g. "tutor", "responsabile sede", "Settore Lavoro".
        #[arg(long)]
        role_title: String,
        /// Exempt a `tecnico` account from the six-month inactivity rule (Allegato B p.7).
        #[arg(long)]
        technical_exemption: bool,
    },
}

#[derive(Subcommand)]
enum ProviderCommand {
    /// Register an accredited provider.
    Add {
        #[arg(long, env = CONFIG_ENV)]
        config: Option<PathBuf>,
        /// Denominazione.
        #[arg(long)]
        name: String,
        /// Partita IVA (11 digits) or codice fiscale of the organisation.
        #[arg(long)]
        cf: String,
        /// Accreditation code.
        #[arg(long)]
        code: String,
        #[arg(long, default_value = "")]
        pec: String,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Code-list labels (`lista;codice;descrizione`): each list the file holds replaces that
    /// list whole (the embedded official tables stay for the others).
    Codes {
        #[arg(long, env = CONFIG_ENV)]
        config: Option<PathBuf>,
        file: PathBuf,
    },
    /// SAP XML files in the national layout (any declared encoding); prints the JSON report.
    Sap {
        #[arg(long, env = CONFIG_ENV)]
        config: Option<PathBuf>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Voucher assignments as CSV (`;` or `,`, UTF-8 or Windows-1252); prints the JSON report.
    /// Each file is written in short transactions (a running server keeps answering) and
    /// appears whole at the end; one import at a time per data file.
    Csv {
        #[arg(long, env = CONFIG_ENV)]
        config: Option<PathBuf>,
        /// Import the valid rows of a file that has refused rows (default: whole file or nothing).
        #[arg(long)]
        valid_only: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain and the signed checkpoints; exit 0 and print "intact up to N", or
    /// exit 2 naming the first broken row, a truncated tail or a re-chained tail.
    Verify {
        #[arg(long, env = CONFIG_ENV, conflicts_with = "data")]
        config: Option<PathBuf>,
        /// Verify this data file (e.g. a copy) instead of the configured one.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Checkpoint file kept outside the data file (default: the configured one).
        #[arg(long)]
        checkpoints: Option<PathBuf>,
        /// Trusted public key, hex, as `audit pubkey` prints it (default: from audit.key).
        #[arg(long)]
        pubkey: Option<PathBuf>,
    },
    /// Write a signed checkpoint of the chain now (the server also does, every
    /// audit.checkpoint_minutes and at shutdown).
    Checkpoint {
        #[arg(long, env = CONFIG_ENV)]
        config: Option<PathBuf>,
    },
    /// Remove audit rows older than a date, never younger than audit.retention_months: a signed
    /// checkpoint of the last removed row is written first (checkpoint file and data file),
    /// and `audit verify` then checks the chain from that signed cut.
    Prune {
        #[arg(long, env = CONFIG_ENV)]
        config: Option<PathBuf>,
        /// Remove the rows before this day (yyyy-mm-dd, Italian local midnight).
        #[arg(long)]
        before: String,
    },
    /// Print the public key that verifies the checkpoints (hex).
    Pubkey {
        #[arg(long, env = CONFIG_ENV)]
        config: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
            serve(&config)
        }
        Command::Demo { dir, listen, reset } => {
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
            println!("{}", demo::instructions(&instance, listen));
            serve(&config)
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

fn serve(config: &Config) -> Result<ExitCode, AppError> {
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
    runtime.block_on(server::serve(config, clock()))?;
    tracing::info!(schema = repo::SCHEMA_VERSION, "server stopped");
    Ok(ExitCode::SUCCESS)
}
