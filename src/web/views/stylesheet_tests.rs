//! Every class the markup uses is defined in assets/css/app.css: a class the stylesheet does
//! not know renders as plain text (the `btn btn-primary` buttons of an earlier version). The
//! markup is read from the sources: each `html! { … }` body with its Rust parts (splices,
//! control lines, attribute values, toggles, strings) taken out, so that what is left is maud's
//! element syntax, where `.name` is a class. Classes computed at run time are checked by the
//! browser suite on every screen it visits.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The class names the stylesheet defines: every `.name` in a selector.
fn defined_classes(css: &str) -> BTreeSet<String> {
    let mut without_comments = String::new();
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        without_comments.push_str(&rest[..start]);
        rest = rest[start..].find("*/").map_or("", |end| &rest[start + end + 2..]);
    }
    without_comments.push_str(rest);
    let mut classes = BTreeSet::new();
    // A selector (or an @media prelude) is the text before a `{`, after the previous `{`/`}`.
    for chunk in without_comments.split('}') {
        for (i, part) in chunk.split('{').enumerate() {
            let is_last = i + 1 == chunk.split('{').count();
            if is_last {
                continue; // declarations
            }
            classes.extend(dotted_names(part));
        }
    }
    classes
}

/// `.name` tokens, name starting with a letter (so `.5rem` and `1.5` are not classes).
fn dotted_names(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut names = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        if *b != b'.' || !bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        let name: String =
            text[i + 1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
        names.push(name);
    }
    names
}

/// The element syntax of every `html! { … }` in `source`: strings, `( … )` splices, `[ … ]`
/// toggles, `{ … }` attribute values and `@` control headers blanked out.
fn markup_skeletons(source: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = source[from..].find("html!") {
        let start = from + found;
        let Some(open) = source[start..].find('{').map(|o| start + o) else { break };
        let line = source[..start].matches('\n').count() + 1;
        let (skeleton, end) = skeleton(source, open + 1);
        out.push((line, skeleton));
        from = end;
    }
    out
}

/// Reads maud from `at` (just after the opening brace) to the matching brace.
fn skeleton(source: &str, at: usize) -> (String, usize) {
    let chars: Vec<(usize, char)> = source[at..].char_indices().map(|(i, c)| (at + i, c)).collect();
    let mut kept = String::new();
    let mut depth = 1usize;
    let mut i = 0;
    let mut previous = ' ';
    while let Some(&(pos, c)) = chars.get(i) {
        match c {
            '"' => i = skip_string(&chars, i),
            '(' | '[' => i = skip_group(&chars, i),
            '=' if chars.get(i + 1).is_some_and(|(_, n)| *n == '{') => i = skip_group(&chars, i + 1),
            '@' => {
                // A control header (`@if …`, `@for …`, `@let …;`) up to its block or `;`.
                let mut j = i;
                while let Some(&(_, d)) = chars.get(j) {
                    match d {
                        '"' => j = skip_string(&chars, j),
                        '(' | '[' => j = skip_group(&chars, j),
                        '{' => break,
                        ';' => {
                            j += 1;
                            break;
                        }
                        _ => j += 1,
                    }
                }
                kept.push(' ');
                i = j;
            }
            '{' => {
                depth += 1;
                kept.push(' ');
                i += 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return (kept, pos + 1);
                }
                kept.push(' ');
                i += 1;
            }
            '/' if previous == '/' => {
                // A comment: to the end of the line.
                while chars.get(i).is_some_and(|(_, d)| *d != '\n') {
                    i += 1;
                }
            }
            _ => {
                kept.push(c);
                i += 1;
            }
        }
        previous = c;
    }
    (kept, source.len())
}

fn skip_string(chars: &[(usize, char)], mut i: usize) -> usize {
    i += 1;
    while let Some(&(_, c)) = chars.get(i) {
        match c {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// From an opening bracket to just after its match, over strings and nested brackets.
fn skip_group(chars: &[(usize, char)], mut i: usize) -> usize {
    let mut depth = 0usize;
    while let Some(&(_, c)) = chars.get(i) {
        match c {
            '"' => {
                i = skip_string(chars, i);
                continue;
            }
            // A char literal such as '"' or '(' inside a splice.
            '\'' if chars.get(i + 2).is_some_and(|(_, q)| *q == '\'') => {
                i += 3;
                continue;
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

fn rust_sources(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_sources(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// Classes used in the markup, with where (file and line of the `html!`).
fn used_classes() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_sources(&root.join("src"), &mut files);
    let mut used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        if file.ends_with("web/views/stylesheet_tests.rs") {
            continue; // its examples are not markup
        }
        let source = std::fs::read_to_string(&file).unwrap();
        let shown = file.strip_prefix(root).unwrap().display().to_string();
        for (line, skeleton) in markup_skeletons(&source) {
            for class in dotted_names(&skeleton) {
                used.entry(class).or_default().insert(format!("{shown}:{line}"));
            }
        }
    }
    used
}

#[test]
fn every_class_in_the_markup_is_defined_in_the_stylesheet() {
    let css = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/css/app.css")).unwrap();
    let defined = defined_classes(&css);
    let used = used_classes();
    // The scan sees the markup: the page frame's classes and a few from each screen.
    for known in ["skip-link", "main-nav", "alert-danger", "button", "facts"] {
        assert!(used.contains_key(known), "the scan missed «{known}»: {:?}", used.keys().collect::<Vec<_>>());
    }
    let missing: Vec<String> = used
        .iter()
        .filter(|(class, _)| !defined.contains(*class))
        .map(|(class, places)| format!("{class} ({})", places.iter().cloned().collect::<Vec<_>>().join(", ")))
        .collect();
    assert!(
        missing.is_empty(),
        "classes used in the markup and not defined in assets/css/app.css:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_scan_reads_classes_and_leaves_rust_out() {
    let source = r#"html! { p.lead.wide#x { (r.cognome) " " (format!("{}.x", a.b)) } @if a.is_empty() { span.note { "ok.fine" } } input.field-x[on] name="x" value=(v.y); a href={ "/x/" (r.id) } { "." } }"#;
    let (_, skeleton) = markup_skeletons(source).pop().unwrap();
    assert_eq!(dotted_names(&skeleton), ["lead", "wide", "note", "field-x"]);
    let css = "/* .not-a-class */ a.button, .x > .y:hover { margin: .5rem; } @media print { .z { color: #000; } }";
    assert_eq!(defined_classes(css).into_iter().collect::<Vec<_>>(), ["button", "x", "y", "z"]);
}
