//! Canonical JSON text: object members sorted by their names as UTF-16 code units at every
//! depth, arrays in order, no whitespace (unless indented for people), strings escaped as
//! `JSON.stringify` escapes them and numbers as JavaScript prints them (RFC 8785).
//!
//! Two number forms: [`Numbers::JavaScript`] reads every number as a double, as
//! `JSON.parse` would; [`Numbers::ExactIntegers`] keeps integer literals beyond 2^53 as
//! written, so integers of any size compare exactly.

use std::fmt::Write as _;

use serde_json::{Number, Value};

/// How numbers are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbers {
    /// Every number as the double it denotes, printed by `Number.prototype.toString`.
    JavaScript,
    /// Integer literals beyond ±2^53 as their exact digits; every other number as
    /// [`Numbers::JavaScript`] writes it.
    ExactIntegers,
}

/// The largest magnitude up to which every integer is a double.
const EXACT_DOUBLE_INTEGERS: u64 = 1 << 53;

/// `value` as compact canonical text.
pub fn to_string(value: &Value, numbers: Numbers) -> String {
    let mut out = String::new();
    write(&mut out, value, numbers, None, 0);
    out
}

/// `value` as canonical text indented by `width` spaces per level, starting `depth` levels
/// deep in a larger document.
pub fn to_string_indented(value: &Value, numbers: Numbers, width: usize, depth: usize) -> String {
    let mut out = String::new();
    write(&mut out, value, numbers, Some(width), depth);
    out
}

fn write(out: &mut String, value: &Value, numbers: Numbers, indent: Option<usize>, depth: usize) {
    let newline = |out: &mut String, depth: usize| {
        if let Some(width) = indent {
            out.push('\n');
            out.push_str(&" ".repeat(width * depth));
        }
    };
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n, numbers)),
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write(out, item, numbers, indent, depth + 1);
            }
            if !items.is_empty() {
                newline(out, depth);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| utf16_order(a.0, b.0));
            out.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                string(out, key);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write(out, item, numbers, indent, depth + 1);
            }
            if !entries.is_empty() {
                newline(out, depth);
            }
            out.push('}');
        }
    }
}

/// The order of two strings as sequences of UTF-16 code units (JavaScript's `<` on strings).
pub fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

fn number(n: &Number, numbers: Numbers) -> String {
    if numbers == Numbers::ExactIntegers {
        let text = n.to_string();
        // Beyond i64 the literal is beyond 2^53 too.
        let beyond_doubles = n
            .as_i64()
            .is_none_or(|i| i.unsigned_abs() > EXACT_DOUBLE_INTEGERS);
        if is_integer_literal(&text) && beyond_doubles {
            return text;
        }
    }
    javascript_number(n.as_f64().unwrap_or(f64::NAN))
}

/// Whether `text` is a JSON integer literal: an optional minus and digits only.
pub fn is_integer_literal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A double as ECMAScript's `Number.prototype.toString` prints it: `-0` as `0`, shortest
/// round-trip digits, fixed notation from 1e-7 up to 1e21, exponent notation outside.
/// Non-finite values, which JSON cannot hold, are `null` as `JSON.stringify` writes them.
pub fn javascript_number(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    if !f.is_finite() {
        return "null".into();
    }
    ryu_js::Buffer::new().format_finite(f).to_owned()
}

/// A string literal as `JSON.stringify` writes it.
fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn js(value: &Value) -> String {
        to_string(value, Numbers::JavaScript)
    }

    #[test]
    fn keys_sort_by_utf16_code_units_not_code_points() {
        // U+FB01 sorts after U+1F600 as UTF-16 (0xFB01 > 0xD83D), though not by code point.
        let v = json!({"\u{fb01}": 1, "😀": 2, "a": {"z": 1, "b": 2}});
        assert_eq!(js(&v), r#"{"a":{"b":2,"z":1},"😀":2,"ﬁ":1}"#);
    }

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        for (f, text) in [
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (5e-7, "5e-7"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-0.0, "0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (123e-20, "1.23e-18"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (2f64.powi(60), "1152921504606847000"),
            (f64::NAN, "null"),
            (f64::INFINITY, "null"),
        ] {
            assert_eq!(javascript_number(f), text, "{f:e}");
        }
    }

    #[test]
    fn integer_literals_beyond_2_53_are_exact_only_when_asked() {
        let v: Value = serde_json::from_str("[9007199254740993, -9007199254740993, 9007199254740992, 1180591620717411303425, 1.5, -0]").unwrap();
        assert_eq!(
            js(&v),
            "[9007199254740992,-9007199254740992,9007199254740992,1.1805916207174113e+21,1.5,0]"
        );
        assert_eq!(
            to_string(&v, Numbers::ExactIntegers),
            "[9007199254740993,-9007199254740993,9007199254740992,1180591620717411303425,1.5,0]"
        );
    }

    #[test]
    fn strings_escape_as_json_stringify_does() {
        let v = json!("\u{1}\"\\\u{7f}\u{8}\u{c}\n\r\t\u{2028}é𝄞");
        assert_eq!(js(&v), "\"\\u0001\\\"\\\\\u{7f}\\b\\f\\n\\r\\t\u{2028}é𝄞\"");
    }

    #[test]
    fn indented_form_is_canonical_with_indentation() {
        assert_eq!(
            to_string_indented(&json!({"b": [1], "a": {}}), Numbers::JavaScript, 2, 0),
            "{\n  \"a\": {},\n  \"b\": [\n    1\n  ]\n}"
        );
    }
}
