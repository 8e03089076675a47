use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One block of message content. A message holds one block today, but every
/// consumer must accept several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ContentBlock {
    Text { children: Vec<TextNode> },
    File(FileBlock),
    Location { latitude: f64, longitude: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileSubtype {
    Image,
    Video,
    Audio,
    Voice,
}

impl FileSubtype {
    /// The subtype's stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            FileSubtype::Image => "image",
            FileSubtype::Video => "video",
            FileSubtype::Audio => "audio",
            FileSubtype::Voice => "voice",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "image" => Some(FileSubtype::Image),
            "video" => Some(FileSubtype::Video),
            "audio" => Some(FileSubtype::Audio),
            "voice" => Some(FileSubtype::Voice),
            _ => None,
        }
    }
}

/// A file block as stored and emitted. On input only `fileToken` is trusted:
/// everything else is filled in from the upload record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileBlock {
    pub file_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<FileSubtype>,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub filename: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
}

/// A node inside a text block: either a plain string or a typed node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TextNode {
    Plain(String),
    Node(Node),
}

/// The typed text nodes. `alias` accepts the lowercase names the official
/// client sends; serialisation always produces camelCase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Node {
    Bold {
        children: Vec<TextNode>,
    },
    Italic {
        children: Vec<TextNode>,
    },
    Strikethrough {
        children: Vec<TextNode>,
    },
    #[serde(alias = "bulletlist")]
    BulletList {
        children: Vec<TextNode>,
    },
    #[serde(alias = "bulletpoint")]
    BulletPoint {
        children: Vec<TextNode>,
    },
    #[serde(alias = "codespan")]
    CodeSpan {
        text: String,
    },
    Link {
        url: String,
        children: Vec<TextNode>,
    },
    #[serde(alias = "autolink")]
    AutoLink {
        url: String,
        text: String,
    },
    #[serde(alias = "actionlink")]
    ActionLink {
        action: String,
        #[serde(default)]
        params: BTreeMap<String, String>,
        children: Vec<TextNode>,
    },
    #[serde(alias = "actionbutton")]
    ActionButton {
        action: String,
        #[serde(default)]
        params: BTreeMap<String, String>,
        children: Vec<TextNode>,
    },
    #[serde(alias = "customemoji")]
    CustomEmoji {
        text: String,
    },
    Mention {
        id: String,
        text: String,
    },
}

impl TextNode {
    pub fn plain(s: impl Into<String>) -> Self {
        TextNode::Plain(s.into())
    }
}
