//! TalkJS-compatible text markup.
//!
//! [`parse`] turns the legacy `text` form of a message (`*bold*`, `_italic_`,
//! bullet lists, mentions, links, …) into the children of one text block,
//! [`to_markup`] turns such children back into the legacy form, and
//! [`plaintext`] projects a whole message onto plain text (notifications,
//! search, conversation previews).
//!
//! The parser is a set of hand-written scanners run as a pipeline:
//!
//! 1. code spans (```` ```…``` ````, may span lines; nothing inside is parsed);
//! 2. bullet lists (runs of `- item` lines) in the text between code spans;
//! 3. every remaining line, and every bullet item, goes through the
//!    single-line steps in this order: mention, custom emoji, labelled link,
//!    action link/button, wiki text (bold/italic/strikethrough), autolink,
//!    phone autolink.
//!
//! A step only looks at the plain text left over by the steps before it, so a
//! node found by an earlier step is opaque to the later ones. Code spans are
//! taken before bullet lists so that the inside of a code span is never
//! parsed.
//!
//! Guarantees relied on by callers and checked by the tests:
//! * `parse` never panics and never produces two adjacent plain strings or an
//!   empty plain string;
//! * `parse(&to_markup(&parse(s, o)), o) == parse(s, o)`;
//! * for input of at most 20,000 bytes, the output passes
//!   [`super::validate_content`] with the matching policy (the parser stops
//!   creating nodes after `MAX_PARSED_NODES` of them, which keeps the node
//!   count within the validator's limit).

use std::collections::{BTreeMap, HashSet};

use super::node::{ContentBlock, FileBlock, FileSubtype, Node, TextNode};

/// What the parser may produce besides the formatting everyone may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Recognise `<url|label>` links and `<actionlink:…|…>` /
    /// `<actionbutton:…|…>` actions. Only trusted senders (the REST API) get
    /// these; for users those forms stay plain text.
    pub links_and_actions: bool,
}

impl ParseOptions {
    /// Options for text sent through the REST API.
    pub const REST: ParseOptions = ParseOptions { links_and_actions: true };
    /// Options for text sent by a user through a client.
    pub const USER: ParseOptions = ParseOptions { links_and_actions: false };
}

/// The most typed (non-plain) nodes one `parse` call creates. Whatever
/// markup remains after that stays plain text. Each typed node adds at most
/// two plain strings around or inside it, so the output holds at most
/// `3 * MAX_PARSED_NODES + 1` nodes, below the validator's 5,000.
const MAX_PARSED_NODES: usize = 1600;

const MENTION_PREFIX: &str = "<!!mention:";
const EMOJI_PREFIX: &str = "<!!customemoji:";
const ACTIONLINK_PREFIX: &str = "actionlink:";
const ACTIONBUTTON_PREFIX: &str = "actionbutton:";
const MAX_EMOJI_NAME: usize = 48;

/// Parses legacy markup into the children of one text block.
pub fn parse(text: &str, opts: ParseOptions) -> Vec<TextNode> {
    parse_with_budget(text, opts, MAX_PARSED_NODES)
}

fn parse_with_budget(text: &str, opts: ParseOptions, budget: usize) -> Vec<TextNode> {
    let mut parser = Parser { opts, budget };
    let mut out = Vec::new();
    parser.document(text, &mut out);
    out
}

/// Turns text nodes back into the legacy markup form.
pub fn to_markup(nodes: &[TextNode]) -> String {
    let mut writer = MarkupWriter::default();
    writer.nodes(nodes);
    writer.finish()
}

/// Plain text of a whole message: blocks joined by a blank line.
pub fn plaintext(blocks: &[ContentBlock]) -> String {
    let mut out = String::new();
    for (i, block) in blocks.iter().enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        match block {
            ContentBlock::Text { children } => write_plaintext(children, &mut out),
            ContentBlock::File(file) => file_plaintext(file, &mut out),
            ContentBlock::Location { .. } => out.push('📍'),
        }
    }
    out
}

/// Plain text of the children of one text block.
pub fn nodes_plaintext(nodes: &[TextNode]) -> String {
    let mut out = String::new();
    write_plaintext(nodes, &mut out);
    out
}

/// The ids of all mention nodes in the text blocks, each once, in order of
/// first appearance.
pub fn mentioned_user_ids(blocks: &[ContentBlock]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    for block in blocks {
        if let ContentBlock::Text { children } = block {
            collect_mentions(children, &mut seen, &mut ids);
        }
    }
    ids
}

/// Whether `url` may be the target of a labelled link: `http://` or
/// `https://` followed by a host, or `mailto:` followed by something.
/// The scheme is matched case-insensitively.
pub(crate) fn is_link_url(url: &str) -> bool {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    if let Some(rest) = strip_prefix_ci(url, "https://").or_else(|| strip_prefix_ci(url, "http://")) {
        return rest.chars().next().is_some_and(|c| !matches!(c, '/' | '?' | '#'));
    }
    strip_prefix_ci(url, "mailto:").is_some_and(|rest| !rest.is_empty())
}

