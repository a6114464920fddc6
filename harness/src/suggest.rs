//! "Did you mean …?" for ids a user typed that do not exist (implementations, contracts,
//! rules): the known ids closest to the typed one, so a typo is answered with the fix
//! rather than a list of every id.

/// At most this many suggestions are offered.
const MOST: usize = 3;

/// The known ids `wanted` is most likely a typo or a part of: the closest in edits, when
/// within a third of its length (at least one, so a single slip is always caught), all
/// those equally close; else those that contain it whole (`late-value` for
/// `py-mutant-late-value`), shortest first. Case is ignored; at most [`MOST`].
pub fn closest<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    let allowed = (wanted.chars().count() / 3).max(1);
    let mut typos: Vec<(usize, &str)> = Vec::new();
    let mut holding: Vec<(usize, &str)> = Vec::new();
    for id in known {
        let id_lower = id.to_lowercase();
        let distance = edit_distance(&wanted_lower, &id_lower);
        if distance <= allowed {
            typos.push((distance, id));
        } else if wanted_lower.chars().count() >= 3 && id_lower.contains(&wanted_lower) {
            holding.push((id.len(), id));
        }
    }
    let best = typos.iter().map(|(distance, _)| *distance).min();
    let mut chosen = match best {
        Some(best) => typos.into_iter().filter(|(d, _)| *d == best).collect(),
        None => holding,
    };
    chosen.sort();
    chosen.dedup_by_key(|(_, id)| *id);
    chosen.into_iter().take(MOST).map(|(_, id)| id).collect()
}

/// "did you mean `a`?" or "did you mean one of `a`, `b`?", when any known id is close.
pub fn did_you_mean<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let quoted: Vec<String> = closest(wanted, known)
        .iter()
        .map(|id| format!("`{id}`"))
        .collect();
    match quoted.as_slice() {
        [] => None,
        [one] => Some(format!("did you mean {one}?")),
        many => Some(format!("did you mean one of {}?", many.join(", "))),
    }
}

/// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`: the
/// optimal string alignment distance, over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the table: two back (for swaps), one back, and the one being filled.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let substitution = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + substitution);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: [&str; 6] = [
        "py",
        "ts",
        "py-sample",
        "ts-sample",
        "py-mutant-late-value",
        "ts-mutant-late-value",
    ];

    #[test]
    fn edit_distance_counts_inserts_deletes_substitutions_and_swaps() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", "ab"), 2);
        assert_eq!(edit_distance("budget", "budgte"), 1, "a swap is one edit");
        assert_eq!(edit_distance("budget", "budgett"), 1);
        assert_eq!(edit_distance("budget", "bdget"), 1);
        assert_eq!(edit_distance("budget", "badget"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("flaw", "lawn"), 2);
    }

    #[test]
    fn a_slip_suggests_the_id_it_was_meant_for_and_no_farther_one() {
        assert_eq!(
            closest("py-sampel", IDS),
            ["py-sample"],
            "ts-sample is 3 edits away"
        );
        assert_eq!(closest("PY-SAMPLE", IDS), ["py-sample"], "case is ignored");
        assert_eq!(closest("ps", IDS), ["py", "ts"], "two ids one edit away");
        assert_eq!(closest("p", IDS), ["py"]);
        assert_eq!(
            closest("budgte", ["budget", "token-budget", "ledger"])[0],
            "budget"
        );
    }

    #[test]
    fn a_part_of_an_id_suggests_the_ids_holding_it_when_no_id_is_a_typo_away() {
        assert_eq!(
            closest("late-value", IDS),
            ["py-mutant-late-value", "ts-mutant-late-value"]
        );
        assert_eq!(closest("sample", IDS), ["py-sample", "ts-sample"]);
        assert!(closest("zz", IDS).is_empty(), "two letters are no part");
    }

    #[test]
    fn nothing_close_suggests_nothing_and_never_more_than_three() {
        assert!(closest("wholly-different", IDS).is_empty());
        assert_eq!(did_you_mean("wholly-different", IDS), None);
        let many = ["ab", "ac", "ad", "ae", "af"];
        assert_eq!(closest("aa", many).len(), MOST);
    }

    #[test]
    fn the_phrase_quotes_each_suggestion() {
        assert_eq!(
            did_you_mean("py-sampel", IDS).as_deref(),
            Some("did you mean `py-sample`?")
        );
        assert_eq!(
            did_you_mean("sample", IDS).as_deref(),
            Some("did you mean one of `py-sample`, `ts-sample`?")
        );
    }
}
