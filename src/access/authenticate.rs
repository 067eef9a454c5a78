//! The per-request access check. The handshake already verified the chain against the CNS
//! CA bundle (rustls); what a resumed session or a long keep-alive connection skips, and what
//! the handshake cannot know, is checked here on every request, cheaply:
//! validity period (cached parse), revocation (hash lookup), operator and provider state
//! (one indexed read). Refusals are audited here, exactly once each.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};

use super::directory::Directory;
use super::listed_today::ListedToday;
use super::principal::Principal;
use crate::domain::audit_event::{Actor, AuditEvent, cert_summary};
use crate::domain::audit_views::ViewEvent;
use crate::domain::cns::CertIdentity;
use crate::domain::inactivity::InactivityRule;
use crate::domain::operator::{Operator, OperatorState, Refusal};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;
use crate::infra::clock::{SharedClock, local_day_of, local_day_start};
use crate::infra::crl::RevocationList;
use crate::repo::pool::ReadPool;
use crate::repo::writer::Writer;
use crate::repo::{audit, audit_subjects, certificates, operators};

/// How long a request waits for the audit row it needs (a view's, a refusal's, the day's
/// first login) before answering 503: a few seconds, never a hang.
pub const AUDIT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(5);

/// Parsed certificates kept; a card-holder population is small, this bounds a flood of
/// throwaway certificates from a trusted CA.
const CERT_CACHE_MAX: usize = 10_000;

/// What the web layer knows about the request.
pub struct RequestFacts<'a> {
    /// The request's time, read once for the whole request.
    pub now: Timestamp,
    pub cert_der: Option<&'a [u8]>,
    pub ip: Option<String>,
    pub method: &'a str,
    pub path: &'a str,
}

/// The outcome of the checks, before a refusal is written: why, the card, and the operator
/// when the card's holder is one.
enum Checked {
    In(Principal),
    Refused(Refusal, Arc<CertIdentity>, Option<Arc<Operator>>),
}

pub struct AccessControl {
    clock: SharedClock,
    pool: Arc<ReadPool>,
    writer: Writer,
    revocations: RwLock<Arc<RevocationList>>,
    /// Whether a CA without a loaded CRL makes its certificates unacceptable.
    crl_required: bool,
    /// Certificate policy OIDs of which a certificate must carry one (`tls.required_policies`);
    /// empty: no check.
    required_policies: Vec<String>,
    certs: RwLock<HashMap<[u8; 32], Arc<CertIdentity>>>,
    /// Operators in memory, dropped when the access epoch moves.
    directory: Directory,
    inactivity: InactivityRule,
    listed_today: ListedToday,
}

impl AccessControl {
    pub fn new(
        clock: SharedClock,
        pool: Arc<ReadPool>,
        writer: Writer,
        revocations: RevocationList,
        inactivity: InactivityRule,
    ) -> Self {
        let directory = Directory::new(writer.access_epoch());
        Self {
            clock,
            pool,
            directory,
            writer,
            revocations: RwLock::new(Arc::new(revocations)),
            certs: RwLock::new(HashMap::new()),
            inactivity,
            listed_today: ListedToday::default(),
            crl_required: false,
            required_policies: Vec::new(),
        }
    }

    /// Refuse certificates whose CA has no CRL loaded (`tls.without_crl = "refuse"`).
    pub fn with_crl_required(mut self, required: bool) -> Self {
        self.crl_required = required;
        self
    }

