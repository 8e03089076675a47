import { charAt, charBefore, compareCodePoints } from "./chars.js";
import type { TextNode } from "./nodes.js";
import { EMOJI_PREFIX, isEmojiNameCode, isEmojiWord, MAX_EMOJI_NAME, MENTION_PREFIX, percentEncode } from "./syntax.js";

/**
 * Turns text nodes back into markup, as the server does: parsing the result
 * with the same options gives the nodes back, for any nodes `parse` made.
 */
export function toMarkup(nodes: readonly TextNode[]): string {
  const writer = new MarkupWriter();
  writer.nodes(nodes);
  return writer.finish();
}

function isBareEmojiName(name: string): boolean {
  if (name.length < 1 || name.length > MAX_EMOJI_NAME) return false;
  for (let i = 0; i < name.length; i++) {
    if (!isEmojiNameCode(name.charCodeAt(i))) return false;
  }
  return true;
}

class MarkupWriter {
  private out = "";
  /** Where emoji were written as bare `:name:`; `finish` decides whether each may stay bare. */
  private readonly emojis: { start: number; end: number }[] = [];

  nodes(nodes: readonly TextNode[]): void {
    nodes.forEach((node, i) => {
      if (typeof node === "string") this.out += node;
      else this.node(node, i + 1 < nodes.length);
    });
  }

  private wrap(marker: string, children: readonly TextNode[]): void {
    this.out += marker;
    this.nodes(children);
    this.out += marker;
  }

  private node(node: Exclude<TextNode, string>, moreFollows: boolean): void {
    switch (node.type) {
      case "bold":
        this.wrap("*", node.children);
        break;
      case "italic":
        this.wrap("_", node.children);
        break;
      case "strikethrough":
        this.wrap("~", node.children);
        break;
      case "codeSpan":
        this.out += `\`\`\`${node.text}\`\`\``;
        break;
      case "bulletList":
        node.children.forEach((item, i) => {
          if (i > 0) this.out += "\n";
          this.out += "- ";
          if (typeof item !== "string" && item.type === "bulletPoint") this.nodes(item.children);
          else this.nodes([item]);
        });
        if (moreFollows) this.out += "\n";
        break;
      case "bulletPoint":
        this.out += "- ";
        this.nodes(node.children);
        break;
      case "link":
        this.out += `<${node.url}|`;
        this.nodes(node.children);
        this.out += ">";
        break;
      case "autoLink":
        this.out += node.text;
        break;
      case "actionLink":
      case "actionButton": {
        const prefix = node.type === "actionLink" ? "actionlink:" : "actionbutton:";
        // The server writes params from a map sorted by key.
        const params = Object.entries(node.params).sort(([a], [b]) => compareCodePoints(a, b));
        const query = params.map(([key, value]) => `${percentEncode(key)}=${percentEncode(value)}`).join("&");
        this.out += `<${prefix}${node.action}${query === "" ? "" : `?${query}`}|`;
        this.nodes(node.children);
        this.out += ">";
        break;
      }
      case "customEmoji": {
        const { text } = node;
        const bare =
          text.length >= 2 && text.startsWith(":") && text.endsWith(":") && isBareEmojiName(text.slice(1, -1));
        if (bare) this.emojis.push({ start: this.out.length, end: this.out.length + text.length });
        this.out += text;
        break;
      }
      case "mention":
        this.out += `${MENTION_PREFIX}${percentEncode(node.id)}|${node.text}>`;
        break;
    }
  }

  /**
   * Writes each emoji as `:name:` where the parser will read it back as the
   * same emoji, and as `<!!customemoji:name>` elsewhere: next to a word
   * character, or where an unfinished `<!!mention:` earlier on the line
   * could swallow it.
   */
  finish(): string {
    const text = this.out;
    let result = "";
    let copied = 0;
    let scanned = 0;
    let mentionOpen = false;
    for (const { start, end } of this.emojis) {
      for (; scanned < start; scanned++) {
        const c = text[scanned];
        if (c === "\n" || c === ">") mentionOpen = false;
        else if (c === "<") mentionOpen = text.startsWith(MENTION_PREFIX, scanned);
      }
      scanned = end;
      const bare = !mentionOpen && !isEmojiWord(charBefore(text, start)) && !isEmojiWord(charAt(text, end));
      result += text.slice(copied, start);
      result += bare ? text.slice(start, end) : `${EMOJI_PREFIX}${text.slice(start + 1, end - 1)}>`;
      copied = end;
    }
    return result + text.slice(copied);
  }
}
