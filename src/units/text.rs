//! Text read from input, made safe to print: names, keys and values echoed in messages and tables come from
//! files anyone may have written, so a control character (ESC starts a terminal sequence, CR rewrites the
//! line), an invisible one (zero-width space, bidi override) or a look-alike letter must not reach the
//! terminal as is, and a megabyte key must not be printed whole.
//!
//! [`shown`] is for free text (names, values): controls and invisibles become `\u{…}` escapes, printable
//! non-ASCII stays. [`shown_key`] is for keys, which the format spells in ASCII only: every non-ASCII
//! character is escaped too, so `n\u{430}me` (a Cyrillic а) no longer reads as `name`. Both cut what is
//! longer than [`MAX_SHOWN`] characters and say how long it was. Text that needs no change is borrowed.

use std::borrow::Cow;
use std::fmt::Write;

/// Characters of input text shown before the rest is cut (and its length given instead).
pub const MAX_SHOWN: usize = 120;

/// `s` as it can be printed: control and invisible characters escaped, cut after [`MAX_SHOWN`]
/// characters.
pub fn shown(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// A key as it can be printed: like [`shown`], and every non-ASCII character escaped (keys are ASCII, so
/// one that is not is a look-alike).
pub fn shown_key(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

/// Escapes control characters only, keeping everything else (newlines and tabs included) and never
/// cutting: the last line of defence for whole messages, whose own text may use non-ASCII punctuation.
pub fn without_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| hidden(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if hidden(c) && c != '\n' && c != '\t' {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A whole message whose words may be input (clap echoes the value it refuses): every whitespace-free run
/// longer than [`MAX_SHOWN`] characters is cut as [`shown`] cuts it, and control characters are escaped.
pub fn without_long_words(s: &str) -> Cow<'_, str> {
    let long = |w: &str| w.len() > MAX_SHOWN && w.chars().nth(MAX_SHOWN).is_some();
    if !s.split_whitespace().any(long) {
        return without_controls(s);
    }
    let mut out = String::with_capacity(s.len().min(4096));
    let mut rest = s;
    while !rest.is_empty() {
        let space = rest.len() - rest.trim_start().len();
        out.push_str(&rest[..space]);
        rest = &rest[space..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        if long(word) {
            out.push_str(&escape(word, false));
        } else {
            out.push_str(word);
        }
        rest = &rest[end..];
    }
    Cow::Owned(without_controls(&out).into_owned())
}

fn escape(s: &str, ascii_only: bool) -> Cow<'_, str> {
    let needs = |c: char| hidden(c) || (ascii_only && !c.is_ascii());
    let long = s.len() > MAX_SHOWN && s.chars().nth(MAX_SHOWN).is_some();
    if !long && !s.chars().any(needs) {
        return Cow::Borrowed(s);
    }
    let mut out = String::new();
    for c in s.chars().take(MAX_SHOWN) {
        if needs(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    if long {
        let _ = write!(out, "…({} bytes)", s.len());
    }
    Cow::Owned(out)
}

/// Whether a character is a control character or invisible: C0, DEL and C1 controls, the Unicode format
/// characters that take no space or reorder text (zero-width, bidi embeddings, overrides and isolates,
/// word joiner, byte-order mark, soft hyphen), line and paragraph separators, and noncharacters.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{34f}'
                | '\u{61c}'
                | '\u{115f}'
                | '\u{1160}'
                | '\u{17b4}'
                | '\u{17b5}'
                | '\u{180b}'..='\u{180f}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{3164}'
                | '\u{fe00}'..='\u{fe0f}'
                | '\u{feff}'
                | '\u{ffa0}'
                | '\u{fff0}'..='\u{fffb}'
                | '\u{fffe}'
                | '\u{ffff}'
                | '\u{e0000}'..='\u{e0fff}'
        )
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_words_of_a_message_are_cut_and_the_rest_kept() {
        let key = "a.".repeat(10_000);
        let message = format!("error: invalid value '{key}' for '--set <KEY=V1,V2>': too deep\n");
        let cut = super::without_long_words(&message);
        assert!(cut.len() < 400, "{cut}");
        assert!(cut.starts_with("error: invalid value 'a.a."));
        assert!(cut.contains("…(20002 bytes) for '--set <KEY=V1,V2>': too deep\n"));
        assert_eq!(
            super::without_long_words("short words\tstay\n"),
            "short words\tstay\n"
        );
    }

    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(shown("pilot-10"), Cow::Borrowed("pilot-10")));
        assert_eq!(shown("déploiement – 1"), "déploiement – 1");
    }

    #[test]
    fn controls_and_invisibles_are_escaped() {
        assert_eq!(shown("s\u{1b}[2J\u{7}"), "s\\u{1b}[2J\\u{7}");
        assert_eq!(shown("na\u{200b}me"), "na\\u{200b}me");
        assert_eq!(shown("a\u{202e}b\rc"), "a\\u{202e}b\\u{d}c");
        assert_eq!(without_controls("a\n\tb\u{1b}"), "a\n\tb\\u{1b}");
    }

    #[test]
    fn keys_escape_every_look_alike() {
        assert_eq!(shown_key("n\u{430}me"), "n\\u{430}me");
        assert_eq!(shown("n\u{430}me"), "n\u{430}me");
    }

    #[test]
    fn long_text_is_cut_with_its_length() {
        let long = "k".repeat(5000);
        let s = shown(&long);
        assert!(s.len() < 200 && s.ends_with("…(5000 bytes)"), "{s}");
    }
}
