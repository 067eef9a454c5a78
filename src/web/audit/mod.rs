//! The auditor's screens (role `revisore`): the searchable registro, the accesses to one
//! person's data, the monthly activity. Every view of them is itself audited.

mod attivita;
mod interessato;
mod registro;

use rocket::Route;

pub fn routes() -> Vec<Route> {
    let mut r = registro::routes();
    r.extend(interessato::routes());
    r.extend(attivita::routes());
    r
}
