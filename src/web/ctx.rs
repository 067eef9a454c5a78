//! The request context: what every screen handler needs besides its role guard, in one
//! guard. It carries the read pool, the writer, access control, the site, the request's time
//! (read once), the method and path asked for and the person; and it owns the audited refusal
//! of an object the person may not see, so that a scoped read or write that finds nothing is
//! a denied attempt in the trail, then a 404, in one place.

use std::sync::Arc;

use maud::Markup;
use rocket::http::Method;
use rocket::request::{FromRequest, Outcome, Request};
use rusqlite::Connection;

use crate::access::{AccessControl, Principal};
use crate::domain::audit_event::{Actor, AuditEvent};
use crate::domain::audit_views::ViewEvent;
use crate::error::AppError;
use crate::infra::clock::{SharedClock, Timestamp};
use crate::repo::WriteTx;
use crate::repo::pool::ReadPool;
use crate::repo::writer::Writer;
use crate::web::Site;
use crate::web::guards::Utente;
use crate::web::request_time;
use crate::web::views::layout::page_at;

/// The request context. Put it after the role guard (guards run left to right, so the role
/// is checked and refused first).
pub struct Ctx<'r> {
    pub pool: &'r Arc<ReadPool>,
    pub writer: &'r Writer,
    pub access: &'r Arc<AccessControl>,
    pub site: &'r Site,
    clock: &'r SharedClock,
    /// The request's time, read once by the gate: the same for everything the request does.
    pub now: Timestamp,
    /// Who is asking (the role guard has already checked what they may do).
    pub principal: Arc<Principal>,
    method: Method,
    path: String,
}

fn managed<'r, T: Send + Sync + 'static>(req: &'r Request<'_>, what: &str) -> Result<&'r T, AppError> {
    req.rocket().state::<T>().ok_or_else(|| AppError::unexpected(format!("{what} not managed")))
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Ctx<'r> {
    type Error = AppError;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, AppError> {
        let Utente(principal) = rocket::outcome::try_outcome!(req.guard::<Utente>().await);
        let states = (|| {
            Ok::<_, AppError>((
                managed::<Arc<ReadPool>>(req, "read pool")?,
                managed::<Writer>(req, "writer")?,
                managed::<Arc<AccessControl>>(req, "access control")?,
                managed::<Site>(req, "site")?,
                managed::<SharedClock>(req, "clock")?,
            ))
        })();
        match states {
            Ok((pool, writer, access, site, clock)) => Outcome::Success(Ctx {
                pool,
                writer,
                access,
                site,
                clock,
                now: request_time::of(req),
                principal,
                method: req.method(),
                path: req.uri().path().to_string(),
            }),
            Err(e) => {
                let status = crate::web::errors::status_of(&e);
                crate::web::errors::remember(req, e.clone());
                Outcome::Error((status, e))
            }
        }
    }
}

impl Ctx<'_> {
    /// The path asked for, as Rocket routed it.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The audited refusal of an object the person may not see (or that does not exist): a
    /// denied attempt in the trail, answered 404.
    pub async fn refuse(&self) -> AppError {
        self.access.refuse_as_not_found(&self.principal, self.method.as_str(), &self.path).await
    }

    /// A read on the pool.
    pub async fn read<R, F>(&self, f: F) -> Result<R, AppError>
    where
        F: FnOnce(&Connection) -> Result<R, AppError> + Send + 'static,
        R: Send + 'static,
    {
        self.pool.read(f).await
    }

    /// A scoped read: `f` gets the connection and the scope; `None` (not found, or not this
    /// person's) is the audited refusal.
    pub async fn read_or_404<S, R, F>(&self, scope: S, f: F) -> Result<R, AppError>
    where
        S: Send + 'static,
        F: FnOnce(&Connection, &S) -> Result<Option<R>, AppError> + Send + 'static,
        R: Send + 'static,
    {
        match self.pool.read(move |c| f(c, &scope)).await? {
            Some(found) => Ok(found),
            None => Err(self.refuse().await),
        }
    }

    /// A change in the write transaction.
    pub async fn write<R, F>(&self, f: F) -> Result<R, AppError>
    where
        F: FnOnce(&WriteTx<'_>) -> Result<R, AppError> + Send + 'static,
        R: Send + 'static,
    {
        self.writer.write(f).await
    }

    /// A scoped change: `AppError::NotFound` from `f` (the object is not this person's, or does
    /// not exist) becomes the audited refusal; other errors pass as they are.
    pub async fn write_or_404<R, F>(&self, f: F) -> Result<R, AppError>
    where
        F: FnOnce(&WriteTx<'_>) -> Result<R, AppError> + Send + 'static,
        R: Send + 'static,
    {
        match self.writer.write(f).await {
            Err(AppError::NotFound) => Err(self.refuse().await),
            other => other,
        }
    }

    /// A change with the time read under the write lock (the rows the IDOL feed selects by
    /// time: see `Writer::write_stamped`).
    pub async fn write_stamped<R, F>(&self, f: F) -> Result<R, AppError>
    where
        F: FnOnce(&WriteTx<'_>, Timestamp) -> Result<R, AppError> + Send + 'static,
        R: Send + 'static,
    {
        self.writer.write_stamped(self.clock, f).await
    }

    /// `write_or_404` with the time read under the write lock (the rows the IDOL feed selects
    /// by time: see `Writer::write_stamped`).
    pub async fn write_stamped_or_404<R, F>(&self, f: F) -> Result<R, AppError>
    where
        F: FnOnce(&WriteTx<'_>, Timestamp) -> Result<R, AppError> + Send + 'static,
        R: Send + 'static,
    {
        match self.writer.write_stamped(self.clock, f).await {
            Err(AppError::NotFound) => Err(self.refuse().await),
            other => other,
        }
    }

    /// Appends one audit event in its own small transaction, before the page leaves.
    pub async fn audit(&self, actor: &Actor, event: AuditEvent) -> Result<(), AppError> {
        self.access.audit(actor.clone(), event).await
    }

    /// The audit row of a read, before the page or file leaves.
    pub async fn audit_view(&self, actor: &Actor, event: &impl ViewEvent) -> Result<(), AppError> {
        self.audit(actor, AuditEvent::of_view(event).map_err(AppError::internal)?).await
    }

    /// The audit row of a list of people, with each person shown (see
    /// `AccessControl::audit_list`), before the page leaves.
    pub async fn audit_list(&self, actor: &Actor, event: &impl ViewEvent, shown: Vec<i64>) -> Result<(), AppError> {
        self.access.audit_list(actor.clone(), event, shown).await
    }

    /// A page of the site for this person.
    pub fn page(&self, title: &str, body: Markup) -> Markup {
        page_at(Some(self.site), title, Some(&self.principal), &self.path, body)
    }
}
