// TalkJS's message markup, parsed exactly as the server parses it
// (crates/chinwag-core/src/content/markup.rs; tests/markup/corpus.json holds
// cases both must agree on). The parser is a pipeline of scanners:
//
// 1. code spans (```…```, may span lines; nothing inside is parsed);
// 2. bullet lists (runs of `- item` lines) in the text between code spans;
// 3. every remaining line, and every bullet item, goes through the
//    single-line steps in this order: mention, custom emoji, labelled link,
//    action link/button, wiki text (bold/italic/strikethrough), autolink,
//    phone autolink.
//
// A step only looks at the plain text the steps before it left, so a node
// found by an earlier step is opaque to the later ones.
import {
  charAt,
  charBefore,
  compareCodePoints,
  isAlphanumeric,
  isAsciiAlphanumeric,
  isAsciiDigit,
  isControl,
  isOneOf,
  isWhitespace,
  scanWhile,
  startsWithIgnoringAsciiCase,
} from "./chars.js";
import type { MarkupNode, TextNode } from "./nodes.js";
import { EMOJI_PREFIX, isEmojiNameCode, isEmojiWord, MAX_EMOJI_NAME, MENTION_PREFIX, percentDecode } from "./syntax.js";

/** What the parser may produce besides the formatting everyone may use. */
export interface ParseOptions {
  /**
   * Recognise `<url|label>` links and `<actionlink:…|…>` / `<actionbutton:…|…>`
   * actions. The server allows them in text sent through the REST API only;
   * for users those forms stay plain text.
   */
  linksAndActions: boolean;
}

/**
 * The most typed (non-string) nodes one parse creates; whatever markup
 * remains after that stays plain text. The server's limit, which keeps a
 * parsed message within its validator's node limit.
 */
const MAX_PARSED_NODES = 1600;

/** Parses markup into the children of one text block. */
export function parse(text: string, options: ParseOptions): TextNode[] {
  return parseWithBudget(text, options, MAX_PARSED_NODES);
}

/** `parse` that may create at most `budget` typed nodes. */
export function parseWithBudget(text: string, options: ParseOptions, budget: number): TextNode[] {
  const out: TextNode[] = [];
  new Parser(options, budget).document(text, out);
  return out;
}

type TypedNode = Exclude<TextNode, string>;

/** A piece of a line while the single-line steps run: unclaimed text, or a node an earlier step made. */
type Piece = string | TypedNode;

/** Where a single-line step found its construct, and what it holds. */
type Found = { start: number; end: number } & (
  | { kind: "mention"; id: string; name: string }
  | { kind: "emoji"; name: string }
  | { kind: "link"; url: string; label: string }
  | { kind: "action"; button: boolean; action: string; params: string; label: string }
);

type Finder = (s: string, from: number) => Found | undefined;

type Marker = "*" | "_" | "~";
const STYLES: Record<Marker, { bit: number; type: MarkupNode["type"] }> = {
  "*": { bit: 1, type: "bold" },
  _: { bit: 2, type: "italic" },
  "~": { bit: 4, type: "strikethrough" },
};
const ALL_STYLES = 7;

class Parser {
  private readonly options: ParseOptions;
  /** Typed nodes the parser may still create. */
  private budget: number;

  constructor(options: ParseOptions, budget: number) {
    this.options = options;
    this.budget = budget;
  }

  private take(): boolean {
    if (this.budget === 0) return false;
    this.budget--;
    return true;
  }

  /** Code spans first, then everything between them. */
  document(text: string, out: TextNode[]): void {
    let pos = 0;
    while (this.budget > 0) {
      const open = text.indexOf("```", pos);
      if (open < 0) break;
      const inner = open + 3;
      const first = charAt(text, inner);
      // The first "```" with no closing "```" after it means no later one
      // has a closing one either.
      const close = first === "" ? -1 : text.indexOf("```", inner + first.length);
      if (close < 0) break;
      this.budget--;
      this.segment(text.slice(pos, open), out);
      out.push({ type: "codeSpan", text: text.slice(inner, close) });
      pos = close + 3;
    }
    this.segment(text.slice(pos), out);
  }

