//! The application without its listener: state, fairings, routes, catchers.

use std::sync::Arc;

use rocket::{Build, Rocket};

use crate::access::AccessControl;
use crate::infra::clock::SharedClock;
use crate::repo::pool::ReadPool;
use crate::repo::writer::Writer;
use crate::web::site::{FormSecret, Site};
use crate::web::{
    actions, admin, agenda, anomalies, api, assets, audit, documents, errors, front_refusal, gate, headers, home,
    manual, notice, outcome, programme, recipients, request_log,
};

/// Everything handlers need, put in Rocket's managed state.
pub struct AppState {
    pub site: Site,
    pub access: Arc<AccessControl>,
    pub pool: Arc<ReadPool>,
    pub writer: Writer,
    pub clock: SharedClock,
    pub form_secret: Vec<u8>,
    /// `[agenda]` settings (the back-dating window).
    pub agenda: crate::config::AgendaSection,
    pub backups: Arc<crate::runtime::backups::Backups>,
    pub chain_watch: Arc<crate::service::chain_watch::ChainWatch>,
    pub notice: Arc<crate::service::notice::Notice>,
    pub reloader: Arc<crate::runtime::reload::Reloader>,
    pub importer: Arc<crate::service::assignment_import::Importer>,
    /// Issues the identificativo politica's sequence numbers.
    pub issuer: Arc<crate::service::identificativo::Issuer>,
    /// What the feed to IDOL sends that the SAP does not say (`[idol]`).
    pub feed: Arc<crate::service::idol_export::FeedSettings>,
}

/// The application without its listener: routes, guards, fairings, catchers, state.
/// `server::build` adds TLS; unit tests drive this directly.
pub fn app(state: AppState, rocket: Rocket<Build>) -> Rocket<Build> {
    let shield = rocket::shield::Shield::default()
        .enable(rocket::shield::Hsts::default())
        .enable(rocket::shield::Frame::Deny)
        .enable(rocket::shield::Referrer::SameOrigin)
        .enable(rocket::shield::NoSniff::Enable);
    rocket
        .manage(state.site.clone())
        .manage(state.access.clone())
        .manage(state.pool.clone())
        .manage(state.writer.clone())
        .manage(recipients::DashboardCache::new(state.writer.data_generation()))
        .manage(api::ListCache::new(state.writer.data_generation()))
        .manage(state.clock.clone())
        .manage(state.issuer.clone())
        .manage(state.feed.clone())
        .manage(FormSecret(state.form_secret.clone()))
        .manage(state.agenda)
        .manage(state.backups.clone())
        .manage(state.chain_watch.clone())
        .manage(state.notice.clone())
        .manage(state.reloader.clone())
        .manage(state.importer.clone())
        .attach(request_log::RequestLog)
        .attach(front_refusal::FrontRefusal)
        .attach(gate::Gate)
        .attach(shield)
        .attach(headers::SecurityHeaders)
        .mount("/", home::routes())
        .mount("/", gate::routes())
        .mount("/", front_refusal::routes())
        .mount("/", admin::routes())
        .mount("/", recipients::routes())
        .mount("/", programme::routes())
        .mount("/", actions::routes())
        .mount("/", documents::routes())
        .mount("/", agenda::routes())
        .mount("/", outcome::routes())
        .mount("/", audit::routes())
        .mount("/", anomalies::routes())
        .mount("/", notice::routes())
        .mount("/static", assets::routes())
        .mount("/manuale", manual::routes())
        .mount("/api/v1", api::routes())
        .register("/", errors::catchers())
}
