//! What the commands print on standard output and standard error. Write failures (a closed
//! pipe) end the command with an error instead of a panic.

use std::borrow::Cow;
use std::io::Write as _;

use crate::error::CliError;

/// Writes `text` and a newline to standard output, and flushes.
///
/// # Errors
///
/// [`CliError::Failed`] when standard output cannot be written.
pub(crate) fn line(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{text}")
        .and_then(|()| stdout.flush())
        .map_err(|error| CliError::Failed(format!("cannot write to standard output: {error}")))
}

/// Writes `text` and a newline to standard error, ignoring failures: there is nowhere left to
/// report them.
pub(crate) fn error_line(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let written = writeln!(stderr, "{text}");
    drop(written);
}

/// `text` with every control character (line breaks, escape sequences) and every character that
/// reorders text on screen (bidirectional overrides and isolates) written as `\u{..}`: for text
/// that comes from a token, so that it cannot clear the terminal, move the cursor or forge a
/// line of the report.
pub(crate) fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_on_screen) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        if is_unsafe_on_screen(character) {
            escaped.extend(character.escape_unicode());
        } else {
            escaped.push(character);
        }
    }
    Cow::Owned(escaped)
}

/// Serialized JSON `text` with the characters [`escape_controls`] escapes, other than the line
/// breaks between values, written as JSON escapes (`\u009b`, `\u202e`): the serializer escapes
/// only some of them. Outside strings JSON has no such characters, and inside them the escape
/// means the same, so the text stays the same JSON.
pub(crate) fn escape_controls_in_json(text: &str) -> Cow<'_, str> {
    let is_unsafe = |character: char| character != '\n' && is_unsafe_on_screen(character);
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        if is_unsafe(character) {
            escaped.push_str(&format!("\\u{:04x}", u32::from(character)));
        } else {
            escaped.push(character);
        }
    }
    Cow::Owned(escaped)
}

fn is_unsafe_on_screen(character: char) -> bool {
    character.is_control()
        || matches!(
            character,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_reordering_characters_are_escaped() {
        assert_eq!(
            escape_controls("auth.collaboration.doc-1"),
            "auth.collaboration.doc-1"
        );
        assert_eq!(
            escape_controls("a\u{1b}[2J\r\nno problems found\u{7f}"),
            "a\\u{1b}[2J\\u{d}\\u{a}no problems found\\u{7f}"
        );
        assert_eq!(escape_controls("x\u{202e}y\u{9b}z"), "x\\u{202e}y\\u{9b}z");
        assert_eq!(
            escape_controls("a\u{61c}b\u{2028}c\u{2029}d"),
            "a\\u{61c}b\\u{2028}c\\u{2029}d"
        );
        assert_eq!(escape_controls("caf\u{e9} \u{4e2d}"), "caf\u{e9} \u{4e2d}");
    }

    #[test]
    fn json_keeps_its_meaning_with_reordering_characters_escaped() {
        let value = serde_json::json!({"doc\u{202e}\u{9b}2J": "\u{1b}x\u{2067}"});
        let pretty = serde_json::to_string_pretty(&value).expect("JSON");
        let escaped = escape_controls_in_json(&pretty);
        let unsafe_on_screen = |c: char| c != '\n' && is_unsafe_on_screen(c);
        assert!(!escaped.chars().any(unsafe_on_screen), "{escaped}");
        assert!(escaped.contains("doc\\u202e\\u009b2J"), "{escaped}");
        let again: serde_json::Value = serde_json::from_str(&escaped).expect("still JSON");
        assert_eq!(again, value);
    }
}
