//! Checks message content that arrives as blocks and nodes (from clients or
//! the REST API) before it is stored.
//!
//! The rules keep content renderable and honest: limits on size and
//! nesting, well-formed nodes, links and actions only from trusted senders,
//! and autolinks that go where their text says (a displayed `example.com`
//! cannot point at `evil.com`). Whether a file token exists is checked by
//! the caller.

use std::fmt;

use super::markup::{is_link_url, phone_url};
use super::node::{ContentBlock, Node, TextNode};

/// What content a sender may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentPolicy {
    /// Whether `link`, `actionLink` and `actionButton` nodes are allowed.
    pub allow_links_and_actions: bool,
    /// Most content blocks in one message.
    pub max_blocks: usize,
    /// Deepest nesting of text nodes (the children of a text block are at
    /// depth 1).
    pub max_depth: usize,
    /// Most text nodes (plain strings included) in the whole message.
    pub max_nodes: usize,
    /// Most bytes of text in the whole message. Counted: plain strings, the
    /// text of code spans, autolinks, mentions and custom emoji, link URLs,
    /// mention ids, action names and parameters. An autolink's URL is not
    /// counted: it must mirror the autolink's text.
    pub max_text_bytes: usize,
}

impl ContentPolicy {
    /// Trusted senders: the REST API.
    pub const REST: ContentPolicy = ContentPolicy {
        allow_links_and_actions: true,
        max_blocks: 1,
        max_depth: 16,
        max_nodes: 5000,
        max_text_bytes: 20_000,
    };
    /// Users sending through a client.
    pub const USER: ContentPolicy = ContentPolicy { allow_links_and_actions: false, ..ContentPolicy::REST };
}

/// Why content was rejected; `reason` names the problem and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    pub reason: String,
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ContentError {}

/// Checks `blocks` against `policy`; the first problem found is returned.
pub fn validate_content(blocks: &[ContentBlock], policy: ContentPolicy) -> Result<(), ContentError> {
    if blocks.is_empty() {
        return Err(error("content: a message needs at least one content block".to_owned()));
    }
    if blocks.len() > policy.max_blocks {
        return Err(error(format!(
            "content: at most {} content block(s) allowed, got {}",
            policy.max_blocks,
            blocks.len()
        )));
    }
    let mut checker = Checker { policy, nodes: 0, bytes: 0, path: Vec::new(), block: 0 };
    for (index, block) in blocks.iter().enumerate() {
        checker.block = index;
        match block {
            ContentBlock::Text { children } => {
                if children.is_empty() {
                    return Err(error(format!("content[{index}].children: a text block needs at least one child")));
                }
                checker.children(children, Parent::Block)?;
            }
            ContentBlock::File(file) => {
                if file.file_token.is_empty() {
                    return Err(error(format!("content[{index}].fileToken: a file block needs a non-empty fileToken")));
                }
            }
            ContentBlock::Location { latitude, longitude } => {
                if !(latitude.is_finite() && (-90.0..=90.0).contains(latitude)) {
                    return Err(error(format!("content[{index}].latitude: latitude must be a number from -90 to 90")));
                }
                if !(longitude.is_finite() && (-180.0..=180.0).contains(longitude)) {
                    return Err(error(format!(
                        "content[{index}].longitude: longitude must be a number from -180 to 180"
                    )));
                }
            }
        }
    }
    Ok(())
}

fn error(reason: String) -> ContentError {
    ContentError { reason }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Parent {
    Block,
    BulletList,
    Other,
}

struct Checker {
    policy: ContentPolicy,
    nodes: usize,
    bytes: usize,
    /// Child indexes from the block down to the node being checked.
    path: Vec<usize>,
    block: usize,
}

/// The camelCase `type` name of a node, as in the JSON.
fn type_name(node: &Node) -> &'static str {
    match node {
        Node::Bold { .. } => "bold",
        Node::Italic { .. } => "italic",
        Node::Strikethrough { .. } => "strikethrough",
        Node::BulletList { .. } => "bulletList",
        Node::BulletPoint { .. } => "bulletPoint",
        Node::CodeSpan { .. } => "codeSpan",
        Node::Link { .. } => "link",
        Node::AutoLink { .. } => "autoLink",
        Node::ActionLink { .. } => "actionLink",
        Node::ActionButton { .. } => "actionButton",
        Node::CustomEmoji { .. } => "customEmoji",
        Node::Mention { .. } => "mention",
    }
}

