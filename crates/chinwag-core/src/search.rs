//! Search matching as TalkJS documents it: every word of the query must be a
//! prefix of some word of the text, case-insensitively, ignoring punctuation at
//! the start and end of words (in both the query and the text).
//!
//! "I like to look at rainbows" matches `rain`, `look at`, `(look, i *LIKE* rain)`
//! and `look look look!`, but not `bows`, `rain-bows`, `look-at` or
//! `I like to look at rainbows too`.
//!
//! - Words are split on Unicode whitespace.
//! - Punctuation is any character that is not alphanumeric (Unicode). Only the
//!   punctuation at a word's edges is ignored; inner punctuation stays part of
//!   the word, so `rain-bows` is one word and not a prefix of `rainbows`.
//! - Case is folded per character with `char::to_lowercase`, and the Greek
//!   final sigma `ς` is folded to `σ`, so `ΟΔΟΣ`, `οδος` and `οδοσ` agree.
//!
//! For many texts and one query, compute [`query_words`] once and call
//! [`matches_words`]: it allocates nothing.

/// True when every word of `query` is a prefix of some word of `text`, case-insensitively,
/// ignoring punctuation at the start and end of words (in both). An empty query (no words) matches nothing.
pub fn matches(query: &str, text: &str) -> bool {
    matches_words(&query_words(query), text)
}

/// The query's words, normalised (lowercased, edge punctuation trimmed, empties dropped).
pub fn query_words(query: &str) -> Vec<String> {
    query
        .split_whitespace()
        .map(trim_word)
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().flat_map(fold).collect())
        .collect()
}

/// [`matches`] with the query already split by [`query_words`]. Words that were not
/// normalised by [`query_words`] may fail to match. No words: matches nothing.
pub fn matches_words<S: AsRef<str>>(words: &[S], text: &str) -> bool {
    !words.is_empty()
        && words.iter().all(|word| {
            let word = word.as_ref();
            let ascii = word.is_ascii();
            text.split_whitespace().any(|t| is_folded_prefix(word, ascii, trim_word(t)))
        })
}

/// The words of `text` as [`matches_words`] compares them (edge punctuation
/// trimmed, case folded), for a store's search index: a query word from
/// [`query_words`] matches `text` exactly when it is a prefix of one of
/// these. Each is cut to at most [`INDEXED_WORD_BYTES`] (at a character
/// boundary); cut query words the same way ([`index_prefix`]) and an index
/// of these words proposes every match (and perhaps more).
pub fn index_words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = text
        .split_whitespace()
        .map(trim_word)
        .filter(|w| !w.is_empty())
        .map(|w| index_prefix(&w.chars().flat_map(fold).collect::<String>()).to_owned())
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// The longest word a search index keeps whole, in bytes.
pub const INDEXED_WORD_BYTES: usize = 240;

/// `word` cut to at most [`INDEXED_WORD_BYTES`], at a character boundary.
pub fn index_prefix(word: &str) -> &str {
    let mut end = word.len().min(INDEXED_WORD_BYTES);
    while !word.is_char_boundary(end) {
        end -= 1;
    }
    &word[..end]
}

/// Drops the punctuation (non-alphanumeric characters) at both ends of a word.
fn trim_word(word: &str) -> &str {
    word.trim_matches(|c: char| !c.is_alphanumeric())
}

/// Case folding of one character: lowercase, final sigma as sigma.
fn fold(c: char) -> impl Iterator<Item = char> {
    c.to_lowercase().map(|c| if c == 'ς' { 'σ' } else { c })
}

/// Whether `word` (already folded) is a prefix of `text_word` once folded.
fn is_folded_prefix(word: &str, word_is_ascii: bool, text_word: &str) -> bool {
    if word_is_ascii {
        // Fast path: when the text's first bytes are ASCII too, byte comparison is exact.
        // (A non-ASCII text character may still fold to ASCII, e.g. the Kelvin sign.)
        match text_word.as_bytes().get(..word.len()) {
            Some(head) if head.is_ascii() => return head.eq_ignore_ascii_case(word.as_bytes()),
            Some(_) => {}
            // An ASCII text word folds to one as long as itself: too short.
            None if text_word.is_ascii() => return false,
            None => {}
        }
    }
    let mut folded = text_word.chars().flat_map(fold);
    word.chars().all(|c| folded.next() == Some(c))
}

#[cfg(test)]
mod tests {
    use super::{matches, matches_words, query_words};
    use proptest::prelude::*;

    proptest! {
        /// The index words propose exactly the texts `matches_words` accepts.
        #[test]
        fn index_words_agree_with_matches(text in "[a-cA-CΣςσé .,-]{0,24}", query in "[a-cA-CΣςσé .,-]{0,8}") {
            let words = query_words(&query);
            let indexed = super::index_words(&text);
            let proposed = !words.is_empty()
                && words.iter().all(|w| indexed.iter().any(|t| t.starts_with(super::index_prefix(w))));
            prop_assert_eq!(proposed, matches_words(&words, &text));
        }
    }

    const RAINBOWS: &str = "I like to look at rainbows";

    #[test]
    fn documented_examples() {
        for q in ["rainbows", "rain", "look at", "(look, i *LIKE* rain)", "look look look!", "I", "RAINBOWS", "i like"]
        {
            assert!(matches(q, RAINBOWS), "{q:?} should match");
        }
        for q in ["bows", "rain-bows", "look-at", "I like to look at rainbows too", "rainbowsx", "ook"] {
            assert!(!matches(q, RAINBOWS), "{q:?} should not match");
        }
    }

