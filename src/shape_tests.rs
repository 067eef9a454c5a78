//! Guard rails for the shapes issue #16 retired: source scans that fail when new code under
//! `src/web` or `src/service` (and, for raw ids, `src/domain`) brings them back, whichever
//! branch it comes from.
//! (`AppError::internal` with a message does not compile: it takes an error value; a message
//! is `AppError::unexpected`.) `all_sources` and `sources` are the one source walker of the crate's
//! scans (also used by `web::layering_tests`, `import_loop_tests`, `domain::ids` and
//! `domain::audit_changes`).

use std::path::{Path, PathBuf};

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

/// The Rust files under the given folders of `src/` (`""` for all of it), test files
/// included, as (path relative to `src/` with `/` separators, text). The one source walker of
/// the crate's scans.
pub(crate) fn all_sources(rooms: &[&str]) -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for room in rooms {
        rust_files(&src.join(room), &mut files);
    }
    files
        .into_iter()
        .map(|f| {
            let rel = f.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read_to_string(&f).unwrap())
        })
        .collect()
}

/// As `all_sources`, without the test files (`*tests.rs`).
pub(crate) fn sources(rooms: &[&str]) -> Vec<(String, String)> {
    all_sources(rooms).into_iter().filter(|(rel, _)| !rel.ends_with("tests.rs")).collect()
}

/// The parameter lists of the functions in `text` (from `fn name(` to the matching `)`).
fn parameter_lists(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("fn ") {
        rest = &rest[at + 3..];
        let Some(open) = rest.find('(') else { break };
        // `fn name(` or `fn name<T>(`: nothing but an identifier and generics before the paren.
        let head = &rest[..open];
        if head.contains(['{', ';', '\n']) {
            continue;
        }
        let mut depth = 0usize;
        let mut end = None;
        for (i, ch) in rest[open..].char_indices() {
            match ch {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(open + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        if let Some(end) = end {
            out.push(rest[open + 1..end].to_owned());
        }
    }
    out
}

/// A raw time in a parameter: `now: i64`, `since_ms: i64`, `until_ms: Option<i64>`, ...
fn raw_time_parameter(params: &str) -> Option<String> {
    params.split(',').map(str::trim).find_map(|p| {
        let (name, ty) = p.split_once(':')?;
        let (name, ty) = (name.trim().trim_start_matches("mut "), ty.trim());
        let timeish =
            name == "now" || name.ends_with("_ms") || name.ends_with("_at") || name == "since" || name == "until";
        let raw = ty == "i64" || ty == "Option<i64>" || ty == "u64";
        (timeish && raw).then(|| p.to_owned())
    })
}

#[test]
fn no_raw_times_in_web_or_service_signatures() {
    let mut offenders = Vec::new();
    for (rel, text) in sources(&["web", "service"]) {
        for params in parameter_lists(&text) {
            if let Some(p) = raw_time_parameter(&params) {
                offenders.push(format!("{rel}: `{p}` (take a Timestamp)"));
            }
        }
    }
    assert!(offenders.is_empty(), "raw i64 times in signatures: {offenders:#?}");
}

#[test]
fn handlers_do_not_read_the_clock() {
    // The request's time is read once (web::request_time); the writer stamps IDOL rows itself.
    let allowed = ["web/request_time.rs", "web/ctx.rs"];
    let mut offenders = Vec::new();
    for (rel, text) in sources(&["web"]) {
        if allowed.contains(&rel.as_str()) {
            continue;
        }
        for needle in ["SharedClock>()", "clock.now()", "SystemTime::now", "&State<SharedClock>", "RequestTime"] {
            if text.contains(needle) {
                offenders.push(format!("{rel}: {needle}"));
            }
        }
    }
    assert!(offenders.is_empty(), "web/ reads the clock outside the request context: {offenders:#?}");
}

#[test]
fn internal_errors_keep_their_cause() {
    // `AppError::Internal` is built by `internal(error)` (keeps the source chain) or
    // `unexpected(words)`; a hand-built variant would skip both.
    let mut offenders = Vec::new();
    for (rel, text) in sources(&["web", "service"]) {
        if text.contains("Internal(Cause") {
            offenders.push(rel);
        }
    }
    assert!(offenders.is_empty(), "AppError::Internal built by hand in: {offenders:?}");
}

/// A raw row id in a field or parameter: `recipient_id: i64`, `provider_id: Option<i64>`.
fn raw_id(line: &str) -> Option<String> {
    let mut rest = line;
    while let Some(at) = rest.find("_id:") {
        let name_start = rest[..at].rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
        let ty = rest[at + 4..].trim_start();
        let raw = ["Option<i64>", "i64"].into_iter().find(|t| {
            ty.strip_prefix(t).is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
        });
        if let Some(t) = raw {
            return Some(format!("{}_id: {t}", &rest[name_start..at]));
        }
        rest = &rest[at + 4..];
    }
    None
}

#[test]
fn no_raw_ids_in_domain_service_or_web() {
    // Every entity has its id type (domain/ids.rs). The API description's shapes are exempt:
    // they describe the JSON number the API sends, not a value the code passes around.
    let mut offenders = Vec::new();
    for (rel, text) in sources(&["domain", "service", "web"]) {
        if rel.starts_with("web/api/openapi/") {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            if let Some(found) = raw_id(line) {
                offenders.push(format!("{rel}:{}: `{found}` (take the entity's id type)", n + 1));
            }
        }
    }
    assert!(offenders.is_empty(), "raw i64 ids: {offenders:#?}");
}

#[test]
fn the_scans_see_what_they_look_for() {
    // A scan that cannot fail is no guard: each finds its shape in a sample.
    let sample = "pub fn list(c: &Connection, now_ms: i64, id: i64) -> X {}\nfn ok(now: Timestamp) {}";
    let found: Vec<_> = parameter_lists(sample).iter().filter_map(|p| raw_time_parameter(p)).collect();
    assert_eq!(found, vec!["now_ms: i64".to_owned()]);
    assert_eq!(raw_time_parameter("since: Option<i64>, x: u8"), Some("since: Option<i64>".to_owned()));
    assert_eq!(raw_time_parameter("count: i64"), None);
    assert_eq!(raw_id("    pub recipient_id: i64,"), Some("recipient_id: i64".to_owned()));
    assert_eq!(raw_id("fn f(c: &C, provider_id: Option<i64>) {"), Some("provider_id: Option<i64>".to_owned()));
    assert_eq!(raw_id("    pub recipient_id: RecipientId,"), None);
    assert_eq!(raw_id("    pub recipient_id: i64x, other_id: i64"), Some("other_id: i64".to_owned()));
}