impl Checker {
    /// `content[b].children[i].children[j]…` for the current node.
    fn here(&self) -> String {
        let mut path = format!("content[{}]", self.block);
        for index in &self.path {
            path.push_str(&format!(".children[{index}]"));
        }
        path
    }

    fn fail(&self, problem: &str) -> ContentError {
        error(format!("{}: {problem}", self.here()))
    }

    fn count_text(&mut self, text: &str) -> Result<(), ContentError> {
        self.bytes += text.len();
        if self.bytes > self.policy.max_text_bytes {
            return Err(self.fail(&format!("the message text is longer than {} bytes", self.policy.max_text_bytes)));
        }
        Ok(())
    }

    fn children(&mut self, children: &[TextNode], parent: Parent) -> Result<(), ContentError> {
        for (index, child) in children.iter().enumerate() {
            self.path.push(index);
            self.child(child, parent)?;
            self.path.pop();
        }
        Ok(())
    }

    fn child(&mut self, child: &TextNode, parent: Parent) -> Result<(), ContentError> {
        if self.path.len() > self.policy.max_depth {
            return Err(self.fail(&format!("content is nested deeper than {} levels", self.policy.max_depth)));
        }
        self.nodes += 1;
        if self.nodes > self.policy.max_nodes {
            return Err(self.fail(&format!("the message has more than {} text nodes", self.policy.max_nodes)));
        }
        let node = match child {
            TextNode::Plain(text) => {
                if parent == Parent::BulletList {
                    return Err(self.fail("a bulletList may only contain bulletPoint nodes"));
                }
                if text.is_empty() {
                    return Err(self.fail("empty text string"));
                }
                return self.count_text(text);
            }
            TextNode::Node(node) => node,
        };
        let name = type_name(node);
        let is_point = matches!(node, Node::BulletPoint { .. });
        if parent == Parent::BulletList && !is_point {
            return Err(self.fail("a bulletList may only contain bulletPoint nodes"));
        }
        if parent != Parent::BulletList && is_point {
            return Err(self.fail("a bulletPoint is only allowed inside a bulletList"));
        }
        let children = match node {
            Node::Bold { children }
            | Node::Italic { children }
            | Node::Strikethrough { children }
            | Node::BulletPoint { children } => children,
            Node::BulletList { children } => {
                if children.is_empty() {
                    return Err(self.fail("bulletList node has no children"));
                }
                return self.children(children, Parent::BulletList);
            }
            Node::CodeSpan { text } => return self.count_text(text),
            Node::Link { url, children } => {
                if !self.policy.allow_links_and_actions {
                    return Err(self.fail("link nodes are not allowed for this sender"));
                }
                if !is_link_url(url) {
                    return Err(self.fail("link url must be an absolute http, https or mailto URL"));
                }
                self.count_text(url)?;
                children
            }
            Node::ActionLink { action, params, children } | Node::ActionButton { action, params, children } => {
                if !self.policy.allow_links_and_actions {
                    return Err(self.fail(&format!("{name} nodes are not allowed for this sender")));
                }
                if action.is_empty() {
                    return Err(self.fail(&format!("{name} action must not be empty")));
                }
                self.count_text(action)?;
                for (key, value) in params {
                    self.count_text(key)?;
                    self.count_text(value)?;
                }
                children
            }
            Node::AutoLink { url, text } => {
                if text.is_empty() {
                    return Err(self.fail("autoLink text must not be empty"));
                }
                if !autolink_matches(url, text) {
                    return Err(self.fail("autoLink url does not match its text"));
                }
                return self.count_text(text);
            }
            Node::CustomEmoji { text } => {
                if !is_emoji_text(text) {
                    return Err(self.fail(
                        "customEmoji text must look like :name: (at most 50 characters, \
                         no spaces or colons in the name)",
                    ));
                }
                return self.count_text(text);
            }
            Node::Mention { id, text } => {
                if id.is_empty() {
                    return Err(self.fail("mention id must not be empty"));
                }
                self.count_text(id)?;
                return self.count_text(text);
            }
        };
        if children.is_empty() {
            return Err(self.fail(&format!("{name} node has no children")));
        }
        self.children(children, Parent::Other)
    }
}