  /** Text outside code spans: bullet lists, then lines. */
  private segment(seg: string, out: TextNode[]): void {
    let plainStart = 0;
    let lineStart = 0;
    while (lineStart < seg.length) {
      const lineEnd = lineEndFrom(seg, lineStart);
      if (bulletContentStart(seg.slice(lineStart, lineEnd)) === undefined) {
        lineStart = lineEnd + 1;
        continue;
      }
      // A run of bullet lines starts here. Text before it comes first (it
      // may use up the node budget).
      this.lines(seg.slice(plainStart, lineStart), out);
      plainStart = lineStart;
      if (this.budget < 2) {
        lineStart = lineEnd + 1;
        continue;
      }
      this.budget--;
      const items: TextNode[] = [];
      let start = lineStart;
      while (start < seg.length) {
        const end = lineEndFrom(seg, start);
        const content = bulletContentStart(seg.slice(start, end));
        if (content === undefined || !this.take()) break;
        const children: TextNode[] = [];
        this.inline(seg.slice(start + content, end), children);
        items.push({ type: "bulletPoint", children });
        // The newline that ends the list belongs to the list.
        start = Math.min(end + 1, seg.length);
      }
      out.push({ type: "bulletList", children: items });
      plainStart = start;
      lineStart = start;
    }
    this.lines(seg.slice(plainStart), out);
  }

  /** Plain (non-list) text: every line separately, newlines kept as text. */
  private lines(text: string, out: TextNode[]): void {
    text.split("\n").forEach((line, i) => {
      if (i > 0) pushText(out, "\n");
      this.inline(line, out);
    });
  }

  /** The single-line steps on one line. */
  private inline(line: string, out: TextNode[]): void {
    if (line === "") return;
    let pieces: Piece[] = [line];
    if (line.includes("<")) pieces = this.split(pieces, findMention);
    if (line.includes(":") || line.includes("<")) pieces = this.split(pieces, findEmoji);
    if (this.options.linksAndActions && line.includes("<")) {
      pieces = this.split(pieces, findLink);
      pieces = this.split(pieces, findAction);
    }
    for (const piece of pieces) {
      if (typeof piece === "string") this.wiki(piece, ALL_STYLES, true, out);
      else out.push(piece);
    }
  }

  /** Runs one step over the unclaimed text pieces. */
  private split(pieces: Piece[], find: Finder): Piece[] {
    const result: Piece[] = [];
    for (const piece of pieces) {
      if (typeof piece !== "string") {
        result.push(piece);
        continue;
      }
      let pos = 0;
      while (this.budget > 0) {
        const found = find(piece, pos);
        if (found === undefined) break;
        this.budget--;
        if (found.start > pos) result.push(piece.slice(pos, found.start));
        result.push(this.node(found));
        pos = found.end;
      }
      if (pos < piece.length) result.push(piece.slice(pos));
    }
    return result;
  }

  private node(found: Found): TypedNode {
    switch (found.kind) {
      case "mention":
        return { type: "mention", id: percentDecode(found.id), text: found.name };
      case "emoji":
        return { type: "customEmoji", text: `:${found.name}:` };
      case "link":
        return { type: "link", url: found.url, children: this.label(found.label) };
      case "action": {
        const params = parseParams(found.params);
        const type = found.button ? "actionButton" : "actionLink";
        return { type, action: found.action, params, children: this.label(found.label) };
      }
    }
  }

  /** Children of a link or action label: wiki text only, no autolinks. */
  private label(label: string): TextNode[] {
    const children: TextNode[] = [];
    this.wiki(label, ALL_STYLES, false, children);
    return children;
  }

