// Conversation filters, evaluated on the client when a conversation list
// learns of a change (a new conversation, new attributes), with the same
// meaning the server gives them (crates/chinwag-core/src/filter.rs).

import type {
  ConversationFilter,
  CustomFilter,
  NumberFilter,
  SimpleConversationFilter,
  StringFilter,
} from "./types.js";

/** What a filter looks at: the current user's view of a conversation. */
export interface FilterSubject {
  readonly access: string;
  readonly custom: Readonly<Record<string, string>>;
  readonly isUnread: boolean;
  readonly subject: string | null;
  readonly lastMessageAt: number;
  readonly createdAt: number;
  readonly joinedAt: number;
}

export function matchesFilter(filter: ConversationFilter | undefined, c: FilterSubject): boolean {
  if (filter === undefined || filter === null) return true;
  if (Array.isArray(filter)) return (filter[1] ?? []).some((f) => matchesSimple(f, c));
  return matchesSimple(filter, c);
}

/** Whether the filter can only be decided with the conversation's attributes (not the time alone). */
export function isTrivialFilter(filter: ConversationFilter | undefined): boolean {
  return filter === undefined || filter === null || (!Array.isArray(filter) && Object.keys(filter).length === 0);
}

function matchesSimple(f: SimpleConversationFilter, c: FilterSubject): boolean {
  if (f.access !== undefined && !matchesString(f.access, c.access)) return false;
  if (f.custom !== undefined && !matchesCustom(f.custom, c.custom)) return false;
  if (f.isUnread !== undefined && f.isUnread !== c.isUnread) return false;
  // The conversation has messages when its last activity is not its join time.
  if (f.hasMessages !== undefined && f.hasMessages !== (c.lastMessageAt !== c.joinedAt)) return false;
  if (f.subject !== undefined && !matchesString(f.subject, c.subject)) return false;
  if (f.lastActivityAt !== undefined && !matchesNumber(f.lastActivityAt, c.lastMessageAt)) return false;
  if (f.createdAt !== undefined && !matchesNumber(f.createdAt, c.createdAt)) return false;
  if (f.joinedAt !== undefined && !matchesNumber(f.joinedAt, c.joinedAt)) return false;
  return true;
}

function matchesString<T extends string | null>(f: StringFilter<T>, value: string | null | undefined): boolean {
  const v = value === undefined ? undefined : value;
  switch (f[0]) {
    case "==":
      return f[1] === v;
    case "!=":
      return f[1] !== v;
    case "oneOf":
      return (f[1] as (string | null)[]).some((x) => x === v);
    case "!oneOf":
      return !(f[1] as (string | null)[]).some((x) => x === v);
    default:
      return false;
  }
}

/** A missing key satisfies `!=`, `!oneOf` and `!exists` only. */
function matchesCustom(f: CustomFilter, custom: Readonly<Record<string, string>>): boolean {
  for (const [key, kf] of Object.entries(f)) {
    const value = Object.hasOwn(custom, key) ? custom[key] : undefined;
    if (kf === "exists") {
      if (value === undefined) return false;
    } else if (kf === "!exists") {
      if (value !== undefined) return false;
    } else if (!matchesString(kf, value)) {
      return false;
    }
  }
  return true;
}

function matchesNumber(f: NumberFilter, x: number): boolean {
  switch (f[0]) {
    case ">":
      return x > f[1];
    case "<":
      return x < f[1];
    // As the client normalises them: `>= n` is `> n - 1`, `<= n` is `< n + 1`.
    case ">=":
      return x > f[1] - 1;
    case "<=":
      return x < f[1] + 1;
    case "between":
      return f[1][0] <= x && x < f[1][1];
    case "!between":
      return !(f[1][0] <= x && x < f[1][1]);
    default:
      return false;
  }
}
