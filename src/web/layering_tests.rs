//! The screens of `web/` stand on the shared pieces (guards, forms, context, views, …) and
//! never on one another: a screen that borrowed a sibling's helper would tie the two together
//! and, in time, loop. Only `app.rs` (which mounts them) and `mod.rs` name the screens.

use std::path::{Path, PathBuf};

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

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The screen a file belongs to (`web/admin/x.rs` → `admin`), if any.
fn screen_of(web: &Path, file: &Path) -> Option<&'static str> {
    let first = file.strip_prefix(web).ok()?.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    SCREENS.into_iter().find(|s| *s == name)
}

#[test]
fn no_screen_imports_another() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
    let mut files = Vec::new();
    rust_files(&web, &mut files);
    let mut offenders = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&web).unwrap().to_string_lossy().replace('\\', "/");
        if rel == "app.rs" || rel == "mod.rs" || rel == "layering_tests.rs" {
            continue;
        }
        let own = screen_of(&web, file);
        let top_level = !rel.contains('/');
        let text = std::fs::read_to_string(file).unwrap();
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