/// The `tel:` URL for a phone number as written: its digits, and a `+` if it
/// starts with one.
pub(crate) fn phone_url(text: &str) -> String {
    let mut url = String::with_capacity(text.len() + 4);
    url.push_str("tel:");
    if text.starts_with('+') {
        url.push('+');
    }
    url.extend(text.chars().filter(char::is_ascii_digit));
    url
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

struct Parser {
    opts: ParseOptions,
    /// Typed nodes the parser may still create.
    budget: usize,
}

/// A piece of a line while the single-line steps run: text not yet claimed
/// by a step, or a node an earlier step produced.
enum Piece<'a> {
    Text(&'a str),
    Node(Node),
}

#[derive(Clone, Copy)]
enum Step {
    Mention,
    Emoji,
    Link,
    Action,
}

const BOLD: u8 = 1;
const ITALIC: u8 = 2;
const STRIKE: u8 = 4;
const ALL_STYLES: u8 = BOLD | ITALIC | STRIKE;

impl Parser {
    fn take(&mut self) -> bool {
        if self.budget == 0 {
            false
        } else {
            self.budget -= 1;
            true
        }
    }

    /// Code spans first, then everything between them.
    fn document(&mut self, text: &str, out: &mut Vec<TextNode>) {
        let mut pos = 0;
        while self.budget > 0 {
            let Some(open) = find_from(text, pos, "```") else {
                break;
            };
            let inner = open + 3;
            let Some(first) = text[inner..].chars().next() else {
                break;
            };
            // The first "```" with no closing "```" after it means no later
            // one has a closing one either.
            let Some(close) = find_from(text, inner + first.len_utf8(), "```") else {
                break;
            };
            self.budget -= 1;
            self.segment(&text[pos..open], out);
            out.push(TextNode::Node(Node::CodeSpan { text: text[inner..close].to_owned() }));
            pos = close + 3;
        }
        self.segment(&text[pos..], out);
    }

    /// Text outside code spans: bullet lists, then lines.
    fn segment(&mut self, seg: &str, out: &mut Vec<TextNode>) {
        let mut plain_start = 0;
        let mut line_start = 0;
        while line_start < seg.len() {
            let line_end = find_from(seg, line_start, "\n").unwrap_or(seg.len());
            if bullet_content_start(&seg[line_start..line_end]).is_none() {
                line_start = line_end + 1;
                continue;
            }
            // A run of bullet lines starts here. Text before it comes first
            // (it may use up the node budget).
            self.lines(&seg[plain_start..line_start], out);
            plain_start = line_start;
            if self.budget < 2 {
                line_start = line_end + 1;
                continue;
            }
            self.budget -= 1;
            let mut items = Vec::new();
            let mut start = line_start;
            while start < seg.len() {
                let end = find_from(seg, start, "\n").unwrap_or(seg.len());
                let Some(content) = bullet_content_start(&seg[start..end]) else {
                    break;
                };
                if !self.take() {
                    break;
                }
                let mut children = Vec::new();
                self.inline(&seg[start + content..end], &mut children);
                items.push(TextNode::Node(Node::BulletPoint { children }));
                // The newline that ends the list belongs to the list.
                start = (end + 1).min(seg.len());
            }
            out.push(TextNode::Node(Node::BulletList { children: items }));
            plain_start = start;
            line_start = start;
        }
        self.lines(&seg[plain_start..], out);
    }

    /// Plain (non-list) text: every line separately, newlines kept as text.
    fn lines(&mut self, text: &str, out: &mut Vec<TextNode>) {
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                push_text(out, "\n");
            }
            self.inline(line, out);
        }
    }

    /// The single-line steps on one line.
    fn inline(&mut self, line: &str, out: &mut Vec<TextNode>) {
        if line.is_empty() {
            return;
        }
        let mut pieces = vec![Piece::Text(line)];
        if line.contains('<') {
            pieces = self.split(pieces, Step::Mention);
        }
        if line.contains([':', '<']) {
            pieces = self.split(pieces, Step::Emoji);
        }
        if self.opts.links_and_actions && line.contains('<') {
            pieces = self.split(pieces, Step::Link);
            pieces = self.split(pieces, Step::Action);
        }
        for piece in pieces {
            match piece {
                Piece::Node(node) => out.push(TextNode::Node(node)),
                Piece::Text(text) => self.wiki(text, ALL_STYLES, true, out),
            }
        }
    }

    /// Runs one step over the unclaimed text pieces.
    fn split<'a>(&mut self, pieces: Vec<Piece<'a>>, step: Step) -> Vec<Piece<'a>> {
        let mut result = Vec::with_capacity(pieces.len());
        for piece in pieces {
            let Piece::Text(text) = piece else {
                result.push(piece);
                continue;
            };
            let mut pos = 0;
            while self.budget > 0 {
                let found = match step {
                    Step::Mention => find_mention(text, pos),
                    Step::Emoji => find_emoji(text, pos),
                    Step::Link => find_link(text, pos),
                    Step::Action => find_action(text, pos),
                };
                let Some(found) = found else {
                    break;
                };
                self.budget -= 1;
                if found.start > pos {
                    result.push(Piece::Text(&text[pos..found.start]));
                }
                let node = match found.kind {
                    Found::Mention { id, name } => Node::Mention { id: percent_decode(id), text: name.to_owned() },
                    Found::Emoji { name } => Node::CustomEmoji { text: format!(":{name}:") },
                    Found::Link { url, label } => Node::Link { url: url.to_owned(), children: self.label(label) },
                    Found::Action { button, action, params, label } => {
                        let action = action.to_owned();
                        let params = parse_params(params);
                        let children = self.label(label);
                        if button {
                            Node::ActionButton { action, params, children }
                        } else {
                            Node::ActionLink { action, params, children }
                        }
                    }
                };
                result.push(Piece::Node(node));
                pos = found.end;
            }
            if pos < text.len() {
                result.push(Piece::Text(&text[pos..]));
            }
        }
        result
    }

    /// Children of a link or action label: wiki text only, no autolinks.
    fn label(&mut self, label: &str) -> Vec<TextNode> {
        let mut children = Vec::new();
        self.wiki(label, ALL_STYLES, false, &mut children);
        children
    }

    /// Bold, italic and strikethrough in `s`, with the styles in `styles`
    /// still allowed (a style cannot nest inside itself). Text outside the
    /// markers goes on to the autolink steps when `links` is set.
    fn wiki(&mut self, s: &str, styles: u8, links: bool, out: &mut Vec<TextNode>) {
        let bytes = s.as_bytes();
        if self.budget == 0 || !bytes.iter().any(|&b| style_of(b) & styles != 0) {
            self.leaf(s, links, out);
            return;
        }
        // Closing markers do not depend on where the opening one is: the
        // character before must not be whitespace or the marker, the one
        // after must be a boundary.
        let mut closes: [Vec<usize>; 3] = Default::default();
        for (j, &b) in bytes.iter().enumerate().skip(1) {
            let style = style_of(b);
            if style & styles == 0 {
                continue;
            }
            let Some(before) = prev_char(s, j) else {
                continue;
            };
            if before.is_whitespace() || before == char::from(b) {
                continue;
            }
            if s[j + 1..].chars().next().is_some_and(|c| !is_wiki_boundary(c)) {
                continue;
            }
            closes[style_index(style)].push(j);
        }
        let mut cursors = [0usize; 3];
        let mut plain_start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let style = style_of(b);
            if style & styles == 0 || self.budget == 0 || !wiki_can_open(s, i, b) {
                i += 1;
                continue;
            }
            let k = style_index(style);
            while cursors[k] < closes[k].len() && closes[k][cursors[k]] < i + 2 {
                cursors[k] += 1;
            }
            let Some(&close) = closes[k].get(cursors[k]) else {
                i += 1;
                continue;
            };
            self.budget -= 1;
            self.leaf(&s[plain_start..i], links, out);
            let mut children = Vec::new();
            self.wiki(&s[i + 1..close], styles & !style, links, &mut children);
            out.push(TextNode::Node(match style {
                BOLD => Node::Bold { children },
                ITALIC => Node::Italic { children },
                _ => Node::Strikethrough { children },
            }));
            i = close + 1;
            plain_start = i;
        }
        self.leaf(&s[plain_start..], links, out);
    }

    /// Autolinks, then phone numbers, in text no earlier step claimed.
    fn leaf(&mut self, s: &str, links: bool, out: &mut Vec<TextNode>) {
        if !links {
            push_text(out, s);
            return;
        }
        let mut pos = 0;
        while self.budget > 0 {
            let Some((start, end, url)) = find_autolink(s, pos) else {
                break;
            };
            self.budget -= 1;
            self.phones(&s[pos..start], out);
            out.push(TextNode::Node(Node::AutoLink { url, text: s[start..end].to_owned() }));
            pos = end;
        }
        self.phones(&s[pos..], out);
    }

    fn phones(&mut self, s: &str, out: &mut Vec<TextNode>) {
        let mut pos = 0;
        while self.budget > 0 {
            let Some((start, end)) = find_phone(s, pos) else {
                break;
            };
            self.budget -= 1;
            push_text(out, &s[pos..start]);
            let text = &s[start..end];
            out.push(TextNode::Node(Node::AutoLink { url: phone_url(text), text: text.to_owned() }));
            pos = end;
        }
        push_text(out, &s[pos..]);
    }
}

/// Appends plain text, merging it into a plain string before it.
fn push_text(out: &mut Vec<TextNode>, s: &str) {
    if s.is_empty() {
        return;
    }
    if let Some(TextNode::Plain(last)) = out.last_mut() {
        last.push_str(s);
    } else {
        out.push(TextNode::Plain(s.to_owned()));
    }
}

fn find_from(haystack: &str, from: usize, needle: &str) -> Option<usize> {
    haystack.get(from..)?.find(needle).map(|i| i + from)
}

fn prev_char(s: &str, i: usize) -> Option<char> {
    s[..i].chars().next_back()
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) { Some(&s[prefix.len()..]) } else { None }
}

/// End of the longest run from `start` whose characters satisfy `keep`.
fn scan_while(s: &str, start: usize, keep: impl Fn(char) -> bool) -> usize {
    s[start..].char_indices().find(|&(_, c)| !keep(c)).map_or(s.len(), |(k, _)| start + k)
}

// --- bullet lists ----------------------------------------------------------

