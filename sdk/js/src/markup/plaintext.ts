import type { ContentBlock, FileBlock, TextNode } from "./nodes.js";

/**
 * Plain text of a whole message, as the server derives it for notifications,
 * search and previews: blocks joined by a blank line.
 */
export function plaintext(blocks: readonly ContentBlock[]): string {
  return blocks.map(blockPlaintext).join("\n\n");
}

function blockPlaintext(block: ContentBlock): string {
  switch (block.type) {
    case "text":
      return nodesPlaintext(block.children);
    case "file":
      return filePlaintext(block);
    case "location":
      return "📍";
  }
}

/** Plain text of the children of one text block. */
export function nodesPlaintext(nodes: readonly TextNode[]): string {
  return nodes.map(nodePlaintext).join("");
}

function nodePlaintext(node: TextNode): string {
  if (typeof node === "string") return node;
  switch (node.type) {
    case "bulletPoint":
      return `- ${nodesPlaintext(node.children)}\n`;
    case "codeSpan":
    case "autoLink":
    case "customEmoji":
      return node.text;
    case "mention":
      return `@${node.text}`;
    default:
      return nodesPlaintext(node.children);
  }
}

const U64_MAX = 2n ** 64n - 1n;

function filePlaintext(file: FileBlock): string {
  switch (file.subtype) {
    case "video":
      return `🎥 ${file.filename}`;
    case "image":
      return `📷 ${file.filename}`;
    case "audio":
      return `🎧 ${file.filename}`;
    case "voice": {
      const { duration } = file;
      if (duration === undefined || !Number.isFinite(duration) || duration < 0) return "🎙️";
      // The server rounds half away from zero (Math.round agrees on
      // non-negative numbers) to a u64, which saturates; BigInt keeps
      // seconds beyond 2^53 exact.
      const rounded = BigInt(Math.round(duration));
      const total = rounded < U64_MAX ? rounded : U64_MAX;
      return `🎙️ (${total / 60n}:${String(total % 60n).padStart(2, "0")})`;
    }
    default:
      return `📎 ${file.filename}`;
  }
}
