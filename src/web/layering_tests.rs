//! The screens of `web/` stand on the shared pieces (guards, forms, the request context and time, views, …) and
//! never on one another: a screen that borrowed a sibling's helper would tie the two together
//! and, in time, loop. Only `app.rs` (which mounts them) and `mod.rs` name the screens.

use std::path::Path;

/// The screen groups: each is mounted by `app.rs` and imports no other.
const SCREENS: [&str; 15] = [
    "actions",
    "admin",
    "agenda",
    "anomalies",
    "api",
    "assets",
    "audit",
    "documents",
    "front_refusal",
    "home",
    "manual",
    "notice",
    "outcome",
    "programme",
    "recipients",
];

/// The screen a file belongs to (`web/admin/x.rs` → `admin`), if any; `rel` is relative to `web/`.
fn screen_of(rel: &str) -> Option<&'static str> {
    let first = rel.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    SCREENS.into_iter().find(|s| *s == name)
}

#[test]
fn no_screen_imports_another() {
    let mut offenders = Vec::new();
    for (path, text) in crate::shape_tests::sources(&["web"]) {
        let rel = path.strip_prefix("web/").unwrap();
        if rel == "app.rs" || rel == "mod.rs" {
            continue;
        }
        let own = screen_of(rel);
        let top_level = !rel.contains('/');
        for screen in SCREENS.into_iter().filter(|s| Some(*s) != own) {
            let by_path = text.contains(&format!("crate::web::{screen}::"))
                || text.contains(&format!("crate::web::{screen};"))
                || text.contains(&format!("crate::web::{{{screen}"));
            // From a file directly in web/, `super::` is web itself.
            let by_super = top_level && text.contains(&format!("super::{screen}::"));
            if by_path || by_super {
                offenders.push(format!("{rel} → {screen}"));
            }
        }
    }
    assert!(offenders.is_empty(), "screens importing another screen: {offenders:?}");
}

#[test]
fn the_screen_list_is_what_web_holds() {
    // A new screen group must be added to SCREENS, or the test above would not watch it.
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
    let app = std::fs::read_to_string(web.join("app.rs")).unwrap();
    for screen in SCREENS {
        assert!(app.contains(&format!("{screen}::routes()")), "{screen} is not mounted by app.rs");
    }
    let mounted = app.matches("::routes()").count();
    assert_eq!(mounted, SCREENS.len() + 1, "app.rs mounts a screen group missing from SCREENS (gate is the +1)");
}