  /**
   * Bold, italic and strikethrough in `s`, with the styles in `styles` still
   * allowed (a style cannot nest inside itself). Text outside the markers
   * goes on to the autolink steps when `links` is set.
   */
  private wiki(s: string, styles: number, links: boolean, out: TextNode[]): void {
    if (this.budget === 0 || !hasMarker(s, styles)) {
      this.leaf(s, links, out);
      return;
    }
    // Closing markers do not depend on where the opening one is: the
    // character before must not be whitespace or the marker, the one after
    // must be a boundary.
    const closes: Record<Marker, number[]> = { "*": [], _: [], "~": [] };
    for (let j = 1; j < s.length; j++) {
      const marker = markerAt(s, j, styles);
      if (marker === undefined) continue;
      const before = charBefore(s, j);
      const after = charAt(s, j + 1);
      if (isWhitespace(before) || before === marker || (after !== "" && !isWikiBoundary(after))) continue;
      closes[marker].push(j);
    }
    const cursors: Record<Marker, number> = { "*": 0, _: 0, "~": 0 };
    let plainStart = 0;
    let i = 0;
    while (i < s.length) {
      const marker = markerAt(s, i, styles);
      if (marker === undefined || this.budget === 0 || !wikiCanOpen(s, i, marker)) {
        i++;
        continue;
      }
      // The first closing marker with at least one character between.
      const positions = closes[marker];
      while ((positions[cursors[marker]] ?? Number.POSITIVE_INFINITY) < i + 2) cursors[marker]++;
      const close = positions[cursors[marker]];
      if (close === undefined) {
        i++;
        continue;
      }
      this.budget--;
      this.leaf(s.slice(plainStart, i), links, out);
      const children: TextNode[] = [];
      this.wiki(s.slice(i + 1, close), styles & ~STYLES[marker].bit, links, children);
      out.push({ type: STYLES[marker].type, children });
      i = close + 1;
      plainStart = i;
    }
    this.leaf(s.slice(plainStart), links, out);
  }

  /** Autolinks, then phone numbers, in text no earlier step claimed. */
  private leaf(s: string, links: boolean, out: TextNode[]): void {
    if (!links) {
      pushText(out, s);
      return;
    }
    let pos = 0;
    while (this.budget > 0) {
      const found = findAutolink(s, pos);
      if (found === undefined) break;
      this.budget--;
      this.phones(s.slice(pos, found.start), out);
      out.push({ type: "autoLink", url: found.url, text: s.slice(found.start, found.end) });
      pos = found.end;
    }
    this.phones(s.slice(pos), out);
  }

  private phones(s: string, out: TextNode[]): void {
    let pos = 0;
    while (this.budget > 0) {
      const found = findPhone(s, pos);
      if (found === undefined) break;
      this.budget--;
      pushText(out, s.slice(pos, found.start));
      const text = s.slice(found.start, found.end);
      out.push({ type: "autoLink", url: phoneUrl(text), text });
      pos = found.end;
    }
    pushText(out, s.slice(pos));
  }
}

/** Appends plain text, merging it into a plain string before it. */
function pushText(out: TextNode[], s: string): void {
  if (s === "") return;
  const last = out.length - 1;
  const previous = out[last];
  if (typeof previous === "string") out[last] = previous + s;
  else out.push(s);
}

function lineEndFrom(s: string, start: number): number {
  const newline = s.indexOf("\n", start);
  return newline < 0 ? s.length : newline;
}

// --- bullet lists -------------------------------------------------------------

const isHorizontalSpace = (c: string): boolean => c !== "\n" && isWhitespace(c);

/** If `line` is a bullet line (`^\s*[-*+]\s+\S`), where its item text starts. */
function bulletContentStart(line: string): number | undefined {
  const marker = scanWhile(line, 0, isHorizontalSpace);
  if (!isOneOf(line.charAt(marker), "-*+")) return undefined;
  const content = scanWhile(line, marker + 1, isHorizontalSpace);
  return content === marker + 1 || content === line.length ? undefined : content;
}

// --- mentions, emoji, links, actions --------------------------------------------

