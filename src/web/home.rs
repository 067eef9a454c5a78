//! `/`: the landing page without a card, the home page with one.

use maud::Markup;
use rocket::{Route, State, get, routes};

use crate::web::Site;
use crate::web::guards::Visitor;
use crate::web::views::pages;

#[get("/")]
fn index(visitor: Visitor, site: &State<Site>) -> Markup {
    match visitor {
        Visitor::Anonymous => pages::landing(site),
        Visitor::Known(user) => pages::home(site, &user),
    }
}

pub fn routes() -> Vec<Route> {
    routes![index]
}
