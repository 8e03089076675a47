// Message content: blocks, as received and as sent.

import type { TextNode } from "./markup/nodes.js";

export type {
  ActionButtonNode,
  ActionLinkNode,
  AutoLinkNode,
  BulletListNode,
  BulletPointNode,
  CodeSpanNode,
  CustomEmojiNode,
  LinkNode,
  MarkupNode,
  MentionNode,
  TextNode,
} from "./markup/nodes.js";

/** A token for an uploaded file, to send it in a message. */
export type FileToken = string & { readonly __tag: Record<"Chinwag Encoded File Token", true> };

/** Formatted text. */
export interface TextBlock {
  readonly type: "text";
  readonly children: TextNode[];
}

/** A place on the map. */
export interface LocationBlock {
  readonly type: "location";
  readonly latitude: number;
  readonly longitude: number;
}

interface FileFields {
  readonly type: "file";
  readonly fileToken: FileToken;
  readonly url: string;
  readonly size: number;
  readonly filename: string;
}

/** A file with no particular kind. */
export interface GenericFileBlock extends FileFields {
  readonly subtype?: never;
}
export interface ImageBlock extends FileFields {
  readonly subtype: "image";
  readonly width?: number;
  readonly height?: number;
}
export interface VideoBlock extends FileFields {
  readonly subtype: "video";
  readonly width?: number;
  readonly height?: number;
  readonly duration?: number;
}
export interface AudioBlock extends FileFields {
  readonly subtype: "audio";
  readonly duration?: number;
}
export interface VoiceBlock extends FileFields {
  readonly subtype: "voice";
  readonly duration?: number;
}
export type FileBlock = VideoBlock | ImageBlock | AudioBlock | VoiceBlock | GenericFileBlock;

export type ContentBlock = TextBlock | FileBlock | LocationBlock;

/** A file in a message being sent: its token is enough. */
export interface SendFileBlock {
  type: "file";
  fileToken: FileToken;
}
export type SendContentBlock = TextBlock | SendFileBlock | LocationBlock;