/** `|label>` at `pos`: the label (no `<` or `>`, not empty) and where the match ends. */
function matchLabel(s: string, pos: number): { label: string; end: number } | undefined {
  if (s[pos] !== "|") return undefined;
  const start = pos + 1;
  const end = scanWhile(s, start, (c) => c !== "<" && c !== ">");
  if (end === start || s[end] !== ">") return undefined;
  return { label: s.slice(start, end), end: end + 1 };
}

/** Characters of a mention id, action name or link URL. */
const isTargetChar = (c: string): boolean => !(isWhitespace(c) || isControl(c) || isOneOf(c, "|<>"));

/** `<!!mention:ID|Name>`. */
function findMention(s: string, from: number): Found | undefined {
  for (let start = s.indexOf(MENTION_PREFIX, from); start >= 0; start = s.indexOf(MENTION_PREFIX, start + 1)) {
    const idStart = start + MENTION_PREFIX.length;
    const idEnd = scanWhile(s, idStart, isTargetChar);
    const label = idEnd > idStart ? matchLabel(s, idEnd) : undefined;
    if (label !== undefined) {
      return { kind: "mention", start, end: label.end, id: s.slice(idStart, idEnd), name: label.label };
    }
  }
  return undefined;
}

/** End of an emoji name starting at `start`, if it is 1 to 48 characters long and followed by `terminator`. */
function emojiNameEnd(s: string, start: number, terminator: string): number | undefined {
  let end = start;
  while (end - start <= MAX_EMOJI_NAME && isEmojiNameCode(s.charCodeAt(end))) end++;
  const length = end - start;
  return length >= 1 && length <= MAX_EMOJI_NAME && s[end] === terminator ? end : undefined;
}

/** `<!!customemoji:NAME>` or a bare `:name:` standing on its own. */
function findEmoji(s: string, from: number): Found | undefined {
  for (let i = from; i < s.length; i++) {
    if (s.startsWith(EMOJI_PREFIX, i)) {
      const nameStart = i + EMOJI_PREFIX.length;
      const nameEnd = emojiNameEnd(s, nameStart, ">");
      if (nameEnd !== undefined) {
        return { kind: "emoji", start: i, end: nameEnd + 1, name: s.slice(nameStart, nameEnd) };
      }
    } else if (s[i] === ":" && !isEmojiWord(charBefore(s, i))) {
      const nameEnd = emojiNameEnd(s, i + 1, ":");
      if (nameEnd !== undefined && !isEmojiWord(charAt(s, nameEnd + 1))) {
        return { kind: "emoji", start: i, end: nameEnd + 1, name: s.slice(i + 1, nameEnd) };
      }
    }
  }
  return undefined;
}

/** The length of the `https://` or `http://` (in any case) at `at`, or 0. */
function httpSchemeLength(s: string, at: number): number {
  if (startsWithIgnoringAsciiCase(s, at, "https://")) return 8;
  return startsWithIgnoringAsciiCase(s, at, "http://") ? 7 : 0;
}

/**
 * Whether `url` may be the target of a labelled link: `http://` or
 * `https://` followed by a host, or `mailto:` followed by something. (It is
 * made of target characters, so holds no whitespace or control characters.)
 */
function isLinkUrl(url: string): boolean {
  const scheme = httpSchemeLength(url, 0);
  if (scheme > 0) {
    const host = url.charAt(scheme);
    return host !== "" && !isOneOf(host, "/?#");
  }
  return startsWithIgnoringAsciiCase(url, 0, "mailto:") && url.length > 7;
}

/** `<URL|label>` with an http(s) or mailto URL. */
function findLink(s: string, from: number): Found | undefined {
  for (let start = s.indexOf("<", from); start >= 0; start = s.indexOf("<", start + 1)) {
    const urlEnd = scanWhile(s, start + 1, isTargetChar);
    const url = s.slice(start + 1, urlEnd);
    const label = isLinkUrl(url) ? matchLabel(s, urlEnd) : undefined;
    if (label !== undefined) return { kind: "link", start, end: label.end, url, label: label.label };
  }
  return undefined;
}