fn is_hspace(c: char) -> bool {
    c != '\n' && c.is_whitespace()
}

/// If `line` is a bullet line (`^\s*[-*+]\s+\S`), where its item text starts.
fn bullet_content_start(line: &str) -> Option<usize> {
    let rest = line.trim_start_matches(is_hspace);
    let after_marker = rest.strip_prefix(['-', '*', '+'])?;
    let content = after_marker.trim_start_matches(is_hspace);
    if content.len() == after_marker.len() || content.is_empty() {
        return None;
    }
    Some(line.len() - content.len())
}

// --- mentions, emoji, links, actions ----------------------------------------

struct Match<'a> {
    start: usize,
    end: usize,
    kind: Found<'a>,
}

enum Found<'a> {
    Mention { id: &'a str, name: &'a str },
    Emoji { name: &'a str },
    Link { url: &'a str, label: &'a str },
    Action { button: bool, action: &'a str, params: &'a str, label: &'a str },
}

/// `|label>` at `pos`: the label (no `<` or `>`, not empty) and the end.
fn match_label(s: &str, pos: usize) -> Option<(&str, usize)> {
    if !s[pos..].starts_with('|') {
        return None;
    }
    let start = pos + 1;
    let end = scan_while(s, start, |c| !matches!(c, '<' | '>'));
    if end == start || !s[end..].starts_with('>') {
        return None;
    }
    Some((&s[start..end], end + 1))
}

/// Characters of a mention id, action name or link URL.
fn is_target_char(c: char) -> bool {
    !(c.is_whitespace() || c.is_control() || matches!(c, '|' | '<' | '>'))
}

/// `<!!mention:ID|Name>`.
fn find_mention(s: &str, from: usize) -> Option<Match<'_>> {
    let mut pos = from;
    while let Some(start) = find_from(s, pos, MENTION_PREFIX) {
        let id_start = start + MENTION_PREFIX.len();
        let id_end = scan_while(s, id_start, is_target_char);
        if id_end > id_start
            && let Some((name, end)) = match_label(s, id_end)
        {
            return Some(Match { start, end, kind: Found::Mention { id: &s[id_start..id_end], name } });
        }
        pos = start + 1;
    }
    None
}

fn is_emoji_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-')
}

/// Characters that may not touch a bare `:name:` emoji.
fn is_emoji_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '+' | '-' | ':')
}

/// End of an emoji name starting at `start`, if it is 1..=48 bytes long
/// and followed by `terminator`.
fn emoji_name_end(bytes: &[u8], start: usize, terminator: u8) -> Option<usize> {
    let mut end = start;
    while end < bytes.len() && end - start <= MAX_EMOJI_NAME && is_emoji_name_byte(bytes[end]) {
        end += 1;
    }
    let len = end - start;
    ((1..=MAX_EMOJI_NAME).contains(&len) && bytes.get(end) == Some(&terminator)).then_some(end)
}

/// `<!!customemoji:NAME>` or a bare `:name:` standing on its own.
fn find_emoji(s: &str, from: usize) -> Option<Match<'_>> {
    let bytes = s.as_bytes();
    for i in from..bytes.len() {
        match bytes[i] {
            b'<' if s[i..].starts_with(EMOJI_PREFIX) => {
                let name_start = i + EMOJI_PREFIX.len();
                if let Some(name_end) = emoji_name_end(bytes, name_start, b'>') {
                    return Some(Match {
                        start: i,
                        end: name_end + 1,
                        kind: Found::Emoji { name: &s[name_start..name_end] },
                    });
                }
            }
            b':' if !prev_char(s, i).is_some_and(is_emoji_word) => {
                if let Some(name_end) = emoji_name_end(bytes, i + 1, b':')
                    && !s[name_end + 1..].chars().next().is_some_and(is_emoji_word)
                {
                    return Some(Match {
                        start: i,
                        end: name_end + 1,
                        kind: Found::Emoji { name: &s[i + 1..name_end] },
                    });
                }
            }
            _ => {}
        }
    }
    None
}

/// `<URL|label>` with an http(s) or mailto URL.
fn find_link(s: &str, from: usize) -> Option<Match<'_>> {
    let mut pos = from;
    while let Some(start) = find_from(s, pos, "<") {
        let url_start = start + 1;
        let url_end = scan_while(s, url_start, is_target_char);
        let url = &s[url_start..url_end];
        if is_link_url(url)
            && let Some((label, end)) = match_label(s, url_end)
        {
            return Some(Match { start, end, kind: Found::Link { url, label } });
        }
        pos = url_start;
    }
    None
}

/// `<actionlink:ACTION?k=v|label>` or `<actionbutton:ACTION?k=v|label>`.
fn find_action(s: &str, from: usize) -> Option<Match<'_>> {
    let mut pos = from;
    while let Some(start) = find_from(s, pos, "<") {
        pos = start + 1;
        let rest = &s[pos..];
        let (button, prefix_len) = if rest.starts_with(ACTIONLINK_PREFIX) {
            (false, ACTIONLINK_PREFIX.len())
        } else if rest.starts_with(ACTIONBUTTON_PREFIX) {
            (true, ACTIONBUTTON_PREFIX.len())
        } else {
            continue;
        };
        let action_start = pos + prefix_len;
        let action_end = scan_while(s, action_start, |c| is_target_char(c) && c != '?');
        if action_end == action_start {
            continue;
        }
        let (params, params_end) = if s[action_end..].starts_with('?') {
            let end = scan_while(s, action_end + 1, is_target_char);
            (&s[action_end + 1..end], end)
        } else {
            ("", action_end)
        };
        if let Some((label, end)) = match_label(s, params_end) {
            return Some(Match {
                start,
                end,
                kind: Found::Action { button, action: &s[action_start..action_end], params, label },
            });
        }
    }
    None
}

fn parse_params(query: &str) -> BTreeMap<String, String> {
    let mut params = BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(percent_decode(key), percent_decode(value));
    }
    params
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits stays as it
/// is, and bytes that are not UTF-8 become U+FFFD.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex_value(bytes[i + 1]), hex_value(bytes[i + 2]))
        {
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    match String::from_utf8(out) {
        Ok(decoded) => decoded,
        Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
    }
}

/// Percent-encodes everything but the URL-unreserved characters.
fn percent_encode(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

// --- wiki text -------------------------------------------------------------

fn style_of(b: u8) -> u8 {
    match b {
        b'*' => BOLD,
        b'_' => ITALIC,
        b'~' => STRIKE,
        _ => 0,
    }
}

fn style_index(style: u8) -> usize {
    match style {
        BOLD => 0,
        ITALIC => 1,
        _ => 2,
    }
}

/// Characters next to which a wiki marker counts as a marker.
fn is_wiki_boundary(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '’' | '\''
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '<'
                | '>'
                | ':'
                | ','
                | '‒'
                | '–'
                | '—'
                | '―'
                | '…'
                | '!'
                | '.'
                | '«'
                | '»'
                | '-'
                | '‐'
                | '?'
                | '‘'
                | '“'
                | '”'
                | ';'
                | '/'
                | '⁄'
                | '␠'
                | '·'
                | '&'
                | '@'
                | '*'
                | '\\'
                | '•'
                | '^'
                | '¤'
                | '¢'
                | '$'
                | '€'
                | '£'
                | '¥'
                | '₩'
                | '₪'
                | '†'
                | '‡'
                | '°'
                | '¡'
                | '¿'
                | '¬'
                | '#'
                | '№'
                | '%'
                | '‰'
                | '‱'
                | '¶'
                | '′'
                | '§'
                | '~'
                | '¨'
                | '_'
                | '|'
                | '¦'
                | '⁂'
                | '☞'
                | '∴'
                | '‽'
                | '※'
        )
}

