//! CSS and images, embedded in the binary, served with an ETag (304 when unchanged).

use std::path::PathBuf;

use rocket::{Route, get, routes};

use crate::web::embedded::{Asset, IfNoneMatch, lookup};

#[get("/<path..>")]
fn asset(path: PathBuf, inm: IfNoneMatch) -> Option<Asset> {
    // Rocket's PathBuf segments already refuse `..`; join with '/' for the embed key.
    let key: Vec<String> = path.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    lookup(&key.join("/"), inm.0.as_deref())
}

pub fn routes() -> Vec<Route> {
    routes![asset]
}
