// Pieces of the markup syntax that both the parser and toMarkup need.
import { isAlphanumeric, isAsciiAlphanumeric, isOneOf } from "./chars.js";

export const MENTION_PREFIX = "<!!mention:";
export const EMOJI_PREFIX = "<!!customemoji:";
export const MAX_EMOJI_NAME = 48;

/** For a UTF-16 code unit: whether it may be part of an emoji name. */
export const isEmojiNameCode = (code: number): boolean =>
  isAsciiAlphanumeric(code) || code === 0x5f || code === 0x2b || code === 0x2d;

/** Characters that may not touch a bare `:name:` emoji. */
export const isEmojiWord = (c: string): boolean => isAlphanumeric(c) || isOneOf(c, "_+-:");

/**
 * Decodes `%XX` escapes; a `%` not followed by two hex digits stays as it is,
 * and bytes that are not UTF-8 become U+FFFD. The server decodes with Rust's
 * `String::from_utf8_lossy`, which replaces the same maximal invalid
 * sequences as TextDecoder; `ignoreBOM` keeps a leading U+FEFF as Rust does.
 */
export function percentDecode(s: string): string {
  if (!s.includes("%")) return s;
  const utf8 = new TextEncoder();
  // Splitting on a capture group alternates text (even) and escapes (odd).
  const bytes = s
    .split(/%([0-9A-Fa-f]{2})/)
    .flatMap((part, k) => (k % 2 === 1 ? [Number.parseInt(part, 16)] : [...utf8.encode(part)]));
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(Uint8Array.from(bytes));
}

/** Percent-encodes the UTF-8 bytes of `s`, all but the URL-unreserved characters. */
export function percentEncode(s: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(s)) {
    const unreserved = isAsciiAlphanumeric(byte) || byte === 0x2d || byte === 0x5f || byte === 0x2e || byte === 0x7e;
    out += unreserved ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