/// Whether the marker `m` at `i` may open a span: a boundary before it, and
/// content after it that starts with neither whitespace nor the marker.
fn wiki_can_open(s: &str, i: usize, m: u8) -> bool {
    if prev_char(s, i).is_some_and(|c| !is_wiki_boundary(c)) {
        return false;
    }
    s[i + 1..].chars().next().is_some_and(|c| !c.is_whitespace() && c != char::from(m))
}

// --- autolinks -------------------------------------------------------------

/// Top-level domains a bare `name.tld` is linked for.
const TLDS: &[&str] = &[
    "ai", "app", "at", "au", "be", "biz", "blog", "br", "ca", "cc", "ch", "cloud", "cn", "co", "com", "cz", "de",
    "dev", "dk", "edu", "es", "eu", "fi", "fm", "fr", "gg", "gov", "gr", "hu", "ie", "in", "info", "int", "io", "it",
    "jp", "me", "mil", "mx", "net", "nl", "no", "nu", "nz", "online", "org", "page", "pl", "pt", "ro", "ru", "se",
    "shop", "site", "sk", "store", "tech", "tv", "uk", "us", "xyz", "za",
];

/// Whether a link may start right after `prev`.
fn link_boundary(prev: Option<char>) -> bool {
    prev.is_none_or(|c| {
        !(c.is_alphanumeric()
            || matches!(c, '.' | '-' | '_' | '@' | '/' | '%' | '+' | '~' | '#' | '=' | '&' | '\\' | '$'))
    })
}

fn is_url_char(c: char) -> bool {
    !(c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '|' | '`'))
}

fn is_label_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// Cuts trailing punctuation off the URL `s[start..end]`, but never below
/// `min_end`. A `)` stays when the URL has an unmatched `(`.
fn trim_url_end(s: &str, start: usize, mut end: usize, min_end: usize) -> usize {
    let url = &s[start..end];
    let opens = url.matches('(').count();
    let mut closes = url.matches(')').count();
    let bytes = s.as_bytes();
    while end > min_end {
        match bytes[end - 1] {
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' | b'"' => end -= 1,
            b')' if closes > opens => {
                closes -= 1;
                end -= 1;
            }
            _ => break,
        }
    }
    end
}

/// Scans `label(.label)*` from `start`; returns the end and the start of
/// the last label.
fn scan_host(bytes: &[u8], start: usize) -> Option<(usize, usize)> {
    let mut label_start = start;
    let mut pos = start;
    loop {
        while pos < bytes.len() && is_label_byte(bytes[pos]) {
            pos += 1;
        }
        if pos == label_start {
            return None;
        }
        if pos + 1 < bytes.len() && bytes[pos] == b'.' && is_label_byte(bytes[pos + 1]) {
            pos += 1;
            label_start = pos;
        } else {
            return Some((pos, label_start));
        }
    }
}

/// Whether the character at `end` lets a host end there.
fn host_may_end(s: &str, end: usize) -> bool {
    !s[end..].chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '@')
}

/// Finds the first web address or email address in `s` at or after `from`:
/// `(start, end, url)`.
fn find_autolink(s: &str, from: usize) -> Option<(usize, usize, String)> {
    let bytes = s.as_bytes();
    for (i, b) in bytes.iter().enumerate().skip(from) {
        if b.is_ascii_alphanumeric()
            && link_boundary(prev_char(s, i))
            && let Some(found) = autolink_at(s, i)
        {
            return Some(found);
        }
    }
    None
}

fn autolink_at(s: &str, i: usize) -> Option<(usize, usize, String)> {
    let rest = &s[i..];
    let bytes = s.as_bytes();
    // Scheme URL.
    let scheme_len = if strip_prefix_ci(rest, "https://").is_some() {
        8
    } else if strip_prefix_ci(rest, "http://").is_some() {
        7
    } else {
        0
    };
    if scheme_len > 0 {
        let host = i + scheme_len;
        if !s[host..].chars().next().is_some_and(char::is_alphanumeric) {
            return None;
        }
        let body_end = scan_while(s, host, is_url_char);
        let end = trim_url_end(s, i, body_end, host + 1);
        return Some((i, end, s[i..end].to_owned()));
    }
    // www.
    if strip_prefix_ci(rest, "www.").is_some() {
        let host = i + 4;
        if s[host..].chars().next().is_some_and(char::is_alphanumeric) {
            let body_end = scan_while(s, host, is_url_char);
            let end = trim_url_end(s, i, body_end, host + 1);
            return Some((i, end, format!("https://{}", &s[i..end])));
        }
    }
    // Email address.
    let mut local_end = i;
    while local_end < bytes.len()
        && (bytes[local_end].is_ascii_alphanumeric() || matches!(bytes[local_end], b'.' | b'_' | b'%' | b'+' | b'-'))
    {
        local_end += 1;
    }
    if bytes.get(local_end) == Some(&b'@') {
        let domain = local_end + 1;
        if let Some((end, tld_start)) = scan_host(bytes, domain)
            && tld_start > domain
            && end - tld_start >= 2
            && bytes[tld_start..end].iter().all(u8::is_ascii_alphabetic)
            && host_may_end(s, end)
        {
            return Some((i, end, format!("mailto:{}", &s[i..end])));
        }
        return None;
    }
    // Bare domain with a known TLD.
    let (host_end, tld_start) = scan_host(bytes, i)?;
    let tld = &s[tld_start..host_end];
    if tld_start == i || !TLDS.iter().any(|t| t.eq_ignore_ascii_case(tld)) || !host_may_end(s, host_end) {
        return None;
    }
    let mut end = host_end;
    // Port.
    if bytes.get(end) == Some(&b':') {
        let digits = end + 1;
        let mut port_end = digits;
        while port_end < bytes.len() && bytes[port_end].is_ascii_digit() && port_end - digits < 5 {
            port_end += 1;
        }
        if port_end > digits && host_may_end(s, port_end) && !bytes.get(port_end).is_some_and(u8::is_ascii_digit) {
            end = port_end;
        }
    }
    // Path, query or fragment.
    if matches!(bytes.get(end), Some(b'/' | b'?' | b'#')) {
        let body_end = scan_while(s, end, is_url_char);
        end = trim_url_end(s, i, body_end, end);
    }
    Some((i, end, format!("https://{}", &s[i..end])))
}

// --- phone numbers ---------------------------------------------------------

/// ASCII word characters plus `-`, `:` and `/`: what may not touch a number.
fn is_phone_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '/')
}

fn is_phone_separator(b: u8) -> bool {
    matches!(b, b'-' | b'_' | b'+' | b' ' | b'(' | b')' | b'.')
}

/// Finds `[(+]?\d(?:[-_+ ().]?\d){5,11}\d` standing on its own; skips year
/// ranges, time ranges and dates.
fn find_phone(s: &str, from: usize) -> Option<(usize, usize)> {
    let bytes = s.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        if (b.is_ascii_digit() || b == b'(' || b == b'+')
            && !prev_char(s, i).is_some_and(is_phone_word)
            && let Some(end) = phone_at(s, i)
        {
            if !is_number_range_or_date(&s[i..end]) {
                return Some((i, end));
            }
            i = end;
            continue;
        }
        i += 1;
    }
    None
}

