// TalkJS's message markup, parsed and written exactly as the Chinwag server does.
export type {
  ActionButtonNode,
  ActionLinkNode,
  AutoLinkNode,
  BulletListNode,
  BulletPointNode,
  CodeSpanNode,
  ContentBlock,
  CustomEmojiNode,
  FileBlock,
  LinkNode,
  LocationBlock,
  MarkupNode,
  MentionNode,
  TextBlock,
  TextNode,
} from "./nodes.js";
export { type ParseOptions, parse } from "./parse.js";
export { nodesPlaintext, plaintext } from "./plaintext.js";
export { toMarkup } from "./toMarkup.js";
