import { sha1Hex } from "./sha1.js";

/** Anything with an `id`, such as a user reference or snapshot. */
export interface HasId {
  readonly id: string;
}

function idOf(user: string | number | HasId): string {
  return typeof user === "object" ? user.id : String(user);
}

/**
 * The id of the one-on-one conversation between two users, as TalkJS's
 * `Talk.oneOnOneId` computes it: the first 20 hex digits of the SHA-1 of
 * the JSON array of both ids, sorted. The order of the arguments does not matter.
 */
export function oneOnOneId(me: string | number | HasId, other: string | number | HasId): string {
  const ids = [idOf(me), idOf(other)].sort();
  return sha1Hex(JSON.stringify(ids)).slice(0, 20);
}