    #[test]
    fn empty_queries_match_nothing() {
        for q in ["", "   ", "\t\n", "!!! ... ()", "🌈"] {
            assert!(!matches(q, RAINBOWS), "{q:?}");
            assert!(!matches(q, ""), "{q:?}");
            assert!(query_words(q).is_empty(), "{q:?}");
        }
        assert!(!matches_words::<String>(&[], RAINBOWS));
    }

    #[test]
    fn empty_text_matches_no_word() {
        assert!(!matches("a", ""));
        assert!(!matches("a", " ... "));
    }

    #[test]
    fn text_punctuation_at_edges_is_ignored() {
        let text = "Hello, (world)! \"quoted\" ...dots... ¿qué? «français»";
        for q in ["hello", "world", "quoted", "dots", "qué", "QUÉ", "franç", "hello,", "(world"] {
            assert!(matches(q, text), "{q:?}");
        }
        assert!(!matches("ello", text));
    }

    #[test]
    fn inner_punctuation_is_part_of_the_word() {
        let text = "e-mail don't a.b.c";
        assert!(matches("e-mail", text));
        assert!(matches("e-m", text));
        assert!(matches("e", text));
        assert!(!matches("mail", text));
        assert!(matches("don't", text));
        assert!(matches("don", text));
        assert!(!matches("dont", text));
        assert!(matches("a.b", text));
        assert!(!matches("b.c", text));
        // A trailing inner-punctuation query prefix is trimmed to its alphanumeric part.
        assert!(matches("e-", text));
    }

    #[test]
    fn splits_on_unicode_whitespace() {
        let text = "alpha\u{3000}beta\u{a0}gamma\u{2003}delta\r\nepsilon";
        for q in ["alpha", "beta", "gamma", "delta", "epsilon", "beta\u{2003}gamma"] {
            assert!(matches(q, text), "{q:?}");
        }
    }

    #[test]
    fn unicode_case_folding() {
        assert!(matches("école", "ÉCOLE normale"));
        assert!(matches("ÉCO", "école"));
        assert!(matches("straße", "STRASSE straße"));
        assert!(matches("οδος", "ΟΔΟΣ"));
        assert!(matches("ΟΔΟΣ", "οδος"));
        assert!(matches("οδοσ", "Οδος"));
        assert!(matches("истор", "ИСТОРИЯ"));
        // The Kelvin sign folds to an ASCII k.
        assert!(matches("kelvin", "\u{212a}ELVIN"));
        assert!(matches("k", "\u{212a}"));
        // Dotted capital I folds to i + combining dot above.
        assert!(matches("i\u{307}st", "İstanbul"));
        assert!(matches("İst", "İSTANBUL"));
        assert!(!matches("ist", "İstanbul"));
        assert!(matches("日本", "日本語のテキスト"));
    }

    #[test]
    fn query_words_are_normalised() {
        assert_eq!(query_words("  (Look, i *LIKE* rain)  "), ["look", "i", "like", "rain"]);
        assert_eq!(query_words("rain-bows!"), ["rain-bows"]);
        assert_eq!(query_words("... ÉCOLE ---"), ["école"]);
        assert_eq!(query_words("ΟΔΟΣ"), ["οδοσ"]);
        assert_eq!(query_words("look look"), ["look", "look"]);
    }

    #[test]
    fn ascii_fast_path_edges() {
        assert!(!matches("rainbowss", "rainbows"));
        assert!(matches("rainbows", "rainbows"));
        assert!(matches("ab", "AB\u{e9}"));
        assert!(!matches("abc", "ab\u{e9}"));
        assert!(!matches("abcd", "ab\u{e9}"));
    }

    fn text_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9 \\t\\n.,!?()*'\"-]{0,40}",
            "[a-zÀ-ÿΑ-ωİıßς\u{212a}\u{301}0-9 \u{3000}.,!-]{0,40}",
            "\\PC{0,30}",
            any::<String>(),
        ]
    }

    proptest! {
        #[test]
        fn every_text_word_and_prefix_matches_itself(text in text_strategy()) {
            for word in text.split_whitespace().map(super::trim_word).filter(|w| !w.is_empty()) {
                prop_assert!(matches(word, &text), "word {:?} in {:?}", word, text);
                let ends = word.char_indices().map(|(i, _)| i).skip(1).chain([word.len()]);
                for end in ends {
                    let prefix = &word[..end];
                    prop_assert!(matches(prefix, &text), "prefix {:?} in {:?}", prefix, text);
                }
            }
        }

        #[test]
        fn whole_text_matches_itself(text in text_strategy()) {
            prop_assert_eq!(matches(&text, &text), !query_words(&text).is_empty());
        }

        #[test]
        fn matches_agrees_with_a_naive_model(query in "[a-cA-C .,-]{0,8}", text in "[a-cA-C .,-]{0,20}") {
            let words = query_words(&query);
            let text_words: Vec<String> = text
                .split_whitespace()
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
                .collect();
            let expected = !words.is_empty() && words.iter().all(|q| text_words.iter().any(|t| t.starts_with(q.as_str())));
            prop_assert_eq!(matches(&query, &text), expected);
        }
    }
}
