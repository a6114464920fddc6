//! Strings matching a regex, drawn from the parsed pattern the way proptest builds its
//! strategy from it: classes as `char::ranges`, repetitions as `vec`, sequences drawn in
//! turn, alternations as unions of equal weight. Each case's string is written into one
//! buffer as it is drawn, with no string per part.

use std::borrow::Cow;
use std::ops::RangeInclusive;
use std::sync::Arc;

use proptest::prelude::*;
use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Repetition};

use super::{Gen, Source};

/// `proptest::string::string_regex`, drawn here from the parsed pattern. A pattern with
/// parts this does not cover (byte classes, anchors) is left to proptest as a leaf.
pub fn regex(pattern: &str) -> Result<Gen<String>, Box<proptest::string::Error>> {
    let strategy = proptest::string::string_regex(pattern)?.boxed();
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .map_err(|e| Box::new(proptest::string::Error::RegexSyntax(e)))?;
    Ok(match Part::of(&hir) {
        Some(part) => Gen {
            strategy,
            sampler: Arc::new(move |source| {
                let mut text = String::new();
                part.draw_into(source, &mut text);
                text
            }),
            native: true,
        },
        None => Gen::leaf(strategy),
    })
}

/// A part of a pattern, as proptest draws it.
enum Part {
    /// Drawn with nothing drawn.
    Literal(String),
    /// One character, as `proptest::char::ranges` draws it.
    Class(Cow<'static, [RangeInclusive<char>]>),
    /// A count as `proptest::collection::vec` draws its length, then each repetition.
    Repeat(Box<Part>, RangeInclusive<usize>),
    Concat(Vec<Part>),
    /// An arm picked as a union of equal weights picks it (an arm skipped before it forks).
    Alternation(Vec<Part>),
}

impl Part {
    fn of(hir: &Hir) -> Option<Part> {
        Some(match hir.kind() {
            HirKind::Empty => Part::Literal(String::new()),
            HirKind::Literal(literal) => Part::Literal(String::from_utf8(literal.0.to_vec()).ok()?),
            HirKind::Class(Class::Unicode(class)) => Part::Class(unicode_ranges(class)),
            HirKind::Class(Class::Bytes(_)) | HirKind::Look(_) => return None,
            HirKind::Repetition(repetition) => Part::Repeat(
                Box::new(Part::of(&repetition.sub)?),
                repetition_size(repetition)?,
            ),
            HirKind::Capture(capture) => Part::of(&capture.sub)?,
            HirKind::Concat(parts) => {
                Part::Concat(parts.iter().map(Part::of).collect::<Option<_>>()?)
            }
            HirKind::Alternation(arms) => {
                Part::Alternation(arms.iter().map(Part::of).collect::<Option<_>>()?)
            }
        })
    }

    fn draw_into(&self, source: &mut Source, text: &mut String) {
        match self {
            Part::Literal(literal) => text.push_str(literal),
            Part::Class(ranges) => text.push(source.char_in(ranges)),
            Part::Repeat(part, size) => {
                for _ in 0..source.uniform_incl(*size.start(), *size.end()) {
                    source.part(|source| part.draw_into(source, text));
                }
            }
            Part::Concat(parts) => parts
                .iter()
                .for_each(|part| source.part(|source| part.draw_into(source, text))),
            Part::Alternation(arms) => {
                let pick = source.uniform_incl(0, arms.len() as u64 - 1) as usize;
                for _ in 0..pick {
                    source.skip_arm();
                }
                source.part(|source| arms[pick].draw_into(source, text));
            }
        }
    }
}

/// The character ranges proptest draws a class from: `.` (all but a newline) with the
/// range above the newline listed five times, any other class as it is.
fn unicode_ranges(class: &ClassUnicode) -> Cow<'static, [RangeInclusive<char>]> {
    let ranges = class.ranges();
    let any_but_newline = |a: &ClassUnicodeRange, b: &ClassUnicodeRange| {
        (a.start(), a.end(), b.start(), b.end()) == ('\0', '\x09', '\x0B', char::MAX)
    };
    match ranges {
        [a, b] if any_but_newline(a, b) || any_but_newline(b, a) => {
            let mut ranges = vec!['\0'..='\x09'];
            ranges.extend(std::iter::repeat_n('\x0B'..=char::MAX, 5));
            Cow::Owned(ranges)
        }
        _ => Cow::Owned(ranges.iter().map(|r| r.start()..=r.end()).collect()),
    }
}

/// How many times proptest repeats: `?` 0–1, `*` 0–32, `+` 1–32, `{n,}` n to 2n−1.
fn repetition_size(repetition: &Repetition) -> Option<RangeInclusive<usize>> {
    let min = repetition.min as usize;
    Some(match (repetition.min, repetition.max) {
        (0, None) => 0..=32,
        (1, None) => 1..=32,
        (_, None) if repetition.min < u32::MAX / 2 => min..=min * 2 - 1,
        (_, Some(u32::MAX)) | (_, None) => return None,
        (_, Some(max)) => min..=max as usize,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::assert_draws_as_tree;
    use super::*;

    /// The generators' patterns are drawn here, not left to proptest as leaves.
    #[test]
    fn the_generators_patterns_are_drawn_here() {
        for pattern in [
            "[a-z][a-z0-9._-]{0,10}",
            "[A-Z][a-zA-Z]{0,12}Error",
            "[a-z0-9 \"'é日🎉\\\\-]{200,600}",
            "(ab|c+)?.x*",
        ] {
            assert!(regex(pattern).expect("valid").is_native(), "{pattern}");
        }
    }

    /// Alternations, optional groups, `.`, `*` and `{n,}` draw as proptest draws them (the
    /// contracts' own patterns are checked with every contract in `samplers_draw_as_trees`).
    #[test]
    fn regexes_draw_as_trees() {
        for pattern in ["(ab|c+)?.x*[0-9]{2,}", "(a|b|c|d)+z{3}"] {
            assert_draws_as_tree(&regex(pattern).expect("valid"), pattern);
        }
    }
}