fn phone_at(s: &str, start: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut pos = start;
    if matches!(bytes[pos], b'(' | b'+') {
        pos += 1;
    }
    if !bytes.get(pos).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    pos += 1;
    // ends[k]: end of the (k+1)-th digit, if it directly follows a digit.
    let mut ends: Vec<Option<usize>> = Vec::with_capacity(13);
    ends.push(None);
    while ends.len() < 13 {
        if bytes.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
            ends.push(Some(pos));
        } else if bytes.get(pos).is_some_and(|&b| is_phone_separator(b))
            && bytes.get(pos + 1).is_some_and(u8::is_ascii_digit)
        {
            pos += 2;
            ends.push(None);
        } else {
            break;
        }
    }
    // Longest match of 7..=13 digits whose last digit has no separator
    // before it and which is followed by a non-word character.
    (7..=ends.len()).rev().find_map(|count| {
        let end = ends[count - 1]?;
        (!s[end..].chars().next().is_some_and(is_phone_word)).then_some(end)
    })
}

/// `2019-2020`, `9.00-17.30`, `2024-01-15`, `15.01.2024` and the like.
fn is_number_range_or_date(text: &str) -> bool {
    let groups: Vec<&str> = text.split(['-', '.']).collect();
    if groups.iter().any(|g| g.is_empty() || !g.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    let dashes = text.bytes().filter(|&b| b == b'-').count();
    let is_year = |g: &str| g.starts_with("19") || g.starts_with("20");
    match lens.as_slice() {
        // Year range.
        [4, 4] => dashes == 1,
        // Time range: H.MM-H.MM.
        [1 | 2, 2, 1 | 2, 2] => dashes == 1 && text.split('-').all(|half| half.contains('.')),
        // Dates: YYYY-MM-DD, DD.MM.YYYY, DD-MM-YYYY.
        [4, 1 | 2, 1 | 2] => is_year(groups[0]),
        [1 | 2, 1 | 2, 4] => is_year(groups[2]),
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// to_markup
// ---------------------------------------------------------------------------

#[derive(Default)]
struct MarkupWriter {
    out: String,
    /// Byte ranges of emoji written as bare `:name:`; `finish` decides
    /// whether each may stay bare.
    emojis: Vec<(usize, usize)>,
}

fn is_bare_emoji_name(name: &str) -> bool {
    (1..=MAX_EMOJI_NAME).contains(&name.len()) && name.bytes().all(is_emoji_name_byte)
}

impl MarkupWriter {
    fn nodes(&mut self, nodes: &[TextNode]) {
        for (i, node) in nodes.iter().enumerate() {
            match node {
                TextNode::Plain(text) => self.out.push_str(text),
                TextNode::Node(node) => self.node(node, i + 1 < nodes.len()),
            }
        }
    }

    fn wrap(&mut self, marker: &str, children: &[TextNode]) {
        self.out.push_str(marker);
        self.nodes(children);
        self.out.push_str(marker);
    }

    fn node(&mut self, node: &Node, more_follows: bool) {
        match node {
            Node::Bold { children } => self.wrap("*", children),
            Node::Italic { children } => self.wrap("_", children),
            Node::Strikethrough { children } => self.wrap("~", children),
            Node::CodeSpan { text } => {
                self.out.push_str("```");
                self.out.push_str(text);
                self.out.push_str("```");
            }
            Node::BulletList { children } => {
                for (i, item) in children.iter().enumerate() {
                    if i > 0 {
                        self.out.push('\n');
                    }
                    self.out.push_str("- ");
                    match item {
                        TextNode::Node(Node::BulletPoint { children }) => self.nodes(children),
                        other => self.nodes(std::slice::from_ref(other)),
                    }
                }
                if more_follows {
                    self.out.push('\n');
                }
            }
            Node::BulletPoint { children } => {
                self.out.push_str("- ");
                self.nodes(children);
            }
            Node::Link { url, children } => {
                self.out.push('<');
                self.out.push_str(url);
                self.out.push('|');
                self.nodes(children);
                self.out.push('>');
            }
            Node::AutoLink { text, .. } => self.out.push_str(text),
            Node::ActionLink { action, params, children } => self.action("actionlink:", action, params, children),
            Node::ActionButton { action, params, children } => self.action("actionbutton:", action, params, children),
            Node::CustomEmoji { text } => {
                let name =
                    text.strip_prefix(':').and_then(|t| t.strip_suffix(':')).filter(|name| is_bare_emoji_name(name));
                if name.is_some() {
                    let start = self.out.len();
                    self.out.push_str(text);
                    self.emojis.push((start, self.out.len()));
                } else {
                    self.out.push_str(text);
                }
            }
            Node::Mention { id, text } => {
                self.out.push_str(MENTION_PREFIX);
                percent_encode(id, &mut self.out);
                self.out.push('|');
                self.out.push_str(text);
                self.out.push('>');
            }
        }
    }

    fn action(&mut self, prefix: &str, action: &str, params: &BTreeMap<String, String>, children: &[TextNode]) {
        self.out.push('<');
        self.out.push_str(prefix);
        self.out.push_str(action);
        for (i, (key, value)) in params.iter().enumerate() {
            self.out.push(if i == 0 { '?' } else { '&' });
            percent_encode(key, &mut self.out);
            self.out.push('=');
            percent_encode(value, &mut self.out);
        }
        self.out.push('|');
        self.nodes(children);
        self.out.push('>');
    }

    /// Writes each emoji as `:name:` where the parser will read it back as
    /// the same emoji, and as `<!!customemoji:name>` elsewhere: next to a
    /// word character, or where an unfinished `<!!mention:` earlier on the
    /// line could swallow it.
    fn finish(self) -> String {
        if self.emojis.is_empty() {
            return self.out;
        }
        let text = self.out;
        let bytes = text.as_bytes();
        let mut result = String::with_capacity(text.len() + 16 * self.emojis.len());
        let mut copied = 0;
        let mut scanned = 0;
        let mut mention_open = false;
        for (start, end) in self.emojis {
            while scanned < start {
                match bytes[scanned] {
                    b'\n' | b'>' => mention_open = false,
                    b'<' => mention_open = text[scanned..].starts_with(MENTION_PREFIX),
                    _ => {}
                }
                scanned += 1;
            }
            scanned = end;
            let bare = !mention_open
                && !prev_char(&text, start).is_some_and(is_emoji_word)
                && !text[end..].chars().next().is_some_and(is_emoji_word);
            result.push_str(&text[copied..start]);
            if bare {
                result.push_str(&text[start..end]);
            } else {
                result.push_str(EMOJI_PREFIX);
                result.push_str(&text[start + 1..end - 1]);
                result.push('>');
            }
            copied = end;
        }
        result.push_str(&text[copied..]);
        result
    }
}

// ---------------------------------------------------------------------------
// plaintext & mentions
// ---------------------------------------------------------------------------

fn write_plaintext(nodes: &[TextNode], out: &mut String) {
    for node in nodes {
        match node {
            TextNode::Plain(text) => out.push_str(text),
            TextNode::Node(node) => match node {
                Node::Bold { children }
                | Node::Italic { children }
                | Node::Strikethrough { children }
                | Node::BulletList { children }
                | Node::Link { children, .. }
                | Node::ActionLink { children, .. }
                | Node::ActionButton { children, .. } => write_plaintext(children, out),
                Node::BulletPoint { children } => {
                    out.push_str("- ");
                    write_plaintext(children, out);
                    out.push('\n');
                }
                Node::CodeSpan { text } | Node::AutoLink { text, .. } | Node::CustomEmoji { text } => {
                    out.push_str(text)
                }
                Node::Mention { text, .. } => {
                    out.push('@');
                    out.push_str(text);
                }
            },
        }
    }
}

fn file_plaintext(file: &FileBlock, out: &mut String) {
    let icon = match file.subtype {
        Some(FileSubtype::Video) => "🎥",
        Some(FileSubtype::Image) => "📷",
        Some(FileSubtype::Audio) => "🎧",
        Some(FileSubtype::Voice) => {
            out.push_str("🎙️");
            if let Some(duration) = file.duration.filter(|d| d.is_finite() && *d >= 0.0) {
                // Saturating float-to-int conversion; durations are small.
                let total = duration.round() as u64;
                out.push_str(&format!(" ({}:{:02})", total / 60, total % 60));
            }
            return;
        }
        None => "📎",
    };
    out.push_str(icon);
    out.push(' ');
    out.push_str(&file.filename);
}

fn collect_mentions<'a>(nodes: &'a [TextNode], seen: &mut HashSet<&'a str>, ids: &mut Vec<String>) {
    for node in nodes {
        let TextNode::Node(node) = node else {
            continue;
        };
        match node {
            Node::Mention { id, .. } => {
                if seen.insert(id.as_str()) {
                    ids.push(id.clone());
                }
            }
            Node::Bold { children }
            | Node::Italic { children }
            | Node::Strikethrough { children }
            | Node::BulletList { children }
            | Node::BulletPoint { children }
            | Node::Link { children, .. }
            | Node::ActionLink { children, .. }
            | Node::ActionButton { children, .. } => collect_mentions(children, seen, ids),
            Node::CodeSpan { .. } | Node::AutoLink { .. } | Node::CustomEmoji { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::super::node::{ContentBlock, FileBlock, FileSubtype, Node, TextNode};
    use super::super::validate::{ContentPolicy, validate_content};
    use super::*;

    fn p(s: &str) -> TextNode {
        TextNode::Plain(s.to_owned())
    }

    fn n(node: Node) -> TextNode {
        TextNode::Node(node)
    }

    fn bold(children: Vec<TextNode>) -> TextNode {
        n(Node::Bold { children })
    }

    fn italic(children: Vec<TextNode>) -> TextNode {
        n(Node::Italic { children })
    }

    fn strike(children: Vec<TextNode>) -> TextNode {
        n(Node::Strikethrough { children })
    }

    fn auto(url: &str, text: &str) -> TextNode {
        n(Node::AutoLink { url: url.to_owned(), text: text.to_owned() })
    }

    fn emoji(text: &str) -> TextNode {
        n(Node::CustomEmoji { text: text.to_owned() })
    }

    fn rest(s: &str) -> Vec<TextNode> {
        parse(s, ParseOptions::REST)
    }

    fn user(s: &str) -> Vec<TextNode> {
        parse(s, ParseOptions::USER)
    }

    /// Parses with both option sets, checks the result is a fixed point of
    /// `to_markup` + `parse`, and returns the REST result.
    fn parsed(s: &str) -> Vec<TextNode> {
        for opts in [ParseOptions::REST, ParseOptions::USER] {
            let nodes = parse(s, opts);
            let again = parse(&to_markup(&nodes), opts);
            assert_eq!(again, nodes, "not a fixed point for {s:?} ({opts:?})");
        }
        rest(s)
    }

    /// The input is its own markup form.
    fn round_trips(s: &str) {
        assert_eq!(to_markup(&parsed(s)), s);
        assert_eq!(to_markup(&user(s)), s);
    }

    // --- wiki text -------------------------------------------------------

    #[test]
    fn italic_at_word_boundaries() {
        assert_eq!(parsed("_this works_"), vec![italic(vec![p("this works")])]);
        round_trips("_this works_");
    }

    #[test]
    fn markers_inside_words_stay_text() {
        assert_eq!(parsed("this_ doesn't _change"), vec![p("this_ doesn't _change")]);
        assert_eq!(parsed("snake_case_name"), vec![p("snake_case_name")]);
        assert_eq!(parsed("2*3*4"), vec![p("2*3*4")]);
        round_trips("this_ doesn't _change");
    }

    #[test]
    fn styles_nest() {
        assert_eq!(parsed("*_like this_*"), vec![bold(vec![italic(vec![p("like this")])])]);
        assert_eq!(parsed("~*_all three_*~"), vec![strike(vec![bold(vec![italic(vec![p("all three")])])])]);
        round_trips("*_like this_*");
    }

    #[test]
    fn style_does_not_nest_in_itself() {
        assert_eq!(parsed("*a *b* c*"), vec![bold(vec![p("a *b")]), p(" c*")]);
        assert_eq!(parsed("_a_b_"), vec![italic(vec![p("a_b")])]);
    }

    #[test]
    fn wiki_text_rules() {
        assert_eq!(parsed("*b*"), vec![bold(vec![p("b")])]);
        assert_eq!(parsed("~gone~"), vec![strike(vec![p("gone")])]);
        assert_eq!(parsed("x * not bold*"), vec![p("x * not bold*")]);
        assert_eq!(parsed("*not bold *"), vec![p("*not bold *")]);
        assert_eq!(parsed("**"), vec![p("**")]);
        assert_eq!(parsed("(*bold*), \"x\""), vec![p("("), bold(vec![p("bold")]), p("), \"x\"")]);
        assert_eq!(parsed("_a_ and _b_"), vec![italic(vec![p("a")]), p(" and "), italic(vec![p("b")])]);
        round_trips("(*bold*), x _a_ and _b_ ~c~");
    }

    #[test]
    fn wiki_text_never_spans_lines() {
        assert_eq!(parsed("*a\nb*"), vec![p("*a\nb*")]);
        assert_eq!(parsed("*a*\n_b_"), vec![bold(vec![p("a")]), p("\n"), italic(vec![p("b")])]);
    }

    // --- code spans and bullet lists ---------------------------------------

    #[test]
    fn code_span_with_newlines_and_markup_inside() {
        let s = "run ```let x = *y*;\n_z_ <!!mention:a|b>\n``` now";
        assert_eq!(
            parsed(s),
            vec![p("run "), n(Node::CodeSpan { text: "let x = *y*;\n_z_ <!!mention:a|b>\n".to_owned() }), p(" now"),]
        );
        round_trips(s);
    }

    #[test]
    fn code_span_edge_cases() {
        assert_eq!(parsed("``````"), vec![p("``````")]);
        assert_eq!(parsed("```````"), vec![n(Node::CodeSpan { text: "`".to_owned() })]);
        assert_eq!(parsed("```unclosed *b*"), vec![p("```unclosed "), bold(vec![p("b")])]);
        round_trips("```a```b```c```");
    }

    #[test]
    fn bullet_list_then_text() {
        let s = "Shopping:\n- milk\n* *eggs*\n  + bread www.bakery.nl\nThat's all";
        assert_eq!(
            parsed(s),
            vec![
                p("Shopping:\n"),
                n(Node::BulletList {
                    children: vec![
                        n(Node::BulletPoint { children: vec![p("milk")] }),
                        n(Node::BulletPoint { children: vec![bold(vec![p("eggs")])] }),
                        n(Node::BulletPoint {
                            children: vec![p("bread "), auto("https://www.bakery.nl", "www.bakery.nl")]
                        }),
                    ]
                }),
                p("That's all"),
            ]
        );
        assert_eq!(to_markup(&rest(s)), "Shopping:\n- milk\n- *eggs*\n- bread www.bakery.nl\nThat's all");
        round_trips("- a\n- b\n- c\nafter");
        round_trips("- a\n- b\n- c");
        round_trips("x\n- a\n\n- b");
        // The newline ending a list belongs to the list.
        assert_eq!(to_markup(&parsed("- a\n")), "- a");
    }

    #[test]
    fn bullet_line_rules() {
        assert_eq!(parsed("-no space"), vec![p("-no space")]);
        assert_eq!(parsed("a - b"), vec![p("a - b")]);
        assert_eq!(parsed("-   "), vec![p("-   ")]);
        assert_eq!(plaintext(&[ContentBlock::Text { children: parsed("- a\n- b\nc") }]), "- a\n- b\nc");
    }

    #[test]
    fn code_span_is_taken_before_bullet_lists() {
        let nodes = parsed("```\n- not a list\n```");
        assert_eq!(nodes, vec![n(Node::CodeSpan { text: "\n- not a list\n".to_owned() })]);
        // A list cut short by a code span gets its newline back.
        let nodes = parsed("- a```b```");
        assert_eq!(to_markup(&nodes), "- a\n```b```");
    }

    // --- mentions and custom emoji ------------------------------------------

    #[test]
    fn mention_is_decoded() {
        let s = "hi <!!mention:user%201%2Fx|Alice Smith>!";
        assert_eq!(
            parsed(s),
            vec![p("hi "), n(Node::Mention { id: "user 1/x".to_owned(), text: "Alice Smith".to_owned() }), p("!"),]
        );
        assert_eq!(to_markup(&parsed(s)), "hi <!!mention:user%201%2Fx|Alice Smith>!");
        // Plain ids round-trip as written.
        round_trips("<!!mention:abc-123_x.y~z|Bob> *hey*");
        assert_eq!(parsed("<!!mention:|x>"), vec![p("<!!mention:|x>")]);
        assert_eq!(parsed("<!!mention:a|>"), vec![p("<!!mention:a|>")]);
    }

    #[test]
    fn custom_emoji() {
        assert_eq!(
            parsed("nice :party_parrot: and <!!customemoji:cat-1>"),
            vec![p("nice "), emoji(":party_parrot:"), p(" and "), emoji(":cat-1:")]
        );
        assert_eq!(parsed("at 10:30:45"), vec![p("at 10:30:45")]);
        assert_eq!(parsed("a:b:c"), vec![p("a:b:c")]);
        let long = format!(":{}:", "x".repeat(49));
        assert_eq!(parsed(&long), vec![p(&long)]);
        round_trips("(:wave:) hi");
        // Where the bare form would not be read back, the long form is used.
        let nodes = parsed("x<!!customemoji:cat>y");
        assert_eq!(nodes, vec![p("x"), emoji(":cat:"), p("y")]);
        assert_eq!(to_markup(&nodes), "x<!!customemoji:cat>y");
        assert_eq!(to_markup(&[emoji(":a:"), emoji(":b:")]), "<!!customemoji:a><!!customemoji:b>");
    }

    // --- links and actions ---------------------------------------------------

    #[test]
    fn labelled_link_rest_vs_user() {
        let s = "see <https://example.com/a?b=1|the *docs* at example.com>";
        assert_eq!(
            parsed(s),
            vec![
                p("see "),
                n(Node::Link {
                    url: "https://example.com/a?b=1".to_owned(),
                    children: vec![p("the "), bold(vec![p("docs")]), p(" at example.com")]
                }),
            ]
        );
        assert_eq!(
            user(s),
            vec![
                p("see <"),
                auto("https://example.com/a?b=1", "https://example.com/a?b=1"),
                p("|the "),
                bold(vec![p("docs")]),
                p(" at "),
                auto("https://example.com", "example.com"),
                p(">"),
            ]
        );
        round_trips(s);
        assert_eq!(
            parsed("<mailto:a@b.co|mail>"),
            vec![n(Node::Link { url: "mailto:a@b.co".to_owned(), children: vec![p("mail")] })]
        );
        assert_eq!(parsed("<javascript:x|y>"), vec![p("<javascript:x|y>")]);
    }

    #[test]
    fn action_button_with_params() {
        let s = "<actionbutton:buy?item=a%20b&qty=2|Buy *now*>";
        let mut params = BTreeMap::new();
        params.insert("item".to_owned(), "a b".to_owned());
        params.insert("qty".to_owned(), "2".to_owned());
        assert_eq!(
            parsed(s),
            vec![n(Node::ActionButton {
                action: "buy".to_owned(),
                params,
                children: vec![p("Buy "), bold(vec![p("now")])]
            })]
        );
        round_trips(s);
        assert_eq!(user(s), vec![p("<actionbutton:buy?item=a%20b&qty=2|Buy "), bold(vec![p("now")]), p(">")]);
    }

    #[test]
    fn action_link_without_params_and_flattened_autolinks() {
        let s = "<actionlink:open|visit www.example.com>";
        assert_eq!(
            parsed(s),
            vec![n(Node::ActionLink {
                action: "open".to_owned(),
                params: BTreeMap::new(),
                children: vec![p("visit www.example.com")]
            })]
        );
        round_trips(s);
        assert_eq!(to_markup(&parsed("<actionlink:open?|x>")), "<actionlink:open|x>");
    }

    // --- autolinks -----------------------------------------------------------

    #[test]
    fn url_with_trailing_period() {
        let s = "Visit https://example.com/x.";
        assert_eq!(parsed(s), vec![p("Visit "), auto("https://example.com/x", "https://example.com/x"), p("."),]);
        round_trips(s);
    }

    #[test]
    fn url_punctuation_and_parentheses() {
        assert_eq!(
            parsed("(see http://x.com/a)!"),
            vec![p("(see "), auto("http://x.com/a", "http://x.com/a"), p(")!")]
        );
        let wiki = "https://en.wikipedia.org/wiki/Rust_(language)";
        assert_eq!(parsed(&format!("{wiki}.")), vec![auto(wiki, wiki), p(".")]);
        assert_eq!(parsed("http:// x"), vec![p("http:// x")]);
    }

    #[test]
    fn www_and_bare_domains() {
        assert_eq!(
            parsed("go to www.example.com"),
            vec![p("go to "), auto("https://www.example.com", "www.example.com")]
        );
        assert_eq!(
            parsed("example.io/docs?x=1, and"),
            vec![auto("https://example.io/docs?x=1", "example.io/docs?x=1"), p(", and")]
        );
        assert_eq!(parsed("open file.txt or v1.2"), vec![p("open file.txt or v1.2")]);
        round_trips("go to www.example.com");
    }

    #[test]
    fn email_addresses() {
        let s = "mail bob.smith+x@example.org.";
        assert_eq!(
            parsed(s),
            vec![p("mail "), auto("mailto:bob.smith+x@example.org", "bob.smith+x@example.org"), p("."),]
        );
        round_trips(s);
        assert_eq!(parsed("a@b"), vec![p("a@b")]);
    }

    #[test]
    fn phone_numbers() {
        let s = "call +31 20 123 4567 now";
        assert_eq!(parsed(s), vec![p("call "), auto("tel:+31201234567", "+31 20 123 4567"), p(" now"),]);
        round_trips(s);
        assert_eq!(parsed("(020) 555-1234-56"), vec![p("(020) "), auto("tel:555123456", "555-1234-56")]);
    }

    #[test]
    fn ranges_and_dates_are_not_phone_numbers() {
        for s in
            ["2019-2020", "open 9.00-17.30", "on 2024-01-15", "on 15.01.2024", "123456", "12345678901234", "id:1234567"]
        {
            assert_eq!(parsed(s), vec![p(s)], "{s}");
        }
        round_trips("2019-2020");
    }

    // --- plaintext and mentions ------------------------------------------------

    #[test]
    fn plaintext_of_blocks() {
        let text = ContentBlock::Text {
            children: parsed("*Hi* <!!mention:u1|Ann>, see <https://x.com|this> :cat:\n- a\n```c```"),
        };
        let file = |subtype, duration| {
            ContentBlock::File(FileBlock {
                file_token: "t".to_owned(),
                subtype,
                url: String::new(),
                size: 1,
                filename: "f.bin".to_owned(),
                width: None,
                height: None,
                duration,
            })
        };
        let blocks = vec![
            text,
            file(Some(FileSubtype::Video), None),
            file(Some(FileSubtype::Image), None),
            file(Some(FileSubtype::Audio), None),
            file(Some(FileSubtype::Voice), Some(75.6)),
            file(None, None),
            ContentBlock::Location { latitude: 1.0, longitude: 2.0 },
        ];
        assert_eq!(
            plaintext(&blocks),
            "Hi @Ann, see this :cat:\n- a\nc\n\n🎥 f.bin\n\n📷 f.bin\n\n🎧 f.bin\n\n🎙️ (1:16)\n\n📎 f.bin\n\n📍"
        );
    }

    #[test]
    fn mentioned_ids_are_deduplicated_in_order() {
        let blocks = vec![ContentBlock::Text {
            children: parsed("<!!mention:b|B> *<!!mention:a|A>* <!!mention:b|B again>\n- <!!mention:c|C>"),
        }];
        assert_eq!(mentioned_user_ids(&blocks), vec!["b", "a", "c"]);
    }

    #[test]
    fn node_budget_leaves_the_rest_plain() {
        let s = "*a* ".repeat(3000);
        let nodes = rest(&s);
        assert_eq!(count_typed(&nodes), MAX_PARSED_NODES);
        assert!(validate_content(&[ContentBlock::Text { children: nodes }], ContentPolicy::REST).is_ok());
        let lines = "- x\n".repeat(3000);
        let nodes = rest(&lines);
        assert_eq!(count_typed(&nodes), MAX_PARSED_NODES);
        assert_eq!(parse(&to_markup(&nodes), ParseOptions::REST), nodes);
    }

    #[test]
    fn pathological_inputs_are_fast() {
        let inputs = [
            " _a".repeat(7000),
            "<!!mention:a|".repeat(1500),
            "<http://x|".repeat(2000),
            ":a".repeat(10_000),
            "a.".repeat(10_000),
            "1 ".repeat(10_000),
            "`".repeat(20_000),
            "-".repeat(20_000),
            "(".repeat(10_000) + "http://x.com/" + &")".repeat(10_000),
        ];
        let started = std::time::Instant::now();
        for input in &inputs {
            let nodes = rest(input);
            assert_eq!(parse(&to_markup(&nodes), ParseOptions::REST), nodes);
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    // --- property tests ----------------------------------------------------------

    fn count_typed(nodes: &[TextNode]) -> usize {
        nodes
            .iter()
            .map(|node| match node {
                TextNode::Plain(_) => 0,
                TextNode::Node(node) => 1 + children_of(node).map_or(0, count_typed),
            })
            .sum()
    }

    fn children_of(node: &Node) -> Option<&[TextNode]> {
        match node {
            Node::Bold { children }
            | Node::Italic { children }
            | Node::Strikethrough { children }
            | Node::BulletList { children }
            | Node::BulletPoint { children }
            | Node::Link { children, .. }
            | Node::ActionLink { children, .. }
            | Node::ActionButton { children, .. } => Some(children),
            _ => None,
        }
    }

    /// No empty plain string, never two plain strings in a row, anywhere.
    fn assert_merged(nodes: &[TextNode]) {
        let mut previous_plain = false;
        for node in nodes {
            match node {
                TextNode::Plain(text) => {
                    assert!(!text.is_empty(), "empty plain string in {nodes:?}");
                    assert!(!previous_plain, "adjacent plain strings in {nodes:?}");
                    previous_plain = true;
                }
                TextNode::Node(node) => {
                    previous_plain = false;
                    if let Some(children) = children_of(node) {
                        assert_merged(children);
                    }
                }
            }
        }
    }

    fn markup_text() -> impl Strategy<Value = String> {
        let atom = prop_oneof![
            3 => any::<char>().prop_map(String::from),
            6 => prop::sample::select(vec![
                '_', '*', '~', '`', '<', '>', '|', '!', ':', '-', '+', '@', '.', '/', '\n', ' ',
                ' ', 'a', 'b', 'x', '1', '2', '0', '(', ')', '?', '=', '&', '%', ',', '\t', 'é',
            ])
            .prop_map(String::from),
            4 => prop::sample::select(vec![
                "http://", "https://", "www.", ".com", ".io", "<!!mention:", "```",
                "<!!customemoji:", "<actionlink:", "<actionbutton:", "mailto:", "example",
                "- ", "* ", "\n- ", "+31 20 123 4567", "2019-2020", "9.00-17.30",
                "bob@example.org", ":smile:", "%20", "%zz", "%ff", "?a=1&b=2", "|label>",
                "|", ">", "_it_", "*b*", "~s~", "555 1234", "x.com/a_(b)", "<https://a.io|",
                "<!!mention:u1|", "<!!mention:a%2Fb|Al B>", "<!!mention:x y|Z>",
                "<actionlink:go", "<actionbutton:buy?x=%41&y", "<actionlink:a?k=v&k=w|ok>",
                "<http://ex.com/p|", "<!!customemoji:cat>", "<mailto:a@b.co|m>",
            ])
            .prop_map(String::from),
        ];
        prop::collection::vec(atom, 0..40).prop_map(|atoms| atoms.concat())
    }

    /// Letters, short digit runs glued to letters, spaces, commas and
    /// newlines: nothing the parser turns into a node.
    fn inert_text() -> impl Strategy<Value = String> {
        let word = ("[a-zA-Z]{1,8}", "[0-9]{0,3}").prop_map(|(w, d)| w + &d);
        let sep = prop::sample::select(vec![" ", ", ", "  ", "\n", " ,"]);
        (prop::sample::select(vec!["", " ", "\n"]), prop::collection::vec((word, sep), 0..12)).prop_map(
            |(lead, parts)| {
                let mut s = lead.to_owned();
                for (word, sep) in parts {
                    s.push_str(&word);
                    s.push_str(sep);
                }
                s
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn parse_never_panics_and_merges_strings(s in markup_text()) {
            for opts in [ParseOptions::REST, ParseOptions::USER] {
                let nodes = parse(&s, opts);
                assert_merged(&nodes);
                let _ = nodes_plaintext(&nodes);
            }
        }

        #[test]
        fn reparsing_markup_is_a_fixed_point(s in markup_text()) {
            for opts in [ParseOptions::REST, ParseOptions::USER] {
                let nodes = parse(&s, opts);
                let markup = to_markup(&nodes);
                prop_assert_eq!(parse(&markup, opts), nodes, "markup: {:?}", markup);
            }
        }

        #[test]
        fn fixed_point_holds_when_the_budget_runs_out(s in markup_text(), budget in 0usize..6) {
            for opts in [ParseOptions::REST, ParseOptions::USER] {
                let nodes = parse_with_budget(&s, opts, budget);
                prop_assert!(count_typed(&nodes) <= budget);
                let markup = to_markup(&nodes);
                prop_assert_eq!(parse_with_budget(&markup, opts, budget), nodes, "markup: {:?}", markup);
            }
        }

        #[test]
        fn inert_text_is_kept_as_is(s in inert_text()) {
            for opts in [ParseOptions::REST, ParseOptions::USER] {
                let nodes = parse(&s, opts);
                prop_assert_eq!(nodes_plaintext(&nodes), s.clone());
                prop_assert_eq!(to_markup(&nodes), s.clone());
            }
        }

        #[test]
        fn parsed_content_passes_validation(s in markup_text()) {
            prop_assume!(!s.is_empty() && s.len() <= 20_000);
            let nodes = parse(&s, ParseOptions::REST);
            let blocks = [ContentBlock::Text { children: nodes }];
            prop_assert_eq!(validate_content(&blocks, ContentPolicy::REST), Ok(()));
            let user_blocks = [ContentBlock::Text { children: parse(&s, ParseOptions::USER) }];
            prop_assert_eq!(validate_content(&user_blocks, ContentPolicy::USER), Ok(()));
        }
    }
}
