//! The option lists of the forms: a first, empty choice (any, or none yet), then the values
//! with their words.

/// `(value, words)` pairs for `forms::select`, led by the empty value with the words `first`
/// ("tutti", "tutte" in a filter; "— scegliere —" where a choice is required).
pub fn choices<I, V, W>(first: &str, items: I) -> Vec<(String, String)>
where
    I: IntoIterator<Item = (V, W)>,
    V: ToString,
    W: Into<String>,
{
    std::iter::once((String::new(), first.to_owned()))
        .chain(items.into_iter().map(|(v, w)| (v.to_string(), w.into())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::choices;

    #[test]
    fn the_empty_choice_comes_first() {
        let options = choices("tutte", [(3, "Sede A"), (5, "Sede B")]);
        assert_eq!(
            options,
            vec![
                (String::new(), "tutte".to_owned()),
                ("3".to_owned(), "Sede A".to_owned()),
                ("5".to_owned(), "Sede B".to_owned())
            ]
        );
    }
}
