//! Words of printed commands, as sh reads them back.

use std::borrow::Cow;

/// `word` as sh reads it back: as it is when every character is plain (ASCII letters,
/// digits and `-_./:,+@%`), else inside single quotes, where sh treats nothing as special
/// but the closing quote — so a quote inside is written `'\''` (close, an escaped quote,
/// reopen).
pub fn shell_quote(word: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:,+@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return Cow::Borrowed(word);
    }
    Cow::Owned(format!("'{}'", word.replace('\'', r"'\''")))
}
