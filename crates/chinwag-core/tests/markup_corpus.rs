//! The markup corpus shared with the TypeScript SDK.
//!
//! `tests/markup/corpus.json` at the repository root lists inputs and the
//! nodes [`parse`] gives for them. This test checks the parser still gives
//! them; the SDK's `markup-corpus.test.ts` checks that its port gives the
//! same, so the two parsers agree on every case.
//!
//! The expected nodes are never written by hand: after adding cases (with
//! `nodes` left out) or changing the parser on purpose, run this test with
//! `CHINWAG_BLESS_CORPUS=1` to rewrite every case's `nodes` from the parser,
//! and review the diff.

use std::fmt::Write as _;
use std::path::PathBuf;

use chinwag_core::content::markup::{ParseOptions, parse};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    text: String,
    options: Options,
    /// Missing for a case that has not been blessed yet.
    #[serde(default)]
    nodes: Value,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Options {
    Rest,
    User,
}

impl Options {
    fn parse_options(self) -> ParseOptions {
        match self {
            Options::Rest => ParseOptions::REST,
            Options::User => ParseOptions::USER,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Options::Rest => "rest",
            Options::User => "user",
        }
    }
}

fn corpus_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/markup/corpus.json")
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("strings and nodes always serialise")
}

/// The corpus with every case's `nodes` taken from the parser. Each case is
/// pretty-printed with one top-level node per line: readable diffs, and the
/// node-budget cases stay a few thousand lines rather than tens of thousands.
fn blessed(cases: &[Case]) -> String {
    let mut out = String::from("[\n");
    for (i, case) in cases.iter().enumerate() {
        let nodes = parse(&case.text, case.options.parse_options());
        out.push_str("  {\n");
        writeln!(out, "    \"name\": {},", json(&case.name)).expect("writing to a String");
        writeln!(out, "    \"text\": {},", json(&case.text)).expect("writing to a String");
        writeln!(out, "    \"options\": {},", json(&case.options.name())).expect("writing to a String");
        out.push_str("    \"nodes\": [");
        for (k, node) in nodes.iter().enumerate() {
            out.push_str(if k == 0 { "\n      " } else { ",\n      " });
            out.push_str(&json(node));
        }
        out.push_str(if nodes.is_empty() { "]\n" } else { "\n    ]\n" });
        out.push_str(if i + 1 < cases.len() { "  },\n" } else { "  }\n" });
    }
    out.push_str("]\n");
    out
}

#[test]
fn parser_matches_the_shared_corpus() {
    let path = corpus_path();
    let source = std::fs::read_to_string(&path).expect("tests/markup/corpus.json is readable");
    let cases: Vec<Case> = serde_json::from_str(&source).expect("the corpus is a JSON array of cases");

    let mut names = std::collections::HashSet::new();
    for case in &cases {
        assert!(names.insert(case.name.as_str()), "two cases are named {:?}", case.name);
    }

    if std::env::var_os("CHINWAG_BLESS_CORPUS").is_some_and(|v| v == "1") {
        std::fs::write(&path, blessed(&cases)).expect("tests/markup/corpus.json is writable");
        return;
    }

    let mut failures = Vec::new();
    for case in &cases {
        let nodes = serde_json::to_value(parse(&case.text, case.options.parse_options())).expect("nodes serialise");
        if nodes != case.nodes {
            failures.push(format!("{}:\n  expected {}\n  parsed   {}", case.name, case.nodes, nodes));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases differ (after an intended parser change, rerun with CHINWAG_BLESS_CORPUS=1):\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
