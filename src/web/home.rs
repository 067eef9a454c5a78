//! `/`: the landing page without a card, the home page with one. The home page is held back
//! like every other page until the tracking notice is acknowledged.

use std::sync::Arc;

use maud::Markup;
use rocket::Either;
use rocket::response::Redirect;
use rocket::{Route, State, get, routes};

use crate::error::AppError;
use crate::repo::pool::ReadPool;
use crate::service::notice::Notice;
use crate::web::Site;
use crate::web::asked_for::notice_uri;
use crate::web::guards::Visitor;
use crate::web::views::pages;

#[get("/")]
async fn index(
    visitor: Visitor,
    site: &State<Site>,
    notice: &State<Arc<Notice>>,
    pool: &State<Arc<ReadPool>>,
) -> Result<Either<Markup, Redirect>, AppError> {
    Ok(match visitor {
        Visitor::Anonymous => Either::Left(pages::landing(site)),
        Visitor::Known(user) => {
            if notice.required() && !notice.is_acknowledged(pool, user.operator().id).await? {
                Either::Right(Redirect::to(notice_uri(Some("/"))))
            } else {
                Either::Left(pages::home(site, &user))
            }
        }
    })
}

pub fn routes() -> Vec<Route> {
    routes![index]
}