/** `<actionlink:ACTION?k=v|label>` or `<actionbutton:ACTION?k=v|label>`. */
function findAction(s: string, from: number): Found | undefined {
  for (let start = s.indexOf("<", from); start >= 0; start = s.indexOf("<", start + 1)) {
    const button = s.startsWith("actionbutton:", start + 1);
    if (!button && !s.startsWith("actionlink:", start + 1)) continue;
    const actionStart = start + 1 + (button ? "actionbutton:" : "actionlink:").length;
    const actionEnd = scanWhile(s, actionStart, (c) => isTargetChar(c) && c !== "?");
    if (actionEnd === actionStart) continue;
    const query = s[actionEnd] === "?";
    const paramsEnd = query ? scanWhile(s, actionEnd + 1, isTargetChar) : actionEnd;
    const label = matchLabel(s, paramsEnd);
    if (label !== undefined) {
      const action = s.slice(actionStart, actionEnd);
      const params = query ? s.slice(actionEnd + 1, paramsEnd) : "";
      return { kind: "action", start, end: label.end, button, action, params, label: label.label };
    }
  }
  return undefined;
}

function parseParams(query: string): Record<string, string> {
  const params = new Map<string, string>();
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    const key = equals < 0 ? pair : pair.slice(0, equals);
    params.set(percentDecode(key), equals < 0 ? "" : percentDecode(pair.slice(equals + 1)));
  }
  // The server keeps params in a map sorted by key and writes them in that
  // order; adding them in that order gives the same JSON (except that a
  // JavaScript object always lists integer-like keys such as "9" first).
  // fromEntries also makes "__proto__" an ordinary key.
  return Object.fromEntries([...params].sort(([a], [b]) => compareCodePoints(a, b)));
}

// --- wiki text -------------------------------------------------------------------

/** The style marker at `i`, if its style is one of `styles`. */
function markerAt(s: string, i: number, styles: number): Marker | undefined {
  const c = s[i];
  return (c === "*" || c === "_" || c === "~") && (STYLES[c].bit & styles) !== 0 ? c : undefined;
}

function hasMarker(s: string, styles: number): boolean {
  for (let i = 0; i < s.length; i++) {
    if (markerAt(s, i, styles) !== undefined) return true;
  }
  return false;
}

/** Characters next to which a wiki marker counts as a marker (besides whitespace). */
const WIKI_BOUNDARY = "’'()[]{}<>:,‒–—―…!.«»-‐?‘“”;/⁄␠·&@*\\•^¤¢$€£¥₩₪†‡°¡¿¬#№%‰‱¶′§~¨_|¦⁂☞∴‽※";

const isWikiBoundary = (c: string): boolean => isWhitespace(c) || isOneOf(c, WIKI_BOUNDARY);

/**
 * Whether `marker` at `i` may open a span: a boundary before it, and content
 * after it that starts with neither whitespace nor the marker.
 */
function wikiCanOpen(s: string, i: number, marker: Marker): boolean {
  const before = charBefore(s, i);
  if (before !== "" && !isWikiBoundary(before)) return false;
  const after = charAt(s, i + 1);
  return after !== "" && !isWhitespace(after) && after !== marker;
}

// --- autolinks -------------------------------------------------------------------

/** Top-level domains a bare `name.tld` is linked for. */
const TLDS = new Set(
  (
    "ai app at au be biz blog br ca cc ch cloud cn co com cz de dev dk edu es eu fi fm fr gg gov gr hu ie in info " +
    "int io it jp me mil mx net nl no nu nz online org page pl pt ro ru se shop site sk store tech tv uk us xyz za"
  ).split(" "),
);

/** Whether a link may start right after `prev`. */
const isLinkBoundary = (prev: string): boolean =>
  prev === "" || !(isAlphanumeric(prev) || isOneOf(prev, ".-_@/%+~#=&\\$"));

