//! Conversation-list filters (`ConversationFilter` of `@talkjs/core`).
//!
//! One parser accepts both forms the client sends: the normalised filter of the
//! socket's `GET /me/conversations`, and the raw filter the app passed, which the
//! search endpoints receive (`>=`, `<=`, unsorted or duplicated `oneOf` arrays,
//! `access` lists covering both values, …). Parsing normalises as the client does,
//! so both forms of one filter parse to equal values, and [`ConversationFilter::to_json`]
//! gives back the normalised form (e.g. for a cursor).
//!
//! Grammar: the top level is a simple filter object, `["any", [simple, …]]`
//! (matches when any sub-filter matches), or `null`/`{}` (matches everything).
//! A simple filter matches when all its fields match:
//!
//! | field | operand |
//! |---|---|
//! | `access` | string filter on the viewer's access, `"ReadWrite"` or `"Read"` |
//! | `custom` | object: key → `"exists"`, `"!exists"` or a string filter |
//! | `isUnread`, `hasMessages` | `true` / `false` |
//! | `subject` | string filter; `null` is a legal operand (no subject) |
//! | `lastActivityAt`, `createdAt`, `joinedAt` | number filter (ms) |
//!
//! String filters: `["==", v]`, `["!=", v]`, `["oneOf", [v, …]]`, `["!oneOf", [v, …]]`.
//! Number filters: `[">", n]`, `["<", n]`, `[">=", n]`, `["<=", n]`,
//! `["between", [lo, hi]]` (lo inclusive, hi exclusive), `["!between", [lo, hi]]`.
//!
//! Normalisation (wire protocol §5.8): keys sorted; `access` rewritten against its two
//! possible values (to `["==", v]` or dropped); `[">=", n]` → `[">", n - 1]` and
//! `["<=", n]` → `["<", n + 1]`, literally as the client computes it (exact for the
//! integer timestamps the server holds); `oneOf`/`!oneOf` de-duplicated and sorted (as
//! JavaScript's `sort()`), one value → `==`/`!=`; an empty `oneOf` or an empty/backward
//! `between` matches nothing, an empty `!oneOf` or `!between` matches everything;
//! sub-filters of `any` that match nothing are dropped, one that matches everything
//! makes the whole filter `{}`, and a single remaining sub-filter stands alone.
//! A filter that matches nothing is written `["any", []]`.
//!
//! A conversation **missing** a custom key satisfies `!=`, `!oneOf` and `!exists` only
//! (the client's full-state rule).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Number, Value};

use crate::model::{Conversation, Side};

/// Most sub-filters in one `["any", […]]`.
pub const MAX_ANY_FILTERS: usize = 50;
/// Most values in one `oneOf` / `!oneOf` array (before de-duplication).
pub const MAX_ONE_OF_VALUES: usize = 100;
/// Most keys in one `custom` filter.
pub const MAX_CUSTOM_KEYS: usize = 50;

/// The conversation as the filter sees it (the viewer's side of it).
#[derive(Debug, Clone, PartialEq)]
pub struct FilterSubject<'a> {
    /// `"ReadWrite"` or `"Read"`.
    pub access: &'a str,
    pub custom: &'a BTreeMap<String, String>,
    pub is_unread: bool,
    pub has_messages: bool,
    pub subject: Option<&'a str>,
    /// ms (`lastMessageAt`).
    pub last_activity_at: i64,
    pub created_at: i64,
    pub joined_at: i64,
}

impl<'a> FilterSubject<'a> {
    /// A viewer's side of a conversation (the realtime list, search).
    pub fn of_side(side: &'a Side) -> Self {
        FilterSubject {
            access: side.access.as_str(),
            custom: &side.custom,
            is_unread: side.is_unread,
            has_messages: side.has_messages,
            subject: side.subject.as_deref(),
            last_activity_at: side.last_message_at,
            created_at: side.created_at,
            joined_at: side.joined_at,
        }
    }

    /// A conversation seen by nobody in particular (the app's REST list).
    /// Filters on a viewer's fields are refused before they get here
    /// ([`ConversationFilter::viewer_fields`]).
    pub fn of_conversation(c: &'a Conversation) -> Self {
        FilterSubject {
            access: "",
            custom: &c.custom,
            is_unread: false,
            has_messages: c.last_message_at.is_some(),
            subject: c.subject.as_deref(),
            last_activity_at: c.last_message_at.unwrap_or(c.created_at),
            created_at: c.created_at,
            joined_at: c.created_at,
        }
    }
}

/// A parsed, normalised conversation filter.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationFilter {
    /// Matches when any alternative matches; empty matches nothing. Normalised: no
    /// alternative matches nothing, and one that matches everything is the only one.
    any: Vec<SimpleFilter>,
}

/// Why a filter was rejected. `reason` names the JSON position, e.g.
/// `filter.custom.a: expected "exists", "!exists" or a string filter`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub reason: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for FilterError {}

impl Default for ConversationFilter {
    /// The filter that matches everything.
    fn default() -> Self {
        Self::everything()
    }
}

impl ConversationFilter {
    /// Parses a filter in either the client-normalised or the raw form.
    /// `{}` or `null` match everything.
    pub fn parse(json: &Value) -> Result<ConversationFilter, FilterError> {
        let root = Path::Root;
        match json {
            Value::Null => Ok(Self::everything()),
            Value::Object(fields) => Ok(Self::from_alternatives(vec![parse_simple(fields, &root)?])),
            Value::Array(items) => parse_any(items, &root),
            _ => Err(root.error(r#"expected a filter object, null or ["any", [filters]]"#)),
        }
    }

    /// Whether the conversation passes the filter.
    pub fn matches(&self, c: &FilterSubject<'_>) -> bool {
        self.any.iter().any(|simple| simple.matches(c))
    }

    /// Whether no conversation can pass (e.g. `["any", []]`): answer with an empty page.
    pub fn matches_nothing(&self) -> bool {
        self.any.is_empty()
    }

    /// Whether every conversation passes (e.g. `{}`): no need to evaluate.
    pub fn matches_everything(&self) -> bool {
        matches!(self.any.as_slice(), [only] if only.is_everything())
    }

    /// The fields the filter uses that describe one user's side of a
    /// conversation (`access`, `isUnread`, `joinedAt`), which a list with no
    /// viewer cannot answer.
    pub fn viewer_fields(&self) -> Vec<&'static str> {
        let mut fields = Vec::new();
        for f in &self.any {
            for (used, name) in [
                (f.access.is_some(), "access"),
                (f.is_unread.is_some(), "isUnread"),
                (f.joined_at.is_some(), "joinedAt"),
            ] {
                if used && !fields.contains(&name) {
                    fields.push(name);
                }
            }
        }
        fields
    }

    /// A canonical JSON form (normalised as the client does) so it can be embedded in a
    /// cursor and parsed back to an equal filter.
    pub fn to_json(&self) -> Value {
        match self.any.as_slice() {
            [only] => only.to_json(),
            all => {
                Value::Array(vec![Value::from("any"), Value::Array(all.iter().map(SimpleFilter::to_json).collect())])
            }
        }
    }

    fn everything() -> Self {
        Self { any: vec![SimpleFilter::default()] }
    }

    fn from_alternatives(alternatives: Vec<Norm<SimpleFilter>>) -> Self {
        let mut any = Vec::with_capacity(alternatives.len());
        for alternative in alternatives {
            match alternative {
                Norm::Everything => return Self::everything(),
                Norm::Nothing => {}
                Norm::Filter(simple) => any.push(simple),
            }
        }
        Self { any }
    }
}

/// The outcome of normalising one part of a filter.
#[derive(Debug)]
enum Norm<T> {
    Everything,
    Nothing,
    Filter(T),
}

/// One simple filter: every present field must match. Fields are in key order.
#[derive(Debug, Clone, PartialEq, Default)]
struct SimpleFilter {
    access: Option<Access>,
    created_at: Option<NumberFilter>,
    /// Sorted by key, as JavaScript sorts strings.
    custom: Vec<(String, CustomFilter)>,
    has_messages: Option<bool>,
    is_unread: Option<bool>,
    joined_at: Option<NumberFilter>,
    last_activity_at: Option<NumberFilter>,
    subject: Option<StringFilter>,
}

/// `access` normalised against its two possible values: the one value that passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    ReadWrite,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum NumberFilter {
    Gt(f64),
    Lt(f64),
    /// `lo <= x < hi`, with `lo < hi`.
    Between(f64, f64),
    /// `!(lo <= x < hi)`, with `lo < hi`.
    NotBetween(f64, f64),
}

