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