const isUrlChar = (c: string): boolean => !(isWhitespace(c) || isControl(c) || isOneOf(c, '<>"|`'));

const isLabelCode = (code: number): boolean => isAsciiAlphanumeric(code) || code === 0x2d;

/**
 * Cuts trailing punctuation off the URL `s[start, end)`, but never below
 * `minEnd`. A `)` stays when the URL has an unmatched `(`.
 */
function trimUrlEnd(s: string, start: number, end: number, minEnd: number): number {
  const url = s.slice(start, end);
  const opens = url.split("(").length - 1;
  let closes = url.split(")").length - 1;
  let trimmed = end;
  while (trimmed > minEnd) {
    const last = s.charAt(trimmed - 1);
    if (isOneOf(last, ".,;:!?'\"")) {
      trimmed--;
    } else if (last === ")" && closes > opens) {
      closes--;
      trimmed--;
    } else {
      break;
    }
  }
  return trimmed;
}

/** Scans `label(.label)*` from `start`: where it ends and where its last label starts. */
function scanHost(s: string, start: number): { end: number; lastLabel: number } | undefined {
  let lastLabel = start;
  let pos = start;
  for (;;) {
    while (isLabelCode(s.charCodeAt(pos))) pos++;
    if (pos === lastLabel) return undefined;
    if (s[pos] !== "." || !isLabelCode(s.charCodeAt(pos + 1))) return { end: pos, lastLabel };
    pos++;
    lastLabel = pos;
  }
}

/** Whether the character at `end` lets a host end there. */
function hostMayEnd(s: string, end: number): boolean {
  const c = charAt(s, end);
  return !(isAlphanumeric(c) || c === "_" || c === "@");
}

interface Autolink {
  start: number;
  end: number;
  url: string;
}

