//! Builds the server from the configuration: data file, writer, read pool, CRLs, TLS,
//! and the web application.

use std::sync::Arc;

use rocket::fairing::AdHoc;
use rocket::{Build, Rocket};

use crate::access::AccessControl;
use crate::access::form_token;
use crate::config::Config;
use crate::error::StartupError;
use crate::infra::clock::SharedClock;
use crate::infra::crl::RevocationList;
use crate::infra::tls;
use crate::repo::pool::ReadPool;
use crate::repo::writer::Writer;
use crate::repo::{self, settings};
use crate::web::{self, AppState, Site};

/// Everything but the listener, for `serve` and for tests that drive Rocket locally.
pub fn state(config: &Config, clock: SharedClock) -> Result<AppState, StartupError> {
    let seal = config.backup_seal()?;
    let mut conn = crate::service::data_file::open_sealed(&config.data, clock.now(), &seal)?;
    // Never a new key over existing checkpoints: refused here, before anything else starts.
    let signing_key = Arc::new(crate::service::audit::signing_key(&conn, &config.audit_key())?);
    let fresh_secret = random_bytes()?;
    let form_secret =
        repo::write_once(&mut conn, |tx| settings::get_or_insert(tx, form_token::SECRET_KEY, &fresh_secret))
            .map_err(|e| StartupError::Other(format!("file dati: {e}")))?;
    // The identificativo counter takes the larger of the data file's and the high-water
    // file's (an older backup restored never reissues a number); an exhausted range stops here.
    let issuer = Arc::new(crate::service::identificativo::Issuer::from_config(config)?);
    let now = clock.now();
    let sequence = repo::write_once(&mut conn, |tx| issuer.reconcile(tx, now))
        .map_err(|e| StartupError::Other(format!("file dati: {e}")))?;
    if sequence.remaining == 0 {
        return Err(StartupError::key(
            "identificativo.range_end",
            format!(
                "l'intervallo degli identificativi politica è esaurito (ultimo rilasciato {:08X}, fine {:08X}): la Regione deve assegnare un nuovo intervallo",
                sequence.last.unwrap_or(0),
                sequence.end
            ),
        ));
    }
    let writer = Writer::start(conn).map_err(|e| StartupError::Other(format!("thread di scrittura: {e}")))?;
    let pool = Arc::new(ReadPool::new(config.data.clone()));
    let ca_pem = std::fs::read(&config.tls.client_ca)
        .map_err(|e| StartupError::key("tls.client_ca", format!("{}: {e}", config.tls.client_ca.display())))?;
    let revocations = RevocationList::load(config.tls.crl.as_deref(), &ca_pem)?;
    for crl in &revocations.sources {
        tracing::info!(path = %crl.path.display(), issuer = %crl.issuer, revoked = crl.revoked, "CRL loaded");
    }
    let access = Arc::new(
        AccessControl::new(clock.clone(), pool.clone(), writer.clone(), revocations, config.inactivity())
            .with_crl_required(config.tls.without_crl == "refuse")
            .with_required_policies(config.tls.required_policies.clone()),
    );
    let backups = Arc::new(crate::runtime::backups::Backups::new(
        config.data.clone(),
        config.backup_dir(),
        config.backup_every(),
        config.backup_keep(),
        seal,
        signing_key.clone(),
        config.audit_checkpoints(),
        writer.clone(),
        clock.clone(),
    ));
    let public_key = signing_key.public_key();
    let chain_watch =
        Arc::new(crate::service::chain_watch::ChainWatch::new(public_key, Some(config.audit_checkpoints())));
    let reloader = Arc::new(crate::runtime::reload::Reloader::new(config, access.clone()));
    let importer =
        Arc::new(crate::service::assignment_import::Importer::new(config.data.clone(), writer.clone(), clock.clone()));
    Ok(AppState {
        site: Site {
            region_name: config.region_name.clone(),
            system_code: config.system_code.clone(),
            upload_max: config.upload_max_mb as usize * 1024 * 1024,
            upload_quota: u64::from(config.upload_quota_mb) * 1024 * 1024,
            training: config.training,
        },
        access,
        pool,
        writer,
        clock,
        form_secret,
        agenda: config.agenda,
        backups,
        chain_watch,
        notice: Arc::new(crate::service::notice::Notice::load(
            config.audit.notice.as_deref(),
            config.audit.notice_required,
        )?),
        reloader,
        importer,
        issuer,
        feed: Arc::new(config.idol.settings()),
    })
}

