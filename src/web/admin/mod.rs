//! The Region's screens (role `regione`; read-only for `revisore`): providers and their sedi,
//! written communications, operators and staff, inactivity, the annual review.

mod backup;
pub(crate) mod communications;
mod idol;
mod imports;
mod inactivity;
mod operator_forms;
mod operators;
mod outcomes;
mod providers;
mod review;
mod system;

use rocket::Route;

pub fn routes() -> Vec<Route> {
    let mut r = providers::routes();
    r.extend(operators::routes());
    r.extend(operator_forms::routes());
    r.extend(communications::routes());
    r.extend(imports::routes());
    r.extend(inactivity::routes());
    r.extend(review::routes());
    r.extend(outcomes::routes());
    r.extend(idol::routes());
    r.extend(backup::routes());
    r.extend(system::routes());
    r
}