    /// Refuse certificates without one of these policies (`tls.required_policies`).
    pub fn with_required_policies(mut self, policies: Vec<String>) -> Self {
        self.required_policies = policies;
        self
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The whole check. `Err(Unauthenticated)` without a certificate (not audited: nobody
    /// to attribute it to, and the landing page is what such a visitor needs);
    /// `Err(Refused)` after writing the `access.denied` row.
    pub async fn authenticate(&self, req: &RequestFacts<'_>) -> Result<Principal, AppError> {
        match self.check(req).await? {
            Checked::In(principal) => Ok(principal),
            Checked::Refused(refusal, cert, operator) => {
                Err(self.refuse(refusal, req, &cert, operator.as_deref()).await)
            }
        }
    }

    /// Every check, the day's first login written; a refusal is returned, not yet written.
    async fn check(&self, req: &RequestFacts<'_>) -> Result<Checked, AppError> {
        let Some(der) = req.cert_der else {
            return Err(AppError::Unauthenticated);
        };
        let cert = self.identity(der)?;
        let now = req.now;
        let refused = |refusal, operator| Ok(Checked::Refused(refusal, cert.clone(), operator));

        if !cert.is_valid_at(now) {
            return refused(Refusal::CertificateNotValidNow, None);
        }
        let (revoked, covered) = {
            let list = self.revocations.read().map_err(|_| AppError::unexpected("revocation list lock poisoned"))?;
            (list.is_revoked(&cert.issuer_der, &cert.serial), list.covers(&cert.issuer_der))
        };
        if revoked {
            return refused(Refusal::CertificateRevoked, None);
        }
        if self.crl_required && !covered {
            return refused(Refusal::CertificateWithoutCrl, None);
        }
        if !cert.has_one_of_policies(&self.required_policies) {
            return refused(Refusal::CertificatePolicy, None);
        }
        let Ok(cf) = cert.codice_fiscale.clone() else {
            return refused(Refusal::InvalidCodiceFiscale, None);
        };
        let Some(operator) = self.directory.operator(&self.pool, &cf).await? else {
            return refused(Refusal::UnknownOperator, None);
        };
        if let Some(refusal) = operator.refusal(now, self.inactivity) {
            return refused(refusal, Some(operator));
        }
        let principal = Principal::new(Operator::clone(&operator), cert.clone(), req.ip.clone());
        // The operator may have been switched off since our read: then refuse after all.
        if let Some(refusal) = self.record_login_if_first_today(&principal, now).await? {
            return refused(refusal, Some(operator));
        }
        Ok(Checked::In(principal))
    }

    /// Parses the certificate once per fingerprint.
    fn identity(&self, der: &[u8]) -> Result<Arc<CertIdentity>, AppError> {
        let key: [u8; 32] = Sha256::digest(der).into();
        if let Some(hit) = self.certs.read().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(hit);
        }
        // rustls accepted it, so failing to parse it here is our problem, not the user's.
        let parsed = Arc::new(CertIdentity::from_der(der).map_err(AppError::internal)?);
        if let Ok(mut cache) = self.certs.write() {
            if cache.len() >= CERT_CACHE_MAX {
                cache.clear();
            }
            cache.insert(key, parsed.clone());
        }
        Ok(parsed)
    }

    /// Writes the `access.denied` row and returns the error to answer with. If the row
    /// cannot be written the request fails anyway (503), never succeeds.
    async fn refuse(
        &self,
        refusal: Refusal,
        req: &RequestFacts<'_>,
        cert: &CertIdentity,
        operator: Option<&Operator>,
    ) -> AppError {
        let mut actor = Actor::certificate_holder(cert, req.ip.clone());
        if let Some(op) = operator {
            actor.id = Some(op.id);
            actor.role = Some(op.role);
            actor.provider = op.provider.as_ref().map(|p| p.id);
        }
        // Only operators' codici fiscali go to the logs; others by certificate fingerprint.
        match operator {
            Some(op) => {
                tracing::warn!(cf = %op.codice_fiscale, reason = refusal.code(), path = req.path, "access denied")
            }
            None => tracing::warn!(cert = %cert.sha256, reason = refusal.code(), path = req.path, "access denied"),
        }
        let event = AuditEvent::denied(refusal, req.method, req.path, Some(cert));
        // The six-month rule switches an active operator off in the same transaction as
        // the refusal: both rows or neither.
        let deactivate = match operator {
            Some(op) if refusal == Refusal::OperatorIdle && op.state == OperatorState::Active => Some(op.id),
            _ => None,
        };
        let rule = self.inactivity;
        let now = req.now;
        let written = self
            .writer
            .write_within(AUDIT_DEADLINE, move |tx| {
                if let Some(id) = deactivate {
                    crate::service::operators::deactivate_if_idle(tx, now, id, rule)?;
                }
                audit::append(tx, now, &actor, &event).map(|_| ())
            })
            .await;
        match written {
            Ok(()) => AppError::Refused(refusal),
            Err(e) => e,
        }
    }

    /// The audit row of a refusal decided outside this module (wrong role, cross-site).
    pub async fn refuse_principal(
        &self,
        principal: &Principal,
        refusal: Refusal,
        method: &str,
        path: &str,
    ) -> AppError {
        tracing::warn!(cf = %principal.operator().codice_fiscale, reason = refusal.code(), path, "access denied");
        let event = AuditEvent::denied(refusal, method, path, Some(principal.cert()));
        match self.audit(principal.actor(), event).await {
            Ok(()) => AppError::Refused(refusal),
            Err(e) => e,
        }
    }

    /// Another provider's (or a missing) object: audited as a denied attempt, answered 404.
    pub async fn refuse_as_not_found(&self, principal: &Principal, method: &str, path: &str) -> AppError {
        match self.refuse_principal(principal, Refusal::ForeignObject, method, path).await {
            AppError::Refused(_) => AppError::NotFound,
            other => other,
        }
    }

    /// Appends one event in its own small transaction.
    pub async fn audit(&self, actor: Actor, event: AuditEvent) -> Result<(), AppError> {
        self.writer.append_audit_within(AUDIT_DEADLINE, self.clock.now(), actor, event).await
    }

    /// Audits a list view: every recipient it showed goes into the row's detail (`shown`),
    /// and each gets today's "appeared in a list" entry for this viewer, unless it has one
    /// already (known in memory, or read here outside the writer, so that the writer only
    /// adds what is new).
    pub async fn audit_list(&self, actor: Actor, event: &impl ViewEvent, shown: Vec<i64>) -> Result<(), AppError> {
        let now = self.clock.now();
        let day = local_day_of(now);
        let viewer = actor.id;
        let new_ids: Vec<i64> = match viewer {
            Some(viewer) => {
                let unknown = self.listed_today.unknown(viewer, day, &shown);
                if unknown.is_empty() {
                    unknown
                } else {
                    let ids = unknown.clone();
                    let known = self.pool.read(move |c| audit_subjects::already_listed(c, viewer, day, &ids)).await?;
                    self.listed_today.remember(viewer, day, known.iter().copied());
                    unknown.into_iter().filter(|id| !known.contains(id)).collect()
                }
            }
            None => Vec::new(),
        };
        let event = AuditEvent::of_list(event, shown).map_err(AppError::internal)?;
        self.writer.append_list_audit(now, day, actor, event, new_ids.clone()).await?;
        if let Some(viewer) = viewer {
            self.listed_today.remember(viewer, day, new_ids);
        }
        Ok(())
    }

    pub fn inactivity(&self) -> InactivityRule {
        self.inactivity
    }

    /// What the loaded CRLs are, for reports.
    pub fn revocation_sources(&self) -> Vec<crate::infra::crl::CrlSource> {
        self.revocations.read().map(|r| r.sources.clone()).unwrap_or_default()
    }

    /// Reads the access epoch for changes made by other processes (the command line); the
    /// server's own changes are published by the writer at once.
    pub async fn poll_access_epoch(&self) -> Result<(), AppError> {
        let epoch = self.pool.read(crate::repo::access::epoch).await?;
        self.directory.publish(epoch);
        Ok(())
    }

    /// Swaps in freshly loaded CRLs (the background reload).
    pub fn replace_revocations(&self, list: RevocationList) {
        if let Ok(mut current) = self.revocations.write() {
            *current = Arc::new(list);
        }
    }

    /// `last_access_at` moves once a day (and when the card changes), with an
    /// `access.login` row: the "first request of the day" the activity reports count.
    /// Returns a refusal if, under the write lock, the operator turns out to be switched off.
    async fn record_login_if_first_today(
        &self,
        principal: &Principal,
        now: Timestamp,
    ) -> Result<Option<Refusal>, AppError> {
        let op = principal.operator();
        let day_start = local_day_start(local_day_of(now));
        let same_day = op.last_access_at.is_some_and(|t| t >= day_start);
        if same_day && op.last_cert_sha256.as_deref() == Some(principal.cert().sha256.as_str()) {
            return Ok(None);
        }
        let id = op.id;
        let cf = op.codice_fiscale.clone();
        let rule = self.inactivity;
        let cert = principal.cert().clone();
        let actor = principal.actor();
        self.writer
            .write_within(AUDIT_DEADLINE, move |tx| {
                if operators::record_access(tx, id, now, day_start, &cert.sha256)? {
                    certificates::record_seen(tx, id, &cert, now)?;
                    audit::append(tx, now, &actor, &AuditEvent::Login { cert: cert_summary(&cert) })?;
                    return Ok(None);
                }
                // Nothing moved: another request did it today, or the operator is no longer active.
                let fresh = operators::find_for_login(tx.conn(), &cf)?;
                Ok(match fresh {
                    Some(op) => op.refusal(now, rule),
                    None => Some(Refusal::UnknownOperator),
                })
            })
            .await
    }
}