/// `:name:`, at most 50 characters, the name without whitespace or colons.
fn is_emoji_text(text: &str) -> bool {
    let Some(name) = text.strip_prefix(':').and_then(|t| t.strip_suffix(':')) else {
        return false;
    };
    !name.is_empty()
        && text.chars().count() <= 50
        && !name.chars().any(|c| c == ':' || c.is_whitespace() || c.is_control())
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// `(scheme, rest)` for an http or https address.
fn split_web_scheme(s: &str) -> Option<(&str, &str)> {
    for scheme in ["https://", "http://"] {
        if let Some(rest) = strip_prefix_ci(s, scheme) {
            return Some((&s[..scheme.len()], rest));
        }
    }
    None
}

/// Splits `host[:port]` from the path, query and fragment.
fn split_authority(s: &str) -> (&str, &str) {
    let end = s.find(['/', '?', '#']).unwrap_or(s.len());
    s.split_at(end)
}

/// Whether an autolink's url is where its text says it goes.
fn autolink_matches(url: &str, text: &str) -> bool {
    if let Some(address) = strip_prefix_ci(url, "mailto:") {
        return text.contains('@') && address.eq_ignore_ascii_case(text);
    }
    if strip_prefix_ci(url, "tel:").is_some() {
        return text.bytes().any(|b| b.is_ascii_digit())
            && text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'+' | b' ' | b'(' | b')' | b'.'))
            && phone_url(text) == url;
    }
    let Some((url_scheme, url_rest)) = split_web_scheme(url) else {
        return false;
    };
    let text_rest = match split_web_scheme(text) {
        Some((text_scheme, rest)) => {
            if !text_scheme.eq_ignore_ascii_case(url_scheme) {
                return false;
            }
            rest
        }
        None => text,
    };
    let (url_host, url_tail) = split_authority(url_rest);
    let (text_host, text_tail) = split_authority(text_rest);
    !text_host.is_empty() && url_host.eq_ignore_ascii_case(text_host) && url_tail == text_tail
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::markup::{ParseOptions, parse};
    use super::super::node::{ContentBlock, FileBlock, Node, TextNode};
    use super::*;

    fn p(s: &str) -> TextNode {
        TextNode::Plain(s.to_owned())
    }

    fn n(node: Node) -> TextNode {
        TextNode::Node(node)
    }

    fn text(children: Vec<TextNode>) -> Vec<ContentBlock> {
        vec![ContentBlock::Text { children }]
    }

    fn auto(url: &str, text: &str) -> TextNode {
        n(Node::AutoLink { url: url.to_owned(), text: text.to_owned() })
    }

    fn check(children: Vec<TextNode>, policy: ContentPolicy) -> Result<(), String> {
        validate_content(&text(children), policy).map_err(|e| e.reason)
    }

    fn rest(children: Vec<TextNode>) -> Result<(), String> {
        check(children, ContentPolicy::REST)
    }

    fn user(children: Vec<TextNode>) -> Result<(), String> {
        check(children, ContentPolicy::USER)
    }

    fn link() -> TextNode {
        n(Node::Link { url: "https://example.com".to_owned(), children: vec![p("x")] })
    }

    fn action(button: bool, name: &str) -> TextNode {
        let (action, params, children) = (name.to_owned(), BTreeMap::new(), vec![p("go")]);
        n(if button {
            Node::ActionButton { action, params, children }
        } else {
            Node::ActionLink { action, params, children }
        })
    }

    #[test]
    fn parsed_text_is_valid() {
        let nodes = parse(
            "*Hi* <!!mention:u1|Ann> see <https://x.com|this> or www.x.com, \
             mail a@b.org, call +31 20 123 4567 :cat:\n- one\n- two\n```code```",
            ParseOptions::REST,
        );
        assert_eq!(rest(nodes), Ok(()));
    }

    #[test]
    fn block_count() {
        assert_eq!(
            validate_content(&[], ContentPolicy::REST).map_err(|e| e.reason),
            Err("content: a message needs at least one content block".to_owned())
        );
        let two = vec![ContentBlock::Text { children: vec![p("a")] }, ContentBlock::Text { children: vec![p("b")] }];
        let err = validate_content(&two, ContentPolicy::REST).unwrap_err();
        assert_eq!(err.reason, "content: at most 1 content block(s) allowed, got 2");
        let roomy = ContentPolicy { max_blocks: 2, ..ContentPolicy::REST };
        assert_eq!(validate_content(&two, roomy), Ok(()));
    }

    #[test]
    fn text_block_needs_children_and_no_empty_strings() {
        assert_eq!(rest(vec![]), Err("content[0].children: a text block needs at least one child".to_owned()));
        assert_eq!(
            rest(vec![p("a"), n(Node::Bold { children: vec![p("")] })]),
            Err("content[0].children[1].children[0]: empty text string".to_owned())
        );
        assert_eq!(
            rest(vec![n(Node::Italic { children: vec![] })]),
            Err("content[0].children[0]: italic node has no children".to_owned())
        );
    }

    #[test]
    fn limits() {
        let mut deep = p("x");
        for _ in 0..16 {
            deep = n(Node::Bold { children: vec![deep] });
        }
        let err = rest(vec![deep.clone()]).unwrap_err();
        assert!(err.ends_with("content is nested deeper than 16 levels"), "{err}");
        assert!(err.starts_with("content[0].children[0].children[0]"), "{err}");
        if let TextNode::Node(Node::Bold { children }) = deep {
            assert_eq!(rest(children), Ok(()));
        }

        let many = vec![n(Node::CustomEmoji { text: ":a:".to_owned() }); 5001];
        assert_eq!(rest(many), Err("content[0].children[5000]: the message has more than 5000 text nodes".to_owned()));

        let long = "é".repeat(10_000);
        assert_eq!(rest(vec![p(&long)]), Ok(()));
        assert_eq!(
            rest(vec![p(&long), n(Node::CodeSpan { text: "x".to_owned() })]),
            Err("content[0].children[1]: the message text is longer than 20000 bytes".to_owned())
        );
        // An autolink's url mirrors its text and is not counted.
        let host = format!("{}.com", "a".repeat(19_990));
        assert_eq!(rest(vec![auto(&format!("https://{host}"), &host)]), Ok(()));
    }

    #[test]
    fn links_and_actions_only_for_trusted_senders() {
        assert_eq!(rest(vec![link(), action(false, "a"), action(true, "b")]), Ok(()));
        assert_eq!(
            user(vec![p("x"), link()]),
            Err("content[0].children[1]: link nodes are not allowed for this sender".to_owned())
        );
        assert_eq!(
            user(vec![action(false, "a")]),
            Err("content[0].children[0]: actionLink nodes are not allowed for this sender".to_owned())
        );
        assert_eq!(
            user(vec![action(true, "a")]),
            Err("content[0].children[0]: actionButton nodes are not allowed for this sender".to_owned())
        );
        assert_eq!(
            rest(vec![action(true, "")]),
            Err("content[0].children[0]: actionButton action must not be empty".to_owned())
        );
    }

    #[test]
    fn link_urls_must_be_absolute_web_or_mail() {
        for url in ["https://x.com/a", "HTTP://x", "mailto:a@b.c"] {
            let node = n(Node::Link { url: url.to_owned(), children: vec![p("x")] });
            assert_eq!(rest(vec![node]), Ok(()), "{url}");
        }
        for url in ["javascript:alert(1)", "/relative", "https://", "http:///x", "https://a b", ""] {
            let node = n(Node::Link { url: url.to_owned(), children: vec![p("x")] });
            assert_eq!(
                rest(vec![node]),
                Err("content[0].children[0]: link url must be an absolute http, https or mailto URL".to_owned()),
                "{url}"
            );
        }
    }

    #[test]
    fn autolink_url_must_match_text() {
        let ok = [
            ("https://example.com", "example.com"),
            ("http://Example.COM/Path?q=1", "example.com/Path?q=1"),
            ("https://example.com/a", "https://EXAMPLE.com/a"),
            ("https://www.example.com", "www.example.com"),
            ("mailto:Bob@Example.org", "bob@example.org"),
            ("tel:+31201234567", "+31 20 123 4567"),
            ("tel:0201234567", "(020) 123-4567"),
        ];
        for (url, text) in ok {
            assert_eq!(rest(vec![auto(url, text)]), Ok(()), "{url} {text}");
        }
        let bad = [
            ("https://evil.com", "example.com"),
            ("https://sub.example.com", "example.com"),
            ("https://example.com.evil.com", "example.com"),
            ("https://example.com/other", "example.com/path"),
            ("https://example.com/Path", "example.com/path"),
            ("http://example.com", "https://example.com"),
            ("javascript:alert(1)", "example.com"),
            ("ftp://example.com", "example.com"),
            ("mailto:eve@evil.com", "bob@example.org"),
            ("mailto:example.com", "example.com"),
            ("tel:+3120", "+31 20 123 4567"),
            ("tel:123", "call 123"),
            ("https://", ""),
        ];
        for (url, text) in bad {
            let err = rest(vec![auto(url, text)]).unwrap_err();
            assert!(err.starts_with("content[0].children[0]: autoLink"), "{url} {text}: {err}");
        }
    }

    #[test]
    fn mention_and_emoji_shape() {
        let mention = |id: &str| n(Node::Mention { id: id.to_owned(), text: "Ann".to_owned() });
        assert_eq!(rest(vec![mention("u1")]), Ok(()));
        assert_eq!(rest(vec![mention("")]), Err("content[0].children[0]: mention id must not be empty".to_owned()));
        let emoji = |t: &str| n(Node::CustomEmoji { text: t.to_owned() });
        assert_eq!(rest(vec![emoji(":party_parrot:")]), Ok(()));
        assert_eq!(rest(vec![emoji(&format!(":{}:", "x".repeat(48)))]), Ok(()));
        for bad in ["cat", ":cat", "::", ":a b:", ":a:b:", &format!(":{}:", "x".repeat(49))] {
            let err = rest(vec![emoji(bad)]).unwrap_err();
            assert!(err.contains("customEmoji text must look like :name:"), "{bad}: {err}");
        }
    }

    #[test]
    fn bullet_structure() {
        let point = |s: &str| n(Node::BulletPoint { children: vec![p(s)] });
        assert_eq!(rest(vec![n(Node::BulletList { children: vec![point("a"), point("b")] })]), Ok(()));
        assert_eq!(
            rest(vec![n(Node::BulletList { children: vec![point("a"), p("b")] })]),
            Err("content[0].children[0].children[1]: a bulletList may only contain bulletPoint nodes".to_owned())
        );
        assert_eq!(
            rest(vec![n(Node::BulletList { children: vec![n(Node::Bold { children: vec![p("b")] })] })]),
            Err("content[0].children[0].children[0]: a bulletList may only contain bulletPoint nodes".to_owned())
        );
        assert_eq!(
            rest(vec![point("a")]),
            Err("content[0].children[0]: a bulletPoint is only allowed inside a bulletList".to_owned())
        );
        assert_eq!(
            rest(vec![n(Node::BulletList { children: vec![] })]),
            Err("content[0].children[0]: bulletList node has no children".to_owned())
        );
    }

    #[test]
    fn location_and_file_blocks() {
        let location = |latitude, longitude| {
            validate_content(&[ContentBlock::Location { latitude, longitude }], ContentPolicy::USER)
                .map_err(|e| e.reason)
        };
        assert_eq!(location(52.37, 4.89), Ok(()));
        assert_eq!(location(-90.0, 180.0), Ok(()));
        assert_eq!(
            location(90.5, 0.0),
            Err("content[0].latitude: latitude must be a number from -90 to 90".to_owned())
        );
        assert!(location(f64::NAN, 0.0).is_err());
        assert_eq!(
            location(0.0, f64::INFINITY),
            Err("content[0].longitude: longitude must be a number from -180 to 180".to_owned())
        );
        let file = |token: &str| {
            validate_content(
                &[ContentBlock::File(FileBlock {
                    file_token: token.to_owned(),
                    subtype: None,
                    url: String::new(),
                    size: 0,
                    filename: String::new(),
                    width: None,
                    height: None,
                    duration: None,
                })],
                ContentPolicy::USER,
            )
            .map_err(|e| e.reason)
        };
        assert_eq!(file("tok_1"), Ok(()));
        assert_eq!(file(""), Err("content[0].fileToken: a file block needs a non-empty fileToken".to_owned()));
    }

    #[test]
    fn client_json_is_checked() {
        let json = r#"[{"type":"text","children":["see ",
            {"type":"autolink","url":"https://evil.com","text":"example.com"}]}]"#;
        let blocks: Vec<ContentBlock> = serde_json::from_str(json).unwrap();
        let err = validate_content(&blocks, ContentPolicy::USER).unwrap_err();
        assert_eq!(err.to_string(), "content[0].children[1]: autoLink url does not match its text");
        let as_error: &dyn std::error::Error = &err;
        assert_eq!(as_error.to_string(), err.reason);
    }
}
