//! Message content: the block/node tree that messages carry, the markup
//! parser that turns legacy `text` into it, and the plain-text projection.
//!
//! The serialised form (camelCase `type` names) is the canonical form: it is
//! what the store persists and what both APIs emit. Deserialisation also
//! accepts the lowercase spellings that `@talkjs/core` sends (`autolink`,
//! `bulletlist`, …), so everything is normalised on the way in.

pub mod markup;
mod node;
mod validate;

pub use node::{ContentBlock, FileBlock, FileSubtype, Node, TextNode};
pub use validate::{ContentError, ContentPolicy, validate_content};

/// The text a message can be found by: its text blocks, in plain text.
/// `None` for messages without text (files, locations), which search skips.
pub fn searchable_text(blocks: &[ContentBlock]) -> Option<String> {
    let parts: Vec<String> = blocks
        .iter()
        .filter_map(|b| match b {
            ContentBlock::Text { children } => Some(markup::nodes_plaintext(children)),
            _ => None,
        })
        .collect();
    if parts.is_empty() { None } else { Some(parts.join("\n\n")) }
}
