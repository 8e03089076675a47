// Message content as the server serialises it (crates/chinwag-core/src/content/node.rs):
// the node and block names are TalkJS's, and the parser builds every object
// with `type` first and the other fields in the server's order, so that
// JSON.stringify of a parsed tree gives the server's bytes. (Except for
// action params with integer-like keys: see parseParams.)

/** A node inside a text block: a plain string or a typed node. */
export type TextNode =
  | string
  | MarkupNode
  | BulletListNode
  | BulletPointNode
  | CodeSpanNode
  | LinkNode
  | AutoLinkNode
  | ActionLinkNode
  | ActionButtonNode
  | CustomEmojiNode
  | MentionNode;

/** `*bold*`, `_italic_` or `~strikethrough~` text. */
export interface MarkupNode {
  type: "bold" | "italic" | "strikethrough";
  children: TextNode[];
}

/** A run of `- item` lines; its children are bullet points. */
export interface BulletListNode {
  type: "bulletList";
  children: TextNode[];
}

export interface BulletPointNode {
  type: "bulletPoint";
  children: TextNode[];
}

/** Text between triple backticks, exactly as written. */
export interface CodeSpanNode {
  type: "codeSpan";
  text: string;
}

/** A labelled `<url|label>` link (REST API senders only). */
export interface LinkNode {
  type: "link";
  url: string;
  children: TextNode[];
}

/** A web address, email address or phone number found in the text. */
export interface AutoLinkNode {
  type: "autoLink";
  url: string;
  text: string;
}

/** `<actionlink:action?key=value|label>` (REST API senders only). */
export interface ActionLinkNode {
  type: "actionLink";
  action: string;
  params: Record<string, string>;
  children: TextNode[];
}

/** `<actionbutton:action?key=value|label>` (REST API senders only). */
export interface ActionButtonNode {
  type: "actionButton";
  action: string;
  params: Record<string, string>;
  children: TextNode[];
}

/** A custom emoji; `text` includes the colons, as in `:party_parrot:`. */
export interface CustomEmojiNode {
  type: "customEmoji";
  text: string;
}

/** A mention of the user `id`, shown as `text`. */
export interface MentionNode {
  type: "mention";
  id: string;
  text: string;
}

/** One block of message content. */
export type ContentBlock = TextBlock | FileBlock | LocationBlock;

export interface TextBlock {
  type: "text";
  children: TextNode[];
}

export interface FileBlock {
  type: "file";
  fileToken: string;
  subtype?: "image" | "video" | "audio" | "voice";
  url: string;
  size: number;
  filename: string;
  width?: number;
  height?: number;
  /** Seconds, for audio, video and voice files. */
  duration?: number;
}

export interface LocationBlock {
  type: "location";
  latitude: number;
  longitude: number;
}
