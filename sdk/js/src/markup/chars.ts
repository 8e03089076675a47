// Characters as the server's parser sees them. Rust walks UTF-8 strings by
// `char` (a code point); here a character is a string of one code point (two
// UTF-16 units outside the Basic Multilingual Plane), and "" stands for "no
// character". Every predicate is false for "", so `isX(charBefore(s, i))`
// reads like Rust's `prev_char(s, i).is_some_and(is_x)`.
//
// Indexes are UTF-16 offsets where Rust uses byte offsets. Every place the
// parser compares an offset with a length does so across ASCII only (markers,
// emoji names, host labels, digits), where both count the same.

// The Unicode properties Rust's std uses: `char::is_whitespace` is
// White_Space, `is_alphanumeric` is Alphabetic or a number (Nd, Nl, No),
// `is_control` is Cc. (JavaScript's `\s` and `\w` are different sets.)
const WHITESPACE = /\p{White_Space}/u;
const ALPHANUMERIC = /[\p{Alphabetic}\p{N}]/u;
const CONTROL = /\p{Cc}/u;

export const isWhitespace = (c: string): boolean => WHITESPACE.test(c);
export const isAlphanumeric = (c: string): boolean => ALPHANUMERIC.test(c);
export const isControl = (c: string): boolean => CONTROL.test(c);

/** Whether `c` is one of the (Basic Multilingual Plane) characters in `chars`. */
export const isOneOf = (c: string, chars: string): boolean => c !== "" && chars.includes(c);

// For a UTF-16 code unit; NaN (what charCodeAt gives past the end) is neither.
export const isAsciiDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;
export const isAsciiAlphanumeric = (code: number): boolean =>
  isAsciiDigit(code) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/** The character starting at `i`, or "" at the end. */
export function charAt(s: string, i: number): string {
  const code = s.codePointAt(i);
  return code === undefined ? "" : String.fromCodePoint(code);
}

/** The character ending at `i`, or "" at the start. */
export function charBefore(s: string, i: number): string {
  if (i <= 0) return "";
  const pair = i >= 2 && isLowSurrogate(s.charCodeAt(i - 1)) && isHighSurrogate(s.charCodeAt(i - 2));
  return s.slice(pair ? i - 2 : i - 1, i);
}

/** End of the longest run of characters from `start` that satisfy `keep`. */
export function scanWhile(s: string, start: number, keep: (c: string) => boolean): number {
  let i = start;
  for (let c = charAt(s, i); c !== "" && keep(c); c = charAt(s, i)) i += c.length;
  return i;
}

/**
 * Whether `s` has `prefix` (lowercase ASCII) at `at`, ignoring ASCII case
 * only: toLowerCase or a `/iu` regex would also let the Kelvin sign match "k".
 */
export function startsWithIgnoringAsciiCase(s: string, at: number, prefix: string): boolean {
  for (let k = 0; k < prefix.length; k++) {
    const code = s.charCodeAt(at + k);
    const lower = code >= 0x41 && code <= 0x5a ? code + 0x20 : code;
    if (lower !== prefix.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * Orders strings by code point, as Rust orders `String`s (UTF-8 bytes).
 * UTF-16 order differs only where a surrogate meets U+E000..U+FFFF, so those
 * units are moved above the rest before comparing.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return inCodePointOrder(x) - inCodePointOrder(y);
  }
  return a.length - b.length;
}

function inCodePointOrder(code: number): number {
  if (code >= 0xe000) return code - 0x800;
  if (code >= 0xd800) return code + 0x2000;
  return code;
}
