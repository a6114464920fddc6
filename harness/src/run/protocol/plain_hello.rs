//! The fast path for an adapter's `hello`: read straight into its typed form when it has the
//! shape the protocol schema allows, so a run whose every other line is a result never
//! compiles the schema (compiling it cost more instructions than 400 migrate cases).

use super::Hello;

/// The hello `line` holds, when it is one the schema accepts and the checked path would
/// read the same; anything else (a member too many or repeated, a `null`, a contract named
/// twice, a protocol that is no unsigned integer) is `None` and goes the checked way, which
/// says what is wrong.
pub(super) fn plain_hello(line: &str) -> Option<Hello> {
    let hello: Hello = serde_json::from_str(line).ok()?;
    let mut names: Vec<&String> = hello.contracts.iter().collect();
    names.sort_unstable();
    if names.windows(2).any(|pair| pair[0] == pair[1]) {
        return None;
    }
    Some(hello)
}

#[cfg(test)]
mod tests {
    use super::super::{checked_reply, parse_reply, Reply};
    use super::*;

    const IMPL: &str = r#""impl":{"name":"a","language":"python","version":"3"}"#;

    #[test]
    fn the_fast_path_reads_hellos_as_the_schema_checked_path_does() {
        let fine = format!(
            r#"{{"op":"hello","protocol":1,{IMPL},"contracts":["budget","migrate"],"implementations":{{"budget":{{"name":"aegis","version":"1"}}}},"unavailable":{{"x":"why"}},"batch":true,"coverage":false,"guided":true}}"#
        );
        assert!(
            plain_hello(&fine).is_some(),
            "a plain hello takes the fast path"
        );
        let lines = [
            fine.clone(),
            format!(r#"{{"protocol":1,"op":"hello",{IMPL},"contracts":[],"implementations":{{}}}}"#),
            format!(r#"{{"op":"hello","protocol":1,{IMPL},"contracts":["a","a"],"implementations":{{}}}}"#),
            format!(r#"{{"op":"hello","protocol":-1,{IMPL},"contracts":[],"implementations":{{}}}}"#),
            format!(r#"{{"op":"hello","protocol":1.0,{IMPL},"contracts":[],"implementations":{{}}}}"#),
            format!(r#"{{"op":"hello","protocol":1,{IMPL},"contracts":[],"implementations":{{}},"extra":1}}"#),
            format!(r#"{{"op":"hello","protocol":1,{IMPL},"contracts":[],"implementations":{{}},"batch":null}}"#),
            format!(r#"{{"op":"hello","protocol":1,{IMPL},"contracts":[],"implementations":{{}},"unavailable":null}}"#),
            format!(r#"{{"op":"hello","protocol":1,{IMPL},"contracts":[],"implementations":{{"m":{{"name":"n","version":"1","x":2}}}}}}"#),
            format!(r#"{{"op":"hello","protocol":1,{IMPL},"contracts":[],"implementations":{{"m":{{"name":"n","version":"1"}},"m":{{"name":"o","version":"2"}}}}}}"#),
            format!(r#"{{"op":"hello","protocol":1,{IMPL},"contracts":[],"implementations":{{}},"protocol":2}}"#),
            format!(r#"{{"op":"hello","protocol":1,{IMPL},"contracts":[1],"implementations":{{}}}}"#),
            r#"{"op":"hello","protocol":1,"impl":{"name":"a","language":"python"},"contracts":[],"implementations":{}}"#.to_owned(),
            r#"{"op":"hello","protocol":1,"impl":{"name":"a","language":"py","version":"3","os":"x"},"contracts":[],"implementations":{}}"#.to_owned(),
            format!(r#"{{"op":"hello","protocol":1,{IMPL},"contracts":[],"implementations":{{}}}} trailing"#),
            format!(r#"{{"op":"Hello","protocol":1,{IMPL},"contracts":[],"implementations":{{}}}}"#),
        ];
        for line in &lines {
            assert_eq!(
                parse_reply(line),
                checked_reply(line),
                "the fast path must not change how {line} reads"
            );
        }
        let readable = lines
            .iter()
            .filter(|line| matches!(checked_reply(line), Ok(Reply::Hello(_))))
            .count();
        // Valid: the first two, and the two with a repeated member (the last one counts).
        assert_eq!(readable, 4, "the list holds valid hellos and invalid ones");
    }
}