fn random_bytes() -> Result<Vec<u8>, StartupError> {
    let mut buf = vec![0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut buf)
        .map_err(|_| StartupError::Other("il sistema non fornisce numeri casuali".into()))?;
    Ok(buf)
}

/// How a start presents itself on the terminal.
#[derive(Debug, Clone, Default)]
pub enum Announce {
    /// A real instance: warns on every start while backups are not sealed (README, manual "backup").
    #[default]
    Instance,
    /// The training instance: its instructions, printed after the listening line so that they
    /// are the last thing on the trainer's screen (they say themselves that backups are plain).
    Demo(String),
}

/// Serves until SIGTERM or SIGINT: binds `listen`, builds the application, starts it (liftoff:
/// the jobs start and the bound port is announced) and hands it to the front door.
pub async fn serve(config: &Config, clock: SharedClock, announce: Announce) -> Result<(), StartupError> {
    let tls = tls::server_config(config)?;
    let max = config
        .connections
        .effective_max(crate::front::settings::descriptor_limit())
        .map_err(|m| StartupError::key("connections.max", m))?;
    let listener = crate::front::bind(config.listen)
        .map_err(|e| StartupError::key("listen", format!("{}: {e}", config.listen)))?;
    let bound = listener.local_addr().map_err(|e| StartupError::key("listen", e.to_string()))?;
    let rocket = build_at(config, clock, bound, announce)?;
    let client = rocket::local::asynchronous::Client::untracked(rocket)
        .await
        .map_err(|e| StartupError::Other(format!("avvio dell'applicazione: {e}")))?;
    let body_limit = (u64::from(config.upload_max_mb) + 1) * 1024 * 1024;
    crate::front::run(listener, client, tls, config.connections, max, body_limit)
        .await
        .map_err(|e| StartupError::Other(format!("server: {e}")))
}

/// The whole application on the configured address (tests list its routes).
pub fn build(config: &Config, clock: SharedClock) -> Result<Rocket<Build>, StartupError> {
    build_at(config, clock, config.listen, Announce::Instance)
}

/// The warning while backups are not sealed: in the log, and in Italian on the terminal when
/// the log shows warnings at all (tests run at `error` and stay quiet).
fn warn_unsealed(config: &Config) -> Result<(), StartupError> {
    if config.backup_seal()?.is_sealed() {
        return Ok(());
    }
    tracing::warn!(
        "backups are NOT encrypted: set backup.recipients to the Region's age public key (or backup.passphrase_file)"
    );
    if tracing::enabled!(tracing::Level::WARN) {
        eprintln!(
            "ricolloca: ATTENZIONE: i backup NON sono cifrati. Impostare backup.recipients con la chiave pubblica della Regione (ricolloca backup-key), oppure backup.passphrase_file: vedere il manuale, capitolo \"Backup e ripristino\""
        );
    }
    Ok(())
}