/// A string operand; `None` is JSON `null` (legal for `subject` only).
type Operand = Option<String>;

#[derive(Debug, Clone, PartialEq)]
enum StringFilter {
    Eq(Operand),
    Ne(Operand),
    /// At least two values, de-duplicated and sorted.
    OneOf(Vec<Operand>),
    /// At least two values, de-duplicated and sorted.
    NotOneOf(Vec<Operand>),
}

#[derive(Debug, Clone, PartialEq)]
enum CustomFilter {
    Exists,
    NotExists,
    Value(StringFilter),
}

impl SimpleFilter {
    fn is_everything(&self) -> bool {
        *self == Self::default()
    }

    fn matches(&self, c: &FilterSubject<'_>) -> bool {
        self.access.is_none_or(|access| access.as_str() == c.access)
            && self.created_at.is_none_or(|f| f.matches(c.created_at))
            && self.custom.iter().all(|(key, f)| f.matches(c.custom.get(key).map(String::as_str)))
            && self.has_messages.is_none_or(|want| want == c.has_messages)
            && self.is_unread.is_none_or(|want| want == c.is_unread)
            && self.joined_at.is_none_or(|f| f.matches(c.joined_at))
            && self.last_activity_at.is_none_or(|f| f.matches(c.last_activity_at))
            && self.subject.as_ref().is_none_or(|f| f.matches(c.subject))
    }

    fn to_json(&self) -> Value {
        // Inserted in key order, so the output is canonical with or without serde_json's
        // `preserve_order` feature.
        let mut out = Map::new();
        if let Some(access) = self.access {
            out.insert("access".into(), StringFilter::Eq(Some(access.as_str().into())).to_json());
        }
        if let Some(f) = self.created_at {
            out.insert("createdAt".into(), f.to_json());
        }
        if !self.custom.is_empty() {
            let custom = self.custom.iter().map(|(key, f)| (key.clone(), f.to_json())).collect();
            out.insert("custom".into(), Value::Object(custom));
        }
        if let Some(b) = self.has_messages {
            out.insert("hasMessages".into(), Value::Bool(b));
        }
        if let Some(b) = self.is_unread {
            out.insert("isUnread".into(), Value::Bool(b));
        }
        if let Some(f) = self.joined_at {
            out.insert("joinedAt".into(), f.to_json());
        }
        if let Some(f) = self.last_activity_at {
            out.insert("lastActivityAt".into(), f.to_json());
        }
        if let Some(f) = &self.subject {
            out.insert("subject".into(), f.to_json());
        }
        Value::Object(out)
    }
}

impl Access {
    const ALL: [Access; 2] = [Access::Read, Access::ReadWrite];

    fn as_str(self) -> &'static str {
        match self {
            Access::Read => "Read",
            Access::ReadWrite => "ReadWrite",
        }
    }
}

impl NumberFilter {
    fn matches(self, x: i64) -> bool {
        // Timestamps are far below 2^53, so the conversion is exact.
        let x = x as f64;
        match self {
            NumberFilter::Gt(n) => x > n,
            NumberFilter::Lt(n) => x < n,
            NumberFilter::Between(lo, hi) => lo <= x && x < hi,
            NumberFilter::NotBetween(lo, hi) => !(lo <= x && x < hi),
        }
    }

    fn to_json(self) -> Value {
        let (op, operand) = match self {
            NumberFilter::Gt(n) => (">", number_json(n)),
            NumberFilter::Lt(n) => ("<", number_json(n)),
            NumberFilter::Between(lo, hi) => ("between", Value::Array(vec![number_json(lo), number_json(hi)])),
            NumberFilter::NotBetween(lo, hi) => ("!between", Value::Array(vec![number_json(lo), number_json(hi)])),
        };
        Value::Array(vec![Value::from(op), operand])
    }
}

