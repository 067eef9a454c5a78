//! One guard per role: the handler signature is the policy. Each reads the gate's cached
//! access check, checks the role, and hands over the capability handle of that role.
//! A wrong role is refused (403) and audited, never forwarded to another route.

use std::sync::Arc;

use rocket::request::{FromRequest, Outcome, Request};

use crate::access::{AccessControl, AuditScope, Principal, ProviderScope, RegionScope};
use crate::domain::operator::Refusal;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::web::errors::status_of;
use crate::web::gate;

/// The audited refusal of someone whose role does not fit the route.
async fn wrong_role(req: &Request<'_>, principal: &Principal) -> AppError {
    match req.rocket().state::<Arc<AccessControl>>() {
        Some(access) => {
            access
                .refuse_principal(principal, Refusal::WrongRole, req.method().as_str(), req.uri().path().as_str())
                .await
        }
        None => AppError::unexpected("access control not managed"),
    }
}

/// Fails the request with `e`, keeping it for the catcher that renders the page.
fn fail<T>(req: &Request<'_>, e: AppError) -> Outcome<T, AppError> {
    let status = status_of(&e);
    crate::web::errors::remember(req, e.clone());
    Outcome::Error((status, e))
}

async fn principal_with_role(req: &Request<'_>, role: Option<Role>) -> Outcome<Arc<Principal>, AppError> {
    let principal = match &gate::outcome(req).await.0 {
        Ok(p) => p.clone(),
        Err(e) => return fail(req, e.clone()),
    };
    match role {
        Some(role) if principal.role() != role => {
            let e = wrong_role(req, &principal).await;
            fail(req, e)
        }
        _ => Outcome::Success(principal),
    }
}

/// Anyone who passed the access check, whatever the role.
pub struct Utente(pub Arc<Principal>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Utente {
    type Error = AppError;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, AppError> {
        principal_with_role(req, None).await.map(Utente)
    }
}

/// An operator of a provider, with the scope of that provider only.
pub struct Operatore {
    pub principal: Arc<Principal>,
    pub scope: ProviderScope,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Operatore {
    type Error = AppError;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, AppError> {
        let principal = rocket::outcome::try_outcome!(principal_with_role(req, Some(Role::Operatore)).await);
        match principal.provider_scope() {
            Some(scope) => Outcome::Success(Operatore { principal, scope }),
            None => fail(req, AppError::unexpected("operatore without provider")),
        }
    }
}

/// The regional administration.
pub struct Regione {
    pub principal: Arc<Principal>,
    pub scope: RegionScope,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Regione {
    type Error = AppError;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, AppError> {
        let principal = rocket::outcome::try_outcome!(principal_with_role(req, Some(Role::Regione)).await);
        match principal.region_scope() {
            Some(scope) => Outcome::Success(Regione { principal, scope }),
            None => fail(req, AppError::unexpected("regione without scope")),
        }
    }
}

/// The auditor.
pub struct Revisore {
    pub principal: Arc<Principal>,
    pub scope: AuditScope,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Revisore {
    type Error = AppError;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, AppError> {
        let principal = rocket::outcome::try_outcome!(principal_with_role(req, Some(Role::Revisore)).await);
        match principal.audit_scope() {
            Some(scope) => Outcome::Success(Revisore { principal, scope }),
            None => fail(req, AppError::unexpected("revisore without scope")),
        }
    }
}

/// The technical administrator.
pub struct Tecnico(pub Arc<Principal>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Tecnico {
    type Error = AppError;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, AppError> {
        principal_with_role(req, Some(Role::Tecnico)).await.map(Tecnico)
    }
}

/// On a public page (the manual): the person whose card lets them in, to draw their own
/// menu; `None` without a card, with a refused one, or from another site. Never fails.
pub struct PublicReader(pub Option<Arc<Principal>>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for PublicReader {
    type Error = AppError;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, AppError> {
        Outcome::Success(PublicReader(gate::recognised(req).await))
    }
}

/// For the one page that serves both: the landing page (no certificate) or the home page.
pub enum Visitor {
    Anonymous,
    Known(Arc<Principal>),
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Visitor {
    type Error = AppError;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, AppError> {
        match &gate::outcome(req).await.0 {
            Ok(p) => Outcome::Success(Visitor::Known(p.clone())),
            Err(AppError::Unauthenticated) => Outcome::Success(Visitor::Anonymous),
            Err(e) => fail(req, e.clone()),
        }
    }
}

/// Reads of what the Region manages: `regione` and `revisore` (read-only for the latter).
pub struct AdminReader {
    pub principal: Arc<Principal>,
    pub scope: crate::access::RegionReadScope,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AdminReader {
    type Error = AppError;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, AppError> {
        let principal = rocket::outcome::try_outcome!(principal_with_role(req, None).await);
        match principal.region_read_scope() {
            Some(scope) => Outcome::Success(AdminReader { principal, scope }),
            None => {
                let e = wrong_role(req, &principal).await;
                fail(req, e)
            }
        }
    }
}

/// Who may read recipients: an operator (their provider's only) or the Region (all).
pub struct RecipientReader {
    pub principal: Arc<Principal>,
    scope: crate::access::RecipientScope,
}

impl RecipientReader {
    /// The scope every recipient query takes (a copy, to move into read closures).
    pub fn scope(&self) -> crate::access::RecipientScope {
        self.scope.clone()
    }
    pub fn is_region(&self) -> bool {
        matches!(self.scope, crate::access::RecipientScope::Region(_))
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for RecipientReader {
    type Error = AppError;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, AppError> {
        let principal = rocket::outcome::try_outcome!(principal_with_role(req, None).await);
        let scope = match (principal.provider_scope(), principal.region_scope()) {
            (Some(p), _) => crate::access::RecipientScope::Provider(p),
            (None, Some(r)) => crate::access::RecipientScope::Region(r),
            (None, None) => {
                let e = wrong_role(req, &principal).await;
                return fail(req, e);
            }
        };
        Outcome::Success(RecipientReader { principal, scope })
    }
}
