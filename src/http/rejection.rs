//! Extractor rejections (a body, query string or path that does not parse) in words a
//! client understands: serde and axum name Rust types ("expected i64", "struct
//! MessageCreateRequest"), which mean nothing to a JavaScript or Python client.

/// Rust type names as they appear in serde and axum messages, and what to say instead.
const TYPE_WORDS: &[(&str, &str)] = &[
    ("i8", "an integer"),
    ("i16", "an integer"),
    ("i32", "an integer"),
    ("i64", "an integer"),
    ("i128", "an integer"),
    ("isize", "an integer"),
    ("u8", "a non-negative integer"),
    ("u16", "a non-negative integer"),
    ("u32", "a non-negative integer"),
    ("u64", "a non-negative integer"),
    ("u128", "a non-negative integer"),
    ("usize", "a non-negative integer"),
    ("f32", "a number"),
    ("f64", "a number"),
    ("bool", "a boolean"),
    ("String", "a string"),
    ("str", "a string"),
    ("char", "a single character"),
];

/// `text` with Rust type names replaced by plain words and axum's prefixes shortened.
pub fn in_plain_words(text: &str) -> String {
    let text = text
        .replace(
            "Failed to deserialize the JSON body into the target type: ",
            "Invalid request body: ",
        )
        .replace(
            "Failed to parse the request body as JSON: ",
            "Invalid JSON: ",
        )
        .replace(
            "Failed to deserialize query string: ",
            "Invalid query string: ",
        )
        .replace("Failed to deserialize query string", "Invalid query string");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("expected ") {
            let (replacement, used) = expected_words(after);
            out.push_str("expected ");
            out.push_str(&replacement);
            rest = &after[used..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("to a `") {
            // axum's path rejection: "Cannot parse `abc` to a `i64`".
            if let Some(end) = after.find('`') {
                let name = &after[..end];
                match word_for(name) {
                    Some(word) => {
                        out.push_str("to ");
                        out.push_str(word);
                    }
                    None => out.push_str(&rest[..6 + end + 1]),
                }
                rest = &after[end + 1..];
                continue;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

fn word_for(name: &str) -> Option<&'static str> {
    TYPE_WORDS
        .iter()
        .find(|(rust, _)| *rust == name)
        .map(|(_, word)| *word)
}

/// The words after "expected ": a Rust type name (or `struct X`, `a sequence`) becomes
/// plain words; returns the replacement and how many bytes of `after` it covers.
fn expected_words(after: &str) -> (String, usize) {
    let token_end = after
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(after.len());
    let token = &after[..token_end];
    if let Some(word) = word_for(token) {
        return (word.to_owned(), token_end);
    }
    for (prefix, word) in [
        ("struct ", "an object"),
        ("enum ", "one of the allowed values"),
    ] {
        if let Some(name) = after.strip_prefix(prefix) {
            let end = name
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(name.len());
            return (word.to_owned(), prefix.len() + end);
        }
    }
    if let Some(rest) = after.strip_prefix("a sequence") {
        let _ = rest;
        return ("a list".to_owned(), "a sequence".len());
    }
    (String::new(), 0)
}

#[cfg(test)]
mod tests {
    use super::in_plain_words;

    #[test]
    fn rust_type_names_become_plain_words() {
        assert_eq!(
            in_plain_words(
                "Failed to deserialize the JSON body into the target type: chat_id: invalid \
                 type: string \"x\", expected i64 at line 1 column 15"
            ),
            "Invalid request body: chat_id: invalid type: string \"x\", expected an integer \
             at line 1 column 15"
        );
        assert_eq!(
            in_plain_words("invalid type: integer `3`, expected struct MessageCreateRequest"),
            "invalid type: integer `3`, expected an object"
        );
        assert_eq!(
            in_plain_words("Invalid URL: Cannot parse `abc` to a `i64`"),
            "Invalid URL: Cannot parse `abc` to an integer"
        );
        assert_eq!(
            in_plain_words("target_chat_ids: invalid type: map, expected a sequence"),
            "target_chat_ids: invalid type: map, expected a list"
        );
        assert_eq!(
            in_plain_words("unknown variant `x`, expected one of `a`, `b`"),
            "unknown variant `x`, expected one of `a`, `b`"
        );
        assert_eq!(
            in_plain_words("limit: expected u32"),
            "limit: expected a non-negative integer"
        );
    }
}