/// Integral values are written as integers (`99`, not `99.0`), as JavaScript does.
fn number_json(n: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if n.fract() == 0.0 && (-EXACT..=EXACT).contains(&n) {
        Value::from(n as i64)
    } else {
        // Parsed numbers are always finite; `Null` cannot happen.
        Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

impl StringFilter {
    fn matches(&self, value: Option<&str>) -> bool {
        let is = |operand: &Operand| operand.as_deref() == value;
        match self {
            StringFilter::Eq(operand) => is(operand),
            StringFilter::Ne(operand) => !is(operand),
            StringFilter::OneOf(operands) => operands.iter().any(is),
            StringFilter::NotOneOf(operands) => !operands.iter().any(is),
        }
    }

    fn to_json(&self) -> Value {
        let operand = |o: &Operand| o.as_ref().map_or(Value::Null, |s| Value::String(s.clone()));
        let list = |os: &[Operand]| Value::Array(os.iter().map(operand).collect());
        let (op, operand) = match self {
            StringFilter::Eq(o) => ("==", operand(o)),
            StringFilter::Ne(o) => ("!=", operand(o)),
            StringFilter::OneOf(os) => ("oneOf", list(os)),
            StringFilter::NotOneOf(os) => ("!oneOf", list(os)),
        };
        Value::Array(vec![Value::from(op), operand])
    }
}

impl CustomFilter {
    /// `value` is `None` when the conversation lacks the key: then only `!=`, `!oneOf`
    /// and `!exists` pass (custom operands are never `null`, so the string filter's own
    /// comparison with "no value" gives exactly that).
    fn matches(&self, value: Option<&str>) -> bool {
        match self {
            CustomFilter::Exists => value.is_some(),
            CustomFilter::NotExists => value.is_none(),
            CustomFilter::Value(f) => f.matches(value),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            CustomFilter::Exists => Value::from("exists"),
            CustomFilter::NotExists => Value::from("!exists"),
            CustomFilter::Value(f) => f.to_json(),
        }
    }
}

// ---------------------------------------------------------------------------
// Parsing

fn parse_any(items: &[Value], path: &Path<'_>) -> Result<ConversationFilter, FilterError> {
    const EXPECTED: &str = r#"expected ["any", [filters]]"#;
    let [combinator, list] = items else { return Err(path.error(EXPECTED)) };
    match combinator.as_str() {
        Some("any") => {}
        Some(other) => {
            return Err(path.index(0).error(format!(r#"unknown combinator {}, expected "any""#, quote(other))));
        }
        None => return Err(path.index(0).error(EXPECTED)),
    }
    let list_path = path.index(1);
    let Value::Array(list) = list else { return Err(list_path.error("expected an array of filter objects")) };
    if list.len() > MAX_ANY_FILTERS {
        return Err(list_path.error(format!("at most {MAX_ANY_FILTERS} filters")));
    }
    let alternatives = list
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let item_path = list_path.index(i);
            match item {
                Value::Object(fields) => parse_simple(fields, &item_path),
                _ => Err(item_path.error("expected a filter object")),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ConversationFilter::from_alternatives(alternatives))
}

fn parse_simple(fields: &Map<String, Value>, path: &Path<'_>) -> Result<Norm<SimpleFilter>, FilterError> {
    let mut out = SimpleFilter::default();
    let mut nothing = false;
    for (key, value) in fields {
        let path = path.key(key);
        match key.as_str() {
            "access" => match parse_access(value, &path)? {
                Norm::Everything => {}
                Norm::Nothing => nothing = true,
                Norm::Filter(access) => out.access = Some(access),
            },
            "custom" => match parse_custom(value, &path)? {
                Norm::Everything => {}
                Norm::Nothing => nothing = true,
                Norm::Filter(custom) => out.custom = custom,
            },
            "hasMessages" => out.has_messages = Some(parse_bool(value, &path)?),
            "isUnread" => out.is_unread = Some(parse_bool(value, &path)?),
            "subject" => match parse_string_filter(value, &path, true)? {
                Norm::Everything => {}
                Norm::Nothing => nothing = true,
                Norm::Filter(f) => out.subject = Some(f),
            },
            "lastActivityAt" | "createdAt" | "joinedAt" => {
                let slot = match key.as_str() {
                    "lastActivityAt" => &mut out.last_activity_at,
                    "createdAt" => &mut out.created_at,
                    _ => &mut out.joined_at,
                };
                match parse_number_filter(value, &path)? {
                    Norm::Everything => {}
                    Norm::Nothing => nothing = true,
                    Norm::Filter(f) => *slot = Some(f),
                }
            }
            _ => {
                return Err(path.error(
                    "unknown field; expected access, custom, hasMessages, isUnread, subject, \
                     lastActivityAt, createdAt or joinedAt",
                ));
            }
        }
    }
    Ok(if nothing {
        Norm::Nothing
    } else if out.is_everything() {
        Norm::Everything
    } else {
        Norm::Filter(out)
    })
}

fn parse_bool(value: &Value, path: &Path<'_>) -> Result<bool, FilterError> {
    value.as_bool().ok_or_else(|| path.error("expected true or false"))
}

fn parse_access(value: &Value, path: &Path<'_>) -> Result<Norm<Access>, FilterError> {
    Ok(match parse_string_filter(value, path, false)? {
        Norm::Filter(f) => {
            let mut passing = Access::ALL.into_iter().filter(|a| f.matches(Some(a.as_str())));
            match (passing.next(), passing.next()) {
                (None, _) => Norm::Nothing,
                (Some(only), None) => Norm::Filter(only),
                (Some(_), Some(_)) => Norm::Everything,
            }
        }
        Norm::Everything => Norm::Everything,
        Norm::Nothing => Norm::Nothing,
    })
}

fn parse_custom(value: &Value, path: &Path<'_>) -> Result<Norm<Vec<(String, CustomFilter)>>, FilterError> {
    let Value::Object(keys) = value else { return Err(path.error("expected an object of custom field filters")) };
    if keys.len() > MAX_CUSTOM_KEYS {
        return Err(path.error(format!("at most {MAX_CUSTOM_KEYS} keys")));
    }
    let mut out = Vec::with_capacity(keys.len());
    let mut nothing = false;
    for (key, value) in keys {
        let path = path.key(key);
        let filter = match value {
            Value::String(s) if s == "exists" => CustomFilter::Exists,
            Value::String(s) if s == "!exists" => CustomFilter::NotExists,
            Value::Array(_) => match parse_string_filter(value, &path, false)? {
                Norm::Everything => continue,
                Norm::Nothing => {
                    nothing = true;
                    continue;
                }
                Norm::Filter(f) => CustomFilter::Value(f),
            },
            _ => return Err(path.error(r#"expected "exists", "!exists" or a string filter"#)),
        };
        out.push((key.clone(), filter));
    }
    out.sort_by(|(a, _), (b, _)| js_cmp(a, b));
    Ok(if nothing {
        Norm::Nothing
    } else if out.is_empty() {
        Norm::Everything
    } else {
        Norm::Filter(out)
    })
}

fn parse_string_filter(value: &Value, path: &Path<'_>, null_allowed: bool) -> Result<Norm<StringFilter>, FilterError> {
    const EXPECTED: &str = r#"expected a string filter: ["==" or "!=", value] or ["oneOf" or "!oneOf", [values]]"#;
    let Value::Array(items) = value else { return Err(path.error(EXPECTED)) };
    let [op, operand] = items.as_slice() else { return Err(path.error(EXPECTED)) };
    let Some(op) = op.as_str() else { return Err(path.index(0).error(EXPECTED)) };
    let operand_path = path.index(1);
    Ok(match op {
        "==" => Norm::Filter(StringFilter::Eq(parse_operand(operand, &operand_path, null_allowed)?)),
        "!=" => Norm::Filter(StringFilter::Ne(parse_operand(operand, &operand_path, null_allowed)?)),
        "oneOf" | "!oneOf" => {
            let Value::Array(list) = operand else { return Err(operand_path.error("expected an array of values")) };
            if list.len() > MAX_ONE_OF_VALUES {
                return Err(operand_path.error(format!("at most {MAX_ONE_OF_VALUES} values")));
            }
            let mut operands = list
                .iter()
                .enumerate()
                .map(|(i, v)| parse_operand(v, &operand_path.index(i), null_allowed))
                .collect::<Result<Vec<_>, _>>()?;
            operands.sort_by(js_operand_cmp);
            operands.dedup();
            let negated = op == "!oneOf";
            match (operands.len(), negated) {
                (0, false) => Norm::Nothing,
                (0, true) => Norm::Everything,
                (1, false) => Norm::Filter(StringFilter::Eq(operands.remove(0))),
                (1, true) => Norm::Filter(StringFilter::Ne(operands.remove(0))),
                (_, false) => Norm::Filter(StringFilter::OneOf(operands)),
                (_, true) => Norm::Filter(StringFilter::NotOneOf(operands)),
            }
        }
        other => return Err(path.index(0).error(format!("unknown string operator {}; {EXPECTED}", quote(other)))),
    })
}

fn parse_operand(value: &Value, path: &Path<'_>, null_allowed: bool) -> Result<Operand, FilterError> {
    match value {
        Value::String(s) => Ok(Some(s.clone())),
        Value::Null if null_allowed => Ok(None),
        _ if null_allowed => Err(path.error("expected a string or null")),
        _ => Err(path.error("expected a string")),
    }
}

fn parse_number_filter(value: &Value, path: &Path<'_>) -> Result<Norm<NumberFilter>, FilterError> {
    const EXPECTED: &str =
        r#"expected a number filter: [">", "<", ">=" or "<=", number] or ["between" or "!between", [low, high]]"#;
    let Value::Array(items) = value else { return Err(path.error(EXPECTED)) };
    let [op, operand] = items.as_slice() else { return Err(path.error(EXPECTED)) };
    let Some(op) = op.as_str() else { return Err(path.index(0).error(EXPECTED)) };
    let operand_path = path.index(1);
    let number = |v: &Value, p: &Path<'_>| v.as_f64().ok_or_else(|| p.error("expected a number"));
    Ok(match op {
        ">" => Norm::Filter(NumberFilter::Gt(number(operand, &operand_path)?)),
        "<" => Norm::Filter(NumberFilter::Lt(number(operand, &operand_path)?)),
        // As the client normalises them (exact for integers).
        ">=" => Norm::Filter(NumberFilter::Gt(number(operand, &operand_path)? - 1.0)),
        "<=" => Norm::Filter(NumberFilter::Lt(number(operand, &operand_path)? + 1.0)),
        "between" | "!between" => {
            let Some([lo, hi]) = operand.as_array().map(Vec::as_slice) else {
                return Err(operand_path.error("expected [low, high]"));
            };
            let lo = number(lo, &operand_path.index(0))?;
            let hi = number(hi, &operand_path.index(1))?;
            match (lo < hi, op == "!between") {
                (true, false) => Norm::Filter(NumberFilter::Between(lo, hi)),
                (true, true) => Norm::Filter(NumberFilter::NotBetween(lo, hi)),
                (false, false) => Norm::Nothing,
                (false, true) => Norm::Everything,
            }
        }
        other => return Err(path.index(0).error(format!("unknown number operator {}; {EXPECTED}", quote(other)))),
    })
}

/// Compares strings as JavaScript does (by UTF-16 code units).
fn js_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// JavaScript's default `sort()` order: values compared as strings, `null` as `"null"`.
/// Ties (`null` and `"null"`) put `null` first.
fn js_operand_cmp(a: &Operand, b: &Operand) -> Ordering {
    fn text(o: &Operand) -> &str {
        o.as_deref().unwrap_or("null")
    }
    js_cmp(text(a), text(b)).then_with(|| a.is_some().cmp(&b.is_some()))
}

// ---------------------------------------------------------------------------
// Error positions

/// A JSON position inside the filter, built without allocating; formatted only
/// for an error, e.g. `filter[1][0].custom.a`.
#[derive(Debug, Clone, Copy)]
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }

    fn index(&'a self, index: usize) -> Path<'a> {
        Path::Index(self, index)
    }

    fn error(&self, message: impl fmt::Display) -> FilterError {
        FilterError { reason: format!("{self}: {message}") }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => f.write_str("filter"),
            Path::Key(parent, key) => {
                let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if plain && key.len() <= MAX_SHOWN_CHARS {
                    write!(f, "{parent}.{key}")
                } else {
                    write!(f, "{parent}[{}]", quote(key))
                }
            }
            Path::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

const MAX_SHOWN_CHARS: usize = 40;

/// A client-supplied string as a JSON string for an error message, shortened.
fn quote(s: &str) -> String {
    match s.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", Value::from(&s[..cut])),
        None => Value::from(s).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// A conversation for tests; `subject()` borrows it.
    #[derive(Debug, Clone)]
    struct Conv {
        access: &'static str,
        custom: BTreeMap<String, String>,
        is_unread: bool,
        has_messages: bool,
        subject: Option<String>,
        last_activity_at: i64,
        created_at: i64,
        joined_at: i64,
    }

    impl Conv {
        fn new() -> Self {
            Conv {
                access: "ReadWrite",
                custom: BTreeMap::new(),
                is_unread: false,
                has_messages: true,
                subject: None,
                last_activity_at: 100,
                created_at: 50,
                joined_at: 60,
            }
        }

        fn custom(mut self, key: &str, value: &str) -> Self {
            self.custom.insert(key.into(), value.into());
            self
        }

        fn subject(&self) -> FilterSubject<'_> {
            FilterSubject {
                access: self.access,
                custom: &self.custom,
                is_unread: self.is_unread,
                has_messages: self.has_messages,
                subject: self.subject.as_deref(),
                last_activity_at: self.last_activity_at,
                created_at: self.created_at,
                joined_at: self.joined_at,
            }
        }
    }

    fn parse(v: Value) -> ConversationFilter {
        ConversationFilter::parse(&v).unwrap_or_else(|e| panic!("{v}: {e}"))
    }

    fn passes(filter: Value, c: &Conv) -> bool {
        parse(filter).matches(&c.subject())
    }

    fn error(v: Value) -> String {
        match ConversationFilter::parse(&v) {
            Ok(f) => panic!("{v} should be rejected, parsed as {f:?}"),
            Err(e) => e.reason,
        }
    }

    #[test]
    fn everything_and_nothing() {
        let c = Conv::new();
        for v in [json!(null), json!({}), json!(["any", [{}]]), json!(["any", [{"isUnread": true}, {}]])] {
            let f = parse(v.clone());
            assert!(f.matches_everything(), "{v}");
            assert!(!f.matches_nothing(), "{v}");
            assert!(f.matches(&c.subject()), "{v}");
            assert_eq!(f.to_json(), json!({}), "{v}");
            assert_eq!(f, ConversationFilter::default());
        }
        for v in [
            json!(["any", []]),
            json!(["any", [{"custom": {"a": ["oneOf", []]}}]]),
            json!({"lastActivityAt": ["between", [5, 5]], "isUnread": true}),
            json!({"access": ["==", "None"]}),
            json!({"access": ["!oneOf", ["Read", "ReadWrite"]]}),
            json!({"subject": ["oneOf", []]}),
        ] {
            let f = parse(v.clone());
            assert!(f.matches_nothing(), "{v}");
            assert!(!f.matches_everything(), "{v}");
            assert!(!f.matches(&c.subject()), "{v}");
            assert_eq!(f.to_json(), json!(["any", []]), "{v}");
        }
    }

    #[test]
    fn verified_example_normalised() {
        let raw = json!({
            "lastActivityAt": [">=", 100],
            "access": ["oneOf", ["Read", "ReadWrite"]],
            "custom": {"a": ["oneOf", ["y", "x", "x"]], "b": "exists"},
            "subject": ["==", null],
        });
        let sent =
            r#"{"custom":{"a":["oneOf",["x","y"]],"b":"exists"},"lastActivityAt":[">",99],"subject":["==",null]}"#;
        let f = parse(raw);
        assert_eq!(serde_json::to_string(&f.to_json()).unwrap_or_default(), sent);
        let sent_value: Value = serde_json::from_str(sent).unwrap_or_default();
        assert_eq!(parse(sent_value), f);

        let ok = Conv::new().custom("a", "x").custom("b", "");
        assert!(f.matches(&ok.subject()));
        assert!(f.matches(&Conv { access: "Read", ..ok.clone() }.subject()));
        assert!(f.matches(&Conv { last_activity_at: 100, ..ok.clone() }.subject()));
        assert!(!f.matches(&Conv { last_activity_at: 99, ..ok.clone() }.subject()));
        assert!(!f.matches(&Conv { subject: Some("s".into()), ..ok.clone() }.subject()));
        assert!(!f.matches(&ok.clone().custom("a", "z").subject()));
        assert!(f.matches(&ok.clone().custom("a", "y").subject()));
        let mut no_b = ok.clone();
        no_b.custom.remove("b");
        assert!(!f.matches(&no_b.subject()));
    }

    #[test]
    fn verified_example_compound() {
        let sent = r#"["any",[{"hasMessages":false,"joinedAt":["<",6]},{"isUnread":true}]]"#;
        let value: Value = serde_json::from_str(sent).unwrap_or_default();
        let f = parse(value);
        assert_eq!(serde_json::to_string(&f.to_json()).unwrap_or_default(), sent);
        // The raw form the app might have written.
        assert_eq!(parse(json!(["any", [{"joinedAt": ["<=", 5], "hasMessages": false}, {"isUnread": true}]])), f);

        let base = Conv { has_messages: true, is_unread: false, joined_at: 5, ..Conv::new() };
        assert!(!f.matches(&base.subject()));
        assert!(f.matches(&Conv { is_unread: true, ..base.clone() }.subject()));
        assert!(f.matches(&Conv { has_messages: false, ..base.clone() }.subject()));
        assert!(!f.matches(&Conv { has_messages: false, joined_at: 6, ..base.clone() }.subject()));
        assert!(f.matches(&Conv { has_messages: false, joined_at: -3, ..base.clone() }.subject()));
    }

    #[test]
    fn number_operators() {
        let at = |t: i64| Conv { last_activity_at: t, created_at: t, joined_at: t, ..Conv::new() };
        for field in ["lastActivityAt", "createdAt", "joinedAt"] {
            let cases: [(Value, &[i64], &[i64]); 8] = [
                (json!([">", 10]), &[11, 1000], &[10, 9]),
                (json!(["<", 10]), &[9, -5], &[10, 11]),
                (json!([">=", 10]), &[10, 11], &[9]),
                (json!(["<=", 10]), &[10, 9], &[11]),
                (json!(["between", [10, 20]]), &[10, 15, 19], &[9, 20, 21]),
                (json!(["!between", [10, 20]]), &[9, 20, 21], &[10, 15, 19]),
                (json!([">", 9.5]), &[10], &[9]),
                (json!(["between", [9.5, 10.5]]), &[10], &[9, 11]),
            ];
            for (op, yes, no) in cases {
                let filter = json!({ field: op });
                for &t in yes {
                    assert!(passes(filter.clone(), &at(t)), "{filter} should pass {t}");
                }
                for &t in no {
                    assert!(!passes(filter.clone(), &at(t)), "{filter} should reject {t}");
                }
            }
        }
    }

    #[test]
    fn number_normalisation() {
        assert_eq!(parse(json!({"createdAt": [">=", 100]})).to_json(), json!({"createdAt": [">", 99]}));
        assert_eq!(parse(json!({"createdAt": ["<=", 100]})).to_json(), json!({"createdAt": ["<", 101]}));
        assert_eq!(parse(json!({"createdAt": [">", 100.0]})).to_json(), json!({"createdAt": [">", 100]}));
        assert_eq!(parse(json!({"createdAt": [">", 1.5]})).to_json(), json!({"createdAt": [">", 1.5]}));
        // Fractional `>=` is rewritten literally, as the client does.
        assert_eq!(parse(json!({"createdAt": [">=", 1.5]})).to_json(), json!({"createdAt": [">", 0.5]}));
        assert_eq!(parse(json!({"joinedAt": ["between", [1, 2]]})).to_json(), json!({"joinedAt": ["between", [1, 2]]}));
        // Empty or backward between matches nothing; the same !between matches everything.
        assert!(parse(json!({"joinedAt": ["between", [2, 1]]})).matches_nothing());
        assert!(parse(json!({"joinedAt": ["between", [2, 2]]})).matches_nothing());
        assert!(parse(json!({"joinedAt": ["!between", [2, 2]]})).matches_everything());
        assert!(parse(json!({"joinedAt": ["!between", [3, 2]]})).matches_everything());
        assert_eq!(
            parse(json!({"joinedAt": ["!between", [3, 2]], "isUnread": false})).to_json(),
            json!({"isUnread": false})
        );
    }

    #[test]
    fn bool_fields() {
        let c = Conv { is_unread: true, has_messages: false, ..Conv::new() };
        assert!(passes(json!({"isUnread": true}), &c));
        assert!(!passes(json!({"isUnread": false}), &c));
        assert!(passes(json!({"hasMessages": false}), &c));
        assert!(!passes(json!({"hasMessages": true}), &c));
        assert!(!passes(json!({"hasMessages": false, "isUnread": false}), &c));
    }

    #[test]
    fn access_operators_and_normalisation() {
        let rw = Conv::new();
        let r = Conv { access: "Read", ..Conv::new() };
        let cases = [
            (json!(["==", "Read"]), false, true, json!(["==", "Read"])),
            (json!(["==", "ReadWrite"]), true, false, json!(["==", "ReadWrite"])),
            (json!(["!=", "Read"]), true, false, json!(["==", "ReadWrite"])),
            (json!(["!=", "None"]), true, true, json!(null)),
            (json!(["oneOf", ["Read", "None"]]), false, true, json!(["==", "Read"])),
            (json!(["oneOf", ["ReadWrite", "Read", "Read"]]), true, true, json!(null)),
            (json!(["!oneOf", ["Read", "None"]]), true, false, json!(["==", "ReadWrite"])),
            (json!(["!oneOf", []]), true, true, json!(null)),
        ];
        for (op, rw_passes, r_passes, normalised) in cases {
            let filter = json!({ "access": op });
            assert_eq!(passes(filter.clone(), &rw), rw_passes, "{filter} ReadWrite");
            assert_eq!(passes(filter.clone(), &r), r_passes, "{filter} Read");
            let expected = if normalised.is_null() { json!({}) } else { json!({ "access": normalised }) };
            assert_eq!(parse(filter.clone()).to_json(), expected, "{filter}");
        }
    }

    #[test]
    fn custom_operators_and_missing_key_rule() {
        let x = Conv::new().custom("k", "x");
        let y = Conv::new().custom("k", "y");
        let missing = Conv::new().custom("other", "x");
        // (filter on custom.k, passes x, passes y, passes missing)
        let cases = [
            (json!("exists"), true, true, false),
            (json!("!exists"), false, false, true),
            (json!(["==", "x"]), true, false, false),
            (json!(["!=", "x"]), false, true, true),
            (json!(["oneOf", ["x", "z"]]), true, false, false),
            (json!(["!oneOf", ["x", "z"]]), false, true, true),
            (json!(["oneOf", ["x"]]), true, false, false),
            (json!(["!oneOf", ["x"]]), false, true, true),
            (json!(["oneOf", []]), false, false, false),
            (json!(["!oneOf", []]), true, true, true),
        ];
        for (op, px, py, pm) in cases {
            let filter = json!({"custom": {"k": op}});
            assert_eq!(passes(filter.clone(), &x), px, "{filter} x");
            assert_eq!(passes(filter.clone(), &y), py, "{filter} y");
            assert_eq!(passes(filter.clone(), &missing), pm, "{filter} missing");
        }
        // All keys must match.
        let both = json!({"custom": {"k": ["==", "x"], "other": "exists"}});
        assert!(!passes(both.clone(), &x));
        assert!(passes(both, &x.clone().custom("other", "")));
        // Custom values are compared exactly (case, whitespace).
        assert!(!passes(json!({"custom": {"k": ["==", "X"]}}), &x));
    }

    #[test]
    fn custom_normalisation() {
        let f =
            parse(json!({"custom": {"b": ["!oneOf", ["2", "1", "2"]], "a": ["oneOf", ["q"]], "c": ["!oneOf", []]}}));
        let expected = r#"{"custom":{"a":["==","q"],"b":["!oneOf",["1","2"]]}}"#;
        assert_eq!(serde_json::to_string(&f.to_json()).unwrap_or_default(), expected);
        assert_eq!(parse(json!({"custom": {}})).to_json(), json!({}));
        assert_eq!(parse(json!({"custom": {"c": ["!oneOf", []]}})).to_json(), json!({}));
    }

    #[test]
    fn subject_operators() {
        let none = Conv::new();
        let hi = Conv { subject: Some("hi".into()), ..Conv::new() };
        let empty = Conv { subject: Some(String::new()), ..Conv::new() };
        // (filter, passes none, passes "hi", passes "")
        let cases = [
            (json!(["==", null]), true, false, false),
            (json!(["!=", null]), false, true, true),
            (json!(["==", "hi"]), false, true, false),
            (json!(["!=", "hi"]), true, false, true),
            (json!(["==", ""]), false, false, true),
            (json!(["oneOf", ["hi", null]]), true, true, false),
            (json!(["!oneOf", ["hi", null]]), false, false, true),
            (json!(["oneOf", ["hi", "ho"]]), false, true, false),
            (json!(["!oneOf", ["hi", "ho"]]), true, false, true),
            (json!(["oneOf", ["null"]]), false, false, false),
        ];
        for (op, pn, ph, pe) in cases {
            let filter = json!({ "subject": op });
            assert_eq!(passes(filter.clone(), &none), pn, "{filter} none");
            assert_eq!(passes(filter.clone(), &hi), ph, "{filter} hi");
            assert_eq!(passes(filter.clone(), &empty), pe, "{filter} empty");
        }
        assert_eq!(
            parse(json!({"subject": ["oneOf", ["null", null, "b", null, "a"]]})).to_json(),
            json!({"subject": ["oneOf", ["a", "b", null, "null"]]})
        );
        assert_eq!(parse(json!({"subject": ["oneOf", [null, null]]})).to_json(), json!({"subject": ["==", null]}));
    }

    #[test]
    fn oneof_sorts_as_javascript() {
        // UTF-16 order puts U+FF5E before U+1F600 (a surrogate pair); UTF-8 order would not.
        let f = parse(json!({"custom": {"k": ["oneOf", ["😀", "～", "B", "a"]]}}));
        assert_eq!(f.to_json(), json!({"custom": {"k": ["oneOf", ["B", "a", "😀", "～"]]}}));
    }

    #[test]
    fn custom_keys_sorted_as_javascript_whatever_the_map_order() {
        // serde_json keeps insertion order when `preserve_order` is on (it is in the server build).
        let mut forward = Map::new();
        let mut backward = Map::new();
        for key in ["～", "😀", "b", "a"] {
            forward.insert(key.into(), json!("exists"));
        }
        for key in ["a", "b", "😀", "～"] {
            backward.insert(key.into(), json!("exists"));
        }
        let f = parse(json!({ "custom": forward }));
        assert_eq!(f, parse(json!({ "custom": backward })));
        let keys: Vec<&str> = f.any[0].custom.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b", "😀", "～"]);
    }

    #[test]
    fn all_fields_must_match() {
        let f = json!({
            "access": ["==", "ReadWrite"],
            "custom": {"t": ["==", "a"]},
            "isUnread": true,
            "hasMessages": true,
            "subject": ["!=", null],
            "lastActivityAt": [">", 0],
            "createdAt": ["<", 1000],
            "joinedAt": ["between", [0, 1000]],
        });
        let good = Conv { is_unread: true, subject: Some("s".into()), ..Conv::new().custom("t", "a") };
        assert!(passes(f.clone(), &good));
        let bad = [
            Conv { access: "Read", ..good.clone() },
            good.clone().custom("t", "b"),
            Conv { is_unread: false, ..good.clone() },
            Conv { has_messages: false, ..good.clone() },
            Conv { subject: None, ..good.clone() },
            Conv { last_activity_at: 0, ..good.clone() },
            Conv { created_at: 1000, ..good.clone() },
            Conv { joined_at: 1000, ..good.clone() },
        ];
        for c in bad {
            assert!(!passes(f.clone(), &c), "{c:?}");
        }
    }

    #[test]
    fn any_normalisation() {
        // Sub-filters that match nothing are dropped; a single survivor stands alone.
        let f = parse(json!(["any", [{"custom": {"a": ["oneOf", []]}}, {"isUnread": true}]]));
        assert_eq!(f.to_json(), json!({"isUnread": true}));
        assert_eq!(f, parse(json!({"isUnread": true})));
        // Sub-filters that match everything make the whole filter match everything.
        let f = parse(json!(["any", [{"isUnread": true}, {"access": ["oneOf", ["Read", "ReadWrite"]]}]]));
        assert!(f.matches_everything());
        // Order is kept.
        let f = parse(json!(["any", [{"isUnread": true}, {"hasMessages": false}]]));
        assert_eq!(f.to_json(), json!(["any", [{"isUnread": true}, {"hasMessages": false}]]));
    }

    #[test]
    fn raw_and_normalised_forms_agree() {
        let pairs = [
            (
                json!({"subject": ["==", null], "lastActivityAt": [">=", 100], "access": ["oneOf", ["Read", "ReadWrite"]], "custom": {"b": "exists", "a": ["oneOf", ["y", "x", "x"]]}}),
                json!({"custom": {"a": ["oneOf", ["x", "y"]], "b": "exists"}, "lastActivityAt": [">", 99], "subject": ["==", null]}),
            ),
            (json!({"createdAt": ["<=", 7]}), json!({"createdAt": ["<", 8]})),
            (json!({"access": ["oneOf", ["Read"]]}), json!({"access": ["==", "Read"]})),
            (json!({"custom": {"k": ["!oneOf", ["v", "v"]]}}), json!({"custom": {"k": ["!=", "v"]}})),
            (json!(["any", [{"isUnread": true}, {"joinedAt": ["between", [3, 1]]}]]), json!({"isUnread": true})),
            (json!({"joinedAt": ["!between", [1, 1]]}), json!({})),
        ];
        let convs: Vec<Conv> = (0..4)
            .flat_map(|i| {
                let base = Conv {
                    access: if i % 2 == 0 { "Read" } else { "ReadWrite" },
                    subject: (i > 1).then(|| "s".to_string()),
                    last_activity_at: 98 + i,
                    created_at: 6 + i,
                    joined_at: i,
                    is_unread: i == 3,
                    ..Conv::new()
                };
                [base.clone(), base.clone().custom("a", "x").custom("b", ""), base.custom("k", "v").custom("a", "y")]
            })
            .collect();
        for (raw, normalised) in pairs {
            let (fr, fn_) = (parse(raw.clone()), parse(normalised.clone()));
            assert_eq!(fr, fn_, "{raw} vs {normalised}");
            assert_eq!(fr.to_json(), normalised, "{raw}");
            for c in &convs {
                assert_eq!(fr.matches(&c.subject()), fn_.matches(&c.subject()), "{raw} on {c:?}");
            }
        }
    }

    #[test]
    fn malformed_inputs() {
        let cases = [
            (json!(true), "filter: expected a filter object"),
            (json!("exists"), "filter: expected a filter object"),
            (json!([]), "filter: expected [\"any\""),
            (json!(["any"]), "filter: expected [\"any\""),
            (json!(["all", []]), "filter[0]: unknown combinator \"all\""),
            (json!([1, []]), "filter[0]: expected [\"any\""),
            (json!(["any", {}]), "filter[1]: expected an array of filter objects"),
            (json!(["any", [{}, null]]), "filter[1][1]: expected a filter object"),
            (json!(["any", [["any", []]]]), "filter[1][0]: expected a filter object"),
            (json!(["any", [{}], 1]), "filter: expected [\"any\""),
            (json!({"foo": true}), "filter.foo: unknown field"),
            (json!({"lastMessageAt": [">", 1]}), "filter.lastMessageAt: unknown field"),
            (json!({"isUnread": "true"}), "filter.isUnread: expected true or false"),
            (json!({"hasMessages": null}), "filter.hasMessages: expected true or false"),
            (json!({"access": "Read"}), "filter.access: expected a string filter"),
            (json!({"access": ["==", null]}), "filter.access[1]: expected a string"),
            (json!({"access": ["~", "Read"]}), "filter.access[0]: unknown string operator \"~\""),
            (json!({"access": ["==", "Read", "x"]}), "filter.access: expected a string filter"),
            (json!({"subject": null}), "filter.subject: expected a string filter"),
            (json!({"subject": ["==", 3]}), "filter.subject[1]: expected a string or null"),
            (json!({"subject": ["oneOf", "a"]}), "filter.subject[1]: expected an array of values"),
            (json!({"subject": ["oneOf", ["a", 1]]}), "filter.subject[1][1]: expected a string or null"),
            (json!({"subject": [">", 1]}), "filter.subject[0]: unknown string operator \">\""),
            (json!({"custom": []}), "filter.custom: expected an object"),
            (json!({"custom": {"a": "exist"}}), "filter.custom.a: expected \"exists\", \"!exists\" or a string filter"),
            (json!({"custom": {"a": null}}), "filter.custom.a: expected \"exists\", \"!exists\" or a string filter"),
            (json!({"custom": {"a.b": ["==", null]}}), "filter.custom[\"a.b\"][1]: expected a string"),
            (json!({"custom": {"a": ["oneOf", [null]]}}), "filter.custom.a[1][0]: expected a string"),
            (json!({"createdAt": 5}), "filter.createdAt: expected a number filter"),
            (json!({"createdAt": [">", "5"]}), "filter.createdAt[1]: expected a number"),
            (json!({"createdAt": ["==", 5]}), "filter.createdAt[0]: unknown number operator \"==\""),
            (json!({"createdAt": ["between", [1]]}), "filter.createdAt[1]: expected [low, high]"),
            (json!({"createdAt": ["between", 1]}), "filter.createdAt[1]: expected [low, high]"),
            (json!({"joinedAt": ["between", [1, null]]}), "filter.joinedAt[1][1]: expected a number"),
            (json!({"joinedAt": [null, 1]}), "filter.joinedAt[0]: expected a number filter"),
            (json!(["any", [{"isUnread": true}, {"isUnread": 1}]]), "filter[1][1].isUnread: expected true or false"),
        ];
        for (input, prefix) in cases {
            let reason = error(input.clone());
            assert!(reason.starts_with(prefix), "{input}: got {reason:?}, want prefix {prefix:?}");
        }
    }

    #[test]
    fn errors_in_dropped_parts_are_still_reported() {
        // A sub-filter matching everything does not hide an error in a later one.
        assert!(error(json!(["any", [{}, {"bogus": 1}]])).starts_with("filter[1][1].bogus"));
        // A field matching nothing does not hide an error in another field.
        let reason = error(json!({"access": ["oneOf", []], "isUnread": 1}));
        assert!(reason.starts_with("filter.isUnread"), "{reason}");
    }

    #[test]
    fn error_display_and_long_names() {
        let e = FilterError { reason: "filter.x: bad".into() };
        assert_eq!(e.to_string(), "filter.x: bad");
        let long = "k".repeat(500);
        let reason = error(json!({"custom": { long: 1 }}));
        assert!(reason.len() < 200, "{reason}");
        assert!(reason.starts_with("filter.custom[\"kkkk"), "{reason}");
        let op = "~".repeat(500);
        assert!(error(json!({"access": [op, "x"]})).len() < 300);
    }

    #[test]
    fn limits() {
        let many = |n: usize| Value::Array((0..n).map(|i| json!({"joinedAt": [">", i]})).collect());
        assert!(ConversationFilter::parse(&json!(["any", many(MAX_ANY_FILTERS)])).is_ok());
        assert!(error(json!(["any", many(MAX_ANY_FILTERS + 1)])).starts_with("filter[1]: at most 50 filters"));

        let values = |n: usize| Value::Array((0..n).map(|i| Value::from(i.to_string())).collect());
        assert!(ConversationFilter::parse(&json!({"subject": ["oneOf", values(MAX_ONE_OF_VALUES)]})).is_ok());
        assert!(
            error(json!({"subject": ["!oneOf", values(MAX_ONE_OF_VALUES + 1)]}))
                .starts_with("filter.subject[1]: at most 100 values")
        );
        // The limit counts values before de-duplication.
        let dupes = Value::Array(vec![Value::from("a"); MAX_ONE_OF_VALUES + 1]);
        assert!(
            error(json!({"custom": {"k": ["oneOf", dupes]}})).starts_with("filter.custom.k[1]: at most 100 values")
        );

        let keys = |n: usize| Value::Object((0..n).map(|i| (format!("k{i}"), json!("exists"))).collect());
        assert!(ConversationFilter::parse(&json!({"custom": keys(MAX_CUSTOM_KEYS)})).is_ok());
        assert!(error(json!({"custom": keys(MAX_CUSTOM_KEYS + 1)})).starts_with("filter.custom: at most 50 keys"));
    }

    #[test]
    fn round_trip_through_text() {
        let f = parse(
            json!(["any", [{"createdAt": [">=", 0.25], "subject": ["!oneOf", ["b", null, "a"]]}, {"custom": {"é": "!exists"}}]]),
        );
        let text = serde_json::to_string(&f.to_json()).unwrap_or_default();
        let back: Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(parse(back), f);
    }

    // -----------------------------------------------------------------------
    // Property tests: random raw filters against a direct (un-normalised) evaluator.

    fn string_value() -> impl Strategy<Value = Value> {
        prop_oneof![Just(json!("a")), Just(json!("b")), Just(json!("c")), Just(json!("Read")), Just(json!("ReadWrite"))]
    }

    fn string_filter(null_allowed: bool) -> impl Strategy<Value = Value> {
        let operand = if null_allowed {
            prop_oneof![4 => string_value(), 1 => Just(Value::Null)].boxed()
        } else {
            string_value().boxed()
        };
        prop_oneof![
            (prop_oneof![Just("=="), Just("!=")], operand.clone()).prop_map(|(op, v)| json!([op, v])),
            (prop_oneof![Just("oneOf"), Just("!oneOf")], prop::collection::vec(operand, 0..5))
                .prop_map(|(op, vs)| json!([op, vs])),
        ]
    }

    fn number(integral_only: bool) -> BoxedStrategy<Value> {
        if integral_only {
            (-3i64..14).prop_map(Value::from).boxed()
        } else {
            prop_oneof![(-3i64..14).prop_map(Value::from), (-12i64..56).prop_map(|q| json!(q as f64 / 4.0))].boxed()
        }
    }

    fn number_filter(integral_only: bool) -> impl Strategy<Value = Value> {
        prop_oneof![
            (prop_oneof![Just(">"), Just("<"), Just(">="), Just("<=")], number(integral_only))
                .prop_map(|(op, n)| json!([op, n])),
            (prop_oneof![Just("between"), Just("!between")], number(integral_only), number(integral_only))
                .prop_map(|(op, lo, hi)| json!([op, [lo, hi]])),
        ]
    }

    fn custom_filter() -> impl Strategy<Value = Value> {
        prop_oneof![1 => Just(json!("exists")), 1 => Just(json!("!exists")), 4 => string_filter(false)]
    }

    fn simple_filter(integral_only: bool) -> impl Strategy<Value = Value> {
        (
            prop::option::weighted(0.3, string_filter(false)),
            prop::option::weighted(
                0.4,
                prop::collection::btree_map(prop_oneof![Just("k1"), Just("k2"), Just("k3")], custom_filter(), 0..3),
            ),
            prop::option::weighted(0.2, any::<bool>()),
            prop::option::weighted(0.2, any::<bool>()),
            prop::option::weighted(0.3, string_filter(true)),
            prop::option::weighted(0.3, number_filter(integral_only)),
            prop::option::weighted(0.2, number_filter(integral_only)),
            prop::option::weighted(0.2, number_filter(integral_only)),
        )
            .prop_map(|(access, custom, is_unread, has_messages, subject, last, created, joined)| {
                let mut m = Map::new();
                let fields = [
                    ("access", access),
                    ("custom", custom.map(|c| json!(c))),
                    ("isUnread", is_unread.map(Value::Bool)),
                    ("hasMessages", has_messages.map(Value::Bool)),
                    ("subject", subject),
                    ("lastActivityAt", last),
                    ("createdAt", created),
                    ("joinedAt", joined),
                ];
                for (key, value) in fields {
                    if let Some(value) = value {
                        m.insert(key.into(), value);
                    }
                }
                Value::Object(m)
            })
    }

    fn raw_filter(integral_only: bool) -> impl Strategy<Value = Value> {
        prop_oneof![
            1 => Just(Value::Null),
            4 => simple_filter(integral_only),
            4 => prop::collection::vec(simple_filter(integral_only), 0..4).prop_map(|v| json!(["any", v])),
        ]
    }

    fn conv() -> impl Strategy<Value = Conv> {
        let value = prop_oneof![Just("a"), Just("b"), Just("c")];
        (
            any::<bool>(),
            prop::collection::btree_map(prop_oneof![Just("k1"), Just("k2"), Just("k3")], value.clone(), 0..4),
            any::<bool>(),
            any::<bool>(),
            prop::option::of(prop_oneof![Just("a"), Just("b"), Just("null")]),
            (-4i64..15, -4i64..15, -4i64..15),
        )
            .prop_map(|(read, custom, is_unread, has_messages, subject, (last, created, joined))| Conv {
                access: if read { "Read" } else { "ReadWrite" },
                custom: custom.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
                is_unread,
                has_messages,
                subject: subject.map(str::to_string),
                last_activity_at: last,
                created_at: created,
                joined_at: joined,
            })
    }

    /// Evaluates a raw filter directly from its JSON, without normalising.
    fn reference(filter: &Value, c: &FilterSubject<'_>) -> bool {
        fn string(f: &Value, v: Option<&str>) -> bool {
            let is = |o: &Value| o.as_str() == v;
            match (f[0].as_str(), &f[1]) {
                (Some("=="), o) => is(o),
                (Some("!="), o) => !is(o),
                (Some("oneOf"), Value::Array(os)) => os.iter().any(is),
                (Some("!oneOf"), Value::Array(os)) => !os.iter().any(is),
                _ => unreachable!("{f}"),
            }
        }
        fn number(f: &Value, x: i64) -> bool {
            let x = x as f64;
            let n = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
            match f[0].as_str() {
                Some(">") => x > n(&f[1]),
                Some("<") => x < n(&f[1]),
                Some(">=") => x >= n(&f[1]),
                Some("<=") => x <= n(&f[1]),
                Some("between") => n(&f[1][0]) <= x && x < n(&f[1][1]),
                Some("!between") => !(n(&f[1][0]) <= x && x < n(&f[1][1])),
                _ => unreachable!("{f}"),
            }
        }
        fn simple(m: &Map<String, Value>, c: &FilterSubject<'_>) -> bool {
            m.iter().all(|(k, f)| match k.as_str() {
                "access" => string(f, Some(c.access)),
                "custom" => f.as_object().into_iter().flatten().all(|(key, cf)| {
                    let v = c.custom.get(key).map(String::as_str);
                    match cf.as_str() {
                        Some("exists") => v.is_some(),
                        Some("!exists") => v.is_none(),
                        // Missing: only != and !oneOf pass.
                        _ => match v {
                            Some(v) => string(cf, Some(v)),
                            None => matches!(cf[0].as_str(), Some("!=" | "!oneOf")),
                        },
                    }
                }),
                "isUnread" => f.as_bool() == Some(c.is_unread),
                "hasMessages" => f.as_bool() == Some(c.has_messages),
                "subject" => string(f, c.subject),
                "lastActivityAt" => number(f, c.last_activity_at),
                "createdAt" => number(f, c.created_at),
                "joinedAt" => number(f, c.joined_at),
                _ => unreachable!("{k}"),
            })
        }
        match filter {
            Value::Null => true,
            Value::Object(m) => simple(m, c),
            _ => filter[1].as_array().into_iter().flatten().any(|s| s.as_object().is_some_and(|m| simple(m, c))),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn normalised_filter_agrees_with_raw_evaluation(raw in raw_filter(true), convs in prop::collection::vec(conv(), 1..8)) {
            let f = ConversationFilter::parse(&raw).map_err(|e| TestCaseError::fail(e.reason))?;
            let canonical = ConversationFilter::parse(&f.to_json()).map_err(|e| TestCaseError::fail(e.reason))?;
            for c in &convs {
                let expected = reference(&raw, &c.subject());
                prop_assert_eq!(f.matches(&c.subject()), expected, "{} on {:?}", raw, c);
                prop_assert_eq!(canonical.matches(&c.subject()), expected, "canonical {} on {:?}", f.to_json(), c);
                if f.matches_nothing() {
                    prop_assert!(!expected);
                }
                if f.matches_everything() {
                    prop_assert!(expected);
                }
            }
        }

        #[test]
        fn to_json_round_trips(raw in raw_filter(false)) {
            let f = ConversationFilter::parse(&raw).map_err(|e| TestCaseError::fail(e.reason))?;
            let json = f.to_json();
            let back = ConversationFilter::parse(&json).map_err(|e| TestCaseError::fail(e.reason))?;
            prop_assert_eq!(&back, &f, "{} -> {}", raw, json);
            prop_assert_eq!(back.to_json(), json.clone());
            let text = serde_json::to_string(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let reparsed: Value = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(ConversationFilter::parse(&reparsed).ok(), Some(f));
        }

        #[test]
        fn canonical_form_is_normalised(raw in raw_filter(false)) {
            let json = ConversationFilter::parse(&raw).map_err(|e| TestCaseError::fail(e.reason))?.to_json();
            let text = json.to_string();
            prop_assert!(!text.contains("\">=\"") && !text.contains("\"<=\""), "{}", text);
            prop_assert!(!text.contains("[\"oneOf\",[]]") && !text.contains("[\"!oneOf\",[]]"), "{}", text);
            prop_assert!(!text.contains("[\"any\",[{}") && !text.contains("\"access\":[\"!="), "{}", text);
        }

        #[test]
        fn arbitrary_json_never_panics(raw in arbitrary_json()) {
            if let Ok(f) = ConversationFilter::parse(&raw) {
                prop_assert_eq!(ConversationFilter::parse(&f.to_json()).ok(), Some(f));
            }
        }
    }

    fn arbitrary_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-5i64..5).prop_map(Value::from),
            prop_oneof![
                Just("any"),
                Just("=="),
                Just("!="),
                Just("oneOf"),
                Just("!oneOf"),
                Just(">"),
                Just(">="),
                Just("between"),
                Just("!between"),
                Just("exists"),
                Just("!exists"),
                Just("Read"),
                Just("x"),
            ]
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            let key = prop_oneof![
                Just("access"),
                Just("custom"),
                Just("isUnread"),
                Just("subject"),
                Just("joinedAt"),
                Just("k"),
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(key, inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
            ]
        })
    }
}
