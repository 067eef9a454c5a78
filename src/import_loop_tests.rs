//! No import loops between files (issue #16): a file that uses another must not be used back,
//! directly or round a longer circle. Paths are read from `use` statements (braces expanded)
//! and from `crate::`/`super::`/`self::` paths and the names a `use` brought in, each resolved
//! to the file of its longest known module prefix. Test modules are left out: a file's
//! `#[cfg(test)]` tail and the `*tests.rs` files. A file's use of its own parent module
//! (`super::Thing` a `mod.rs` re-exports) is not counted: the parent declares its children,
//! so that pair would always look like a loop; loops between siblings and across rooms count.

use std::collections::{BTreeMap, BTreeSet};

use crate::shape_tests::sources;

/// `web/api/mod.rs` → `web::api`; `lib.rs` → ``.
fn module_of(rel: &str) -> String {
    if rel == "lib.rs" {
        return String::new();
    }
    rel.trim_end_matches(".rs").trim_end_matches("/mod").replace('/', "::")
}

/// The trees of the `use` statements (`pub`, `pub(crate)` ... included), whitespace removed
/// and `x as y` written `x@y`.
fn use_statements(code: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let line_start = rest[..at].rfind('\n').map_or(0, |n| n + 1);
        let lead = rest[line_start..at].trim();
        let after = &rest[at + 4..];
        let end = after.find(';').unwrap_or(after.len());
        if lead.is_empty() || lead == "pub" || (lead.starts_with("pub(") && lead.ends_with(')')) {
            let tree = after[..end].split_whitespace().collect::<Vec<_>>().join(" ");
            out.push((!lead.is_empty(), tree.replace(" as ", "@").replace(' ', "")));
        }
        rest = &after[end.min(after.len())..];
    }
    out
}

/// The file's text without comments and without its test tail.
fn code_of(text: &str) -> String {
    let body = text.split("#[cfg(test)]").next().unwrap_or_default();
    body.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e` (whitespace already removed).
fn expand(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else { return vec![tree.to_owned()] };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap()];
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).flat_map(|p| expand(&format!("{prefix}{p}"))).collect()
}

/// The absolute module path of `path` as written in module `here`, or None for outside crates.
fn absolute(path: &str, here: &str, is_dir_module: bool) -> Option<Vec<String>> {
    let mut segments: Vec<&str> = path.split("::").collect();
    let mut base: Vec<String> = here.split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect();
    match segments.first() {
        Some(&"crate") => {
            base.clear();
            segments.remove(0);
        }
        Some(&"self") => {
            segments.remove(0);
        }
        Some(&"super") => {
            while segments.first() == Some(&"super") {
                segments.remove(0);
                base.pop();
            }
        }
        // A path relative to the module itself (`mod.rs` naming its children).
        Some(first) if is_dir_module && !first.is_empty() => {}
        _ => return None,
    }
    base.extend(segments.into_iter().map(|s| s.split(" as ").next().unwrap_or(s).to_owned()));
    Some(base)
}

/// Known modules, and per module the names it re-exports (`pub use child::Name`) with where
/// they come from, so that `crate::access::Name` lands in the file that defines `Name`.
struct Modules {
    files: BTreeSet<String>,
    reexports: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

impl Modules {
    /// The file (by module path) that `segments` lands in: its longest known module prefix,
    /// followed through the re-exports of that module.
    fn target(&self, segments: &[String]) -> Option<String> {
        let n = (1..=segments.len()).rev().find(|n| self.files.contains(&segments[..*n].join("::")))?;
        let module = segments[..n].join("::");
        let reexported = segments.get(n).and_then(|name| self.reexports.get(&module)?.get(name));
        match reexported {
            Some(origin) if origin.as_slice() != segments => self.target(origin).or(Some(module)),
            _ => Some(module),
        }
    }
}

/// The `(name, absolute path)` pairs of a file's `use` statements, `pub` ones only if asked.
fn imports(code: &str, here: &str, dir_module: bool, only_pub: bool) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for (public, statement) in use_statements(code) {
        if only_pub && !public {
            continue;
        }
        for path in expand(&statement) {
            if let Some(abs) = absolute(path.split('@').next().unwrap_or_default(), here, dir_module) {
                out.push((path.rsplit(['@', ':']).next().unwrap_or_default().to_owned(), abs));
            }
        }
    }
    out
}

/// Every file's uses of other files, by module path.
fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let files: Vec<(String, String, bool)> = sources(&[""])
        .into_iter()
        .filter(|(rel, _)| rel != "main.rs")
        .map(|(rel, text)| {
            let dir_module = rel.ends_with("mod.rs") || rel == "lib.rs";
            (module_of(&rel), code_of(&text), dir_module)
        })
        .collect();
    let mut modules = Modules { files: files.iter().map(|f| f.0.clone()).collect(), reexports: BTreeMap::new() };
    for (here, code, dir_module) in files.iter().filter(|f| f.2) {
        let names = imports(code, here, *dir_module, true).into_iter().collect();
        modules.reexports.insert(here.clone(), names);
    }
    let mut out = BTreeMap::new();
    for (here, code, dir_module) in &files {
        let (here, dir_module) = (here.clone(), *dir_module);
        let mut paths: Vec<String> = Vec::new();
        let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, abs) in imports(code, &here, dir_module, false) {
            if modules.target(&abs).is_some() {
                paths.push(abs.join("::"));
                aliases.insert(name, abs);
            }
        }
        // Inline paths: `crate::x::y`, `super::z`, and `alias::item` for a module a `use` named.
        let words: Vec<&str> =
            code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).filter(|w| w.contains("::")).collect();
        for word in words {
            let word = word.trim_matches(':');
            if let Some(abs) = absolute(word, &here, false) {
                paths.push(abs.join("::"));
            } else if let Some((head, rest)) = word.split_once("::") {
                if let Some(module) = aliases.get(head) {
                    paths.push(format!("{}::{rest}", module.join("::")));
                } else if dir_module {
                    // A `mod.rs` naming its own child without a `use`.
                    paths.push(format!("{here}::{word}"));
                }
            }
        }
        let used: BTreeSet<String> = paths
            .iter()
            .filter_map(|p| modules.target(&p.split("::").map(str::to_owned).collect::<Vec<_>>()))
            .filter(|m| *m != here && !here.starts_with(&format!("{m}::")) && !m.is_empty())
            .collect();
        out.insert(here, used);
    }
    out
}

fn reachable(from: &str, edges: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_owned()];
    while let Some(node) = stack.pop() {
        for next in edges.get(&node).into_iter().flatten() {
            if seen.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    seen
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let edges = edges();
    assert!(edges.values().map(BTreeSet::len).sum::<usize>() > 500, "the scan sees too few imports");
    assert!(edges["web::ctx"].contains("domain::audit_event"), "the scan misses a plain `use crate::` import");
    let mut loops = Vec::new();
    for (from, used) in &edges {
        for to in used {
            if reachable(to, &edges).contains(from) {
                loops.push(format!("{from} -> {to} -> … -> {from}"));
            }
        }
    }
    assert!(loops.is_empty(), "import loops between files: {loops:#?}");
}