/// The application as served on `bound` (the port Rocket reports to the liftoff fairings).
fn build_at(
    config: &Config,
    clock: SharedClock,
    bound: std::net::SocketAddr,
    announce: Announce,
) -> Result<Rocket<Build>, StartupError> {
    let banner = match announce {
        Announce::Instance => {
            warn_unsealed(config)?;
            None
        }
        Announce::Demo(banner) => Some(banner),
    };
    let summary = tls::check_files(config)?;
    // Held for the life of the process: `restore` refuses while it is held.
    let lock = crate::infra::instance_lock::InstanceLock::try_acquire(&config.data)
        .map_err(|e| StartupError::key("data", e.to_string()))?;
    let state = state(config, clock)?;
    // `state` loaded it, or created it on a file without checkpoints.
    let signing_key = Arc::new(crate::infra::checkpoint::SigningKey::load(&config.audit_key())?);
    let rocket_config = rocket::Config {
        address: bound.ip(),
        port: bound.port(),
        // TLS is terminated by the front door (src/front), which hands requests in.
        log_level: rocket::config::LogLevel::Off,
        ident: rocket::config::Ident::none(),
        cli_colors: false,
        // We terminate TLS ourselves: the peer address is the client. Never trust a header
        // (Rocket's default X-Real-IP would let anyone write any IP into the audit trail).
        ip_header: None,
        // Uploads (signed PDFs, communications) up to upload_max_mb; the document sniffer checks again.
        limits: rocket::data::Limits::default()
            .limit("file", rocket::data::ByteUnit::Mebibyte(u64::from(config.upload_max_mb)))
            .limit("data-form", rocket::data::ByteUnit::Mebibyte(u64::from(config.upload_max_mb) + 1))
            .limit("json", rocket::data::ByteUnit::Mebibyte(1)),
        ..rocket::Config::release_default()
    };
    let data = config.data.display().to_string();
    let (backups, bk_clock) = (state.backups.clone(), state.clock.clone());
    let health = crate::runtime::status::Health {
        data: config.data.clone(),
        pool: state.pool.clone(),
        backups: state.backups.clone(),
        access: state.access.clone(),
        clock: state.clock.clone(),
    };
    let (writer, clock, access, inactivity) =
        (state.writer.clone(), state.clock.clone(), state.access.clone(), config.inactivity());
    let (cw_pool, cw_watch, cw_clock) = (state.pool.clone(), state.chain_watch.clone(), state.clock.clone());
    let (aw_pool, aw_writer, aw_clock, aw_cfg) =
        (state.pool.clone(), state.writer.clone(), state.clock.clone(), config.anomalies.clone());
    let reloader = state.reloader.clone();
    let importer = state.importer.clone();
    let bf_writer = state.writer.clone();
    let (rm_pool, rm_writer, rm_clock) = (state.pool.clone(), state.writer.clone(), state.clock.clone());
    let crl = config.tls.crl.clone().map(|crl| (crl, config.tls.client_ca.clone()));
    let (cp_writer, cp_clock, cp_key, cp_file, cp_minutes) = (
        state.writer.clone(),
        state.clock.clone(),
        signing_key.clone(),
        config.audit_checkpoints(),
        config.audit.checkpoint_minutes,
    );
    let (sd_writer, sd_clock, sd_key, sd_file) =
        (state.writer.clone(), state.clock.clone(), signing_key, config.audit_checkpoints());
    let sd_issuer = state.issuer.clone();
    let shutdown_checkpoint = AdHoc::on_shutdown("audit checkpoint at shutdown", move |_| {
        Box::pin(async move {
            crate::runtime::jobs::checkpoint(&sd_writer, &sd_clock, &sd_key, &sd_file).await;
            // The unused rest of the identificativo block goes back (a crash skips it instead).
            if let Err(e) = sd_issuer.release() {
                tracing::warn!(error = %e, "identificativo: the reserved block was not given back");
            }
        })
    });
    let announce = AdHoc::on_liftoff("announce", move |rocket| {
        Box::pin(async move {
            crate::runtime::jobs::spawn_idle_sweep(writer, clock.clone(), inactivity);
            crate::runtime::jobs::spawn_checkpoints(cp_writer, cp_clock, cp_key, cp_file, cp_minutes);
            crate::runtime::jobs::spawn_backups(backups, bk_clock);
            crate::runtime::status::spawn(health);
            crate::runtime::reload::spawn_on_sighup(reloader);
            crate::runtime::jobs::spawn_subject_backfill(cw_pool.clone(), bf_writer);
            crate::runtime::jobs::spawn_chain_watch(cw_pool, cw_watch, cw_clock);
            crate::runtime::jobs::spawn_anomaly_watch(aw_pool, aw_writer, aw_clock, aw_cfg);
            importer.recover_in_background();
            crate::runtime::jobs::spawn_access_epoch_poll(access.clone());
            crate::runtime::jobs::spawn_sap_remap(rm_pool, rm_writer, rm_clock);
            if let Some((crl, ca)) = crl {
                crate::runtime::jobs::spawn_crl_reload(access, clock, crl, ca);
            }
            let c = rocket.config();
            let line = format!("Ricolloca in ascolto su https://{}:{}/", c.address, c.port);
            tracing::info!(
                version = env!("CARGO_PKG_VERSION"),
                schema = repo::SCHEMA_VERSION,
                data = %data,
                tls = %summary.versions,
                client_cas = summary.client_cas,
                server_cert_until = %summary.server_not_after,
                "{line}"
            );
            // Tests and scripts read the bound port from this line on stdout.
            println!("{line}");
            if let Some(banner) = banner {
                println!("\n{banner}");
            }
        })
    });
    let app = web::app(state, rocket::custom(rocket_config).manage(lock).attach(announce).attach(shutdown_checkpoint));
    // Last among the response fairings: the body is final.
    Ok(app.attach(crate::front::ContentLength))
}
