//! `/api/v1`: JSON for integrations, behind the same gate, guards and audit as the screens.

mod me;

use rocket::Route;

pub fn routes() -> Vec<Route> {
    me::routes()
}
