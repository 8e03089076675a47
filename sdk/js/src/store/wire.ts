// The shapes the server sends (realtime protocol §6), and small helpers to
// read them defensively.

import type { ContentBlock } from "../content.js";
import type { Access, MessageOrigin, NotifySetting } from "../types.js";

export interface WireUser {
  readonly id: string;
  readonly name: string;
  readonly custom: Record<string, string>;
  readonly locale: string | null;
  readonly photoUrl: string | null;
  readonly role: string;
  readonly welcomeMessage: string | null;
}

/** The current user's view of a conversation. */
export interface WireSide {
  readonly id: string;
  readonly subject: string | null;
  readonly photoUrl: string | null;
  readonly welcomeMessages: string[];
  readonly custom: Record<string, string>;
  readonly createdAt: number;
  readonly joinedAt: number;
  readonly lastMessageAt: number;
  readonly unreadMessageCount: number;
  readonly isUnread: boolean;
  readonly access: Access;
  readonly notify: NotifySetting;
  readonly readUntil: number;
  readonly everyoneReadUntil: number;
}

export interface WireReaction {
  readonly count: number;
  readonly currentUserReacted: boolean;
  readonly createdAt: number;
}

export interface WireMessage {
  readonly id: string;
  readonly type: "UserMessage" | "SystemMessage";
  readonly senderId: string | null;
  readonly custom: Record<string, string>;
  readonly createdAt: number;
  readonly editedAt: number | null;
  readonly referencedMessageId: string | null;
  readonly origin: MessageOrigin;
  readonly content: ContentBlock[];
  readonly reactions: Record<string, WireReaction>;
}

export interface WireParticipant {
  readonly id: string;
  readonly access: Access;
  readonly notify: NotifySetting;
  readonly joinedAt: number;
}

export interface WireTyping {
  readonly many: boolean;
  /** User id → when they started typing (ms); absent when many. */
  readonly usersTyping: Record<string, number>;
}

export interface WireReactionEntry {
  readonly userId: string;
  readonly createdAt: number;
}

/** A page of a list. */
export interface WirePage<T> {
  readonly data: T[];
  readonly cursor: string | null;
}

/** Applies a `custom` patch (null removes a key; a null patch clears all). */
export function patchCustom(
  custom: Record<string, string>,
  patch: Record<string, string | null> | null,
): Record<string, string> {
  if (patch === null) return {};
  const out: Record<string, string> = { ...custom };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** A copy of `base` with the fields of `diff` set (and `custom` patched). */
export function applyDiff<T extends { custom: Record<string, string> }>(base: T, diff: Record<string, unknown>): T {
  const next: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(diff)) {
    if (k === "custom") next.custom = patchCustom(base.custom, v as Record<string, string | null> | null);
    else next[k] = v;
  }
  return next as T;
}

/** Whether a 403/404 answer means "not a participant, or nothing there". */
export function isAbsent(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  return status === 404 || (status === 403 && (error as { errorCode?: string }).errorCode === "NOT_A_PARTICIPANT");
}
