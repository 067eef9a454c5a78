//! Guard rails for the shapes issue #16 retired: source scans that fail when new code under
//! `src/web` or `src/service` brings them back, whichever branch it comes from.
//! (`AppError::internal` with a message does not compile: it takes an error value; a message
//! is `AppError::unexpected`.)

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

fn sources(rooms: &[&str]) -> Vec<(String, String)> {
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
        .filter(|(rel, _)| !rel.ends_with("tests.rs"))
        .collect()
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
    // The request's time is read once (web::context); the writer stamps IDOL rows itself.
    let allowed = ["web/context.rs", "web/ctx.rs"];
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

#[test]
fn the_scans_see_what_they_look_for() {
    // A scan that cannot fail is no guard: each finds its shape in a sample.
    let sample = "pub fn list(c: &Connection, now_ms: i64, id: i64) -> X {}\nfn ok(now: Timestamp) {}";
    let found: Vec<_> = parameter_lists(sample).iter().filter_map(|p| raw_time_parameter(p)).collect();
    assert_eq!(found, vec!["now_ms: i64".to_owned()]);
    assert_eq!(raw_time_parameter("since: Option<i64>, x: u8"), Some("since: Option<i64>".to_owned()));
    assert_eq!(raw_time_parameter("count: i64"), None);
}