/** The first web address or email address in `s` at or after `from`. */
function findAutolink(s: string, from: number): Autolink | undefined {
  for (let i = from; i < s.length; i++) {
    if (isAsciiAlphanumeric(s.charCodeAt(i)) && isLinkBoundary(charBefore(s, i))) {
      const found = autolinkAt(s, i);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function autolinkAt(s: string, i: number): Autolink | undefined {
  // Scheme URL.
  const scheme = httpSchemeLength(s, i);
  if (scheme > 0) {
    const host = i + scheme;
    if (!isAlphanumeric(charAt(s, host))) return undefined;
    const end = trimUrlEnd(s, i, scanWhile(s, host, isUrlChar), host + 1);
    return { start: i, end, url: s.slice(i, end) };
  }
  // www.
  if (startsWithIgnoringAsciiCase(s, i, "www.") && isAlphanumeric(charAt(s, i + 4))) {
    const end = trimUrlEnd(s, i, scanWhile(s, i + 4, isUrlChar), i + 5);
    return { start: i, end, url: `https://${s.slice(i, end)}` };
  }
  // Email address.
  let localEnd = i;
  while (isAsciiAlphanumeric(s.charCodeAt(localEnd)) || isOneOf(s.charAt(localEnd), "._%+-")) localEnd++;
  if (s[localEnd] === "@") {
    const domain = localEnd + 1;
    const host = scanHost(s, domain);
    if (
      host !== undefined &&
      host.lastLabel > domain &&
      host.end - host.lastLabel >= 2 &&
      /^[A-Za-z]+$/.test(s.slice(host.lastLabel, host.end)) &&
      hostMayEnd(s, host.end)
    ) {
      return { start: i, end: host.end, url: `mailto:${s.slice(i, host.end)}` };
    }
    return undefined;
  }
  // Bare domain with a known top-level domain.
  const host = scanHost(s, i);
  if (
    host === undefined ||
    host.lastLabel === i ||
    !TLDS.has(s.slice(host.lastLabel, host.end).toLowerCase()) ||
    !hostMayEnd(s, host.end)
  ) {
    return undefined;
  }
  let end = host.end;
  // Port.
  if (s[end] === ":") {
    const digits = end + 1;
    let portEnd = digits;
    while (isAsciiDigit(s.charCodeAt(portEnd)) && portEnd - digits < 5) portEnd++;
    if (portEnd > digits && hostMayEnd(s, portEnd) && !isAsciiDigit(s.charCodeAt(portEnd))) end = portEnd;
  }
  // Path, query or fragment.
  if (isOneOf(s.charAt(end), "/?#")) end = trimUrlEnd(s, i, scanWhile(s, end, isUrlChar), end);
  return { start: i, end, url: `https://${s.slice(i, end)}` };
}

// --- phone numbers ---------------------------------------------------------------

/** ASCII word characters plus `-`, `:` and `/`: what may not touch a number. */
const isPhoneWord = (c: string): boolean => isAsciiAlphanumeric(c.charCodeAt(0)) || isOneOf(c, "_-:/");

/** The `tel:` URL for a phone number as written: its digits, and a `+` if it starts with one. */
function phoneUrl(text: string): string {
  return `tel:${text.startsWith("+") ? "+" : ""}${text.replace(/[^0-9]/g, "")}`;
}

/**
 * Finds `[(+]?\d(?:[-_+ ().]?\d){5,11}\d` standing on its own; skips year
 * ranges, time ranges and dates.
 */
function findPhone(s: string, from: number): { start: number; end: number } | undefined {
  let i = from;
  while (i < s.length) {
    const c = s.charAt(i);
    if ((isAsciiDigit(s.charCodeAt(i)) || c === "(" || c === "+") && !isPhoneWord(charBefore(s, i))) {
      const end = phoneAt(s, i);
      if (end !== undefined) {
        if (!isNumberRangeOrDate(s.slice(i, end))) return { start: i, end };
        i = end;
        continue;
      }
    }
    i++;
  }
  return undefined;
}

function phoneAt(s: string, start: number): number | undefined {
  let pos = start;
  if (s[pos] === "(" || s[pos] === "+") pos++;
  if (!isAsciiDigit(s.charCodeAt(pos))) return undefined;
  pos++;
  // ends[k]: end of the (k+1)-th digit, if it directly follows a digit.
  const ends: (number | undefined)[] = [undefined];
  while (ends.length < 13) {
    if (isAsciiDigit(s.charCodeAt(pos))) {
      pos++;
      ends.push(pos);
    } else if (isOneOf(s.charAt(pos), "-_+ ().") && isAsciiDigit(s.charCodeAt(pos + 1))) {
      pos += 2;
      ends.push(undefined);
    } else {
      break;
    }
  }
  // Longest match of 7 to 13 digits whose last digit has no separator
  // before it and which is followed by a non-word character.
  for (let count = ends.length; count >= 7; count--) {
    const end = ends[count - 1];
    if (end !== undefined && !isPhoneWord(charAt(s, end))) return end;
  }
  return undefined;
}

/** `2019-2020`, `9.00-17.30`, `2024-01-15`, `15.01.2024` and the like. */
function isNumberRangeOrDate(text: string): boolean {
  const groups = text.split(/[-.]/);
  if (!groups.every((group) => /^[0-9]+$/.test(group))) return false;
  const dashes = text.split("-").length - 1;
  const isYear = (group = "") => group.startsWith("19") || group.startsWith("20");
  // The group lengths, as "4,2,2".
  const shape = groups.map((group) => group.length).join(",");
  // Year range.
  if (shape === "4,4") return dashes === 1;
  // Time range: H.MM-H.MM.
  if (/^[12],2,[12],2$/.test(shape)) return dashes === 1 && text.split("-").every((half) => half.includes("."));
  // Dates: YYYY-MM-DD, DD.MM.YYYY, DD-MM-YYYY.
  if (/^4,[12],[12]$/.test(shape)) return isYear(groups[0]);
  if (/^[12],[12],4$/.test(shape)) return isYear(groups[2]);
  return false;
}
