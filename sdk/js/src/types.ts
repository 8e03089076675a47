// The public types of the Data API. Names, fields and semantics follow the
// Data API that TalkJS documents for `@talkjs/core` 1.12, so that code written
// against it compiles against this package unchanged.

import type { ContentBlock, SendContentBlock, TextNode } from "./content.js";

export type {
  ActionButtonNode,
  ActionLinkNode,
  AudioBlock,
  AutoLinkNode,
  BulletListNode,
  BulletPointNode,
  CodeSpanNode,
  CustomEmojiNode,
  FileBlock,
  FileToken,
  GenericFileBlock,
  ImageBlock,
  LinkNode,
  LocationBlock,
  MarkupNode,
  MentionNode,
  SendFileBlock,
  TextBlock,
  VideoBlock,
  VoiceBlock,
} from "./content.js";
export type { ContentBlock, SendContentBlock, TextNode };

/** `true`, `false` or `"MentionsOnly"`: when a participant is notified. */
export type NotifySetting = boolean | "MentionsOnly";
/** What a participant may do in a conversation. */
export type Access = "ReadWrite" | "Read";

// ---------------------------------------------------------------- snapshots

/** A user's public attributes at one moment. Immutable; reused while unchanged. */
export interface UserSnapshot {
  readonly id: string;
  readonly name: string;
  readonly custom: Record<string, string>;
  readonly locale: string | null;
  readonly photoUrl: string | null;
  readonly role: string;
  /** @deprecated Only the classic UI shows user welcome messages. */
  readonly welcomeMessage: string | null;
}

/** A user and whether they are connected right now. */
export interface UserOnlineSnapshot {
  readonly user: UserSnapshot;
  readonly isConnected: boolean;
}

/** The current user's view of a conversation at one moment. */
export interface ConversationSnapshot {
  readonly id: string;
  readonly subject: string | null;
  readonly photoUrl: string | null;
  readonly welcomeMessages: string[];
  readonly custom: Record<string, string>;
  readonly createdAt: number;
  readonly joinedAt: number;
  readonly lastMessage: MessageSnapshot | null;
  readonly unreadMessageCount: number;
  readonly readUntil: number;
  readonly everyoneReadUntil: number;
  readonly isUnread: boolean;
  readonly access: Access;
  readonly notify: NotifySetting;
}

/** A summary of one emoji's reactions on a message. */
export interface ReactionsSummarySnapshot {
  readonly emoji: string;
  readonly count: number;
  readonly currentUserReacted: boolean;
}
/** @deprecated Renamed to {@link ReactionsSummarySnapshot}. */
export type ReactionSnapshot = ReactionsSummarySnapshot;

/** One user's reaction with an emoji. */
export interface SingleReactionSnapshot {
  readonly user: UserSnapshot;
  readonly createdAt: number;
}

/** The message a reply refers to (its own reference is only an id). */
export interface ReferencedMessageSnapshot {
  readonly id: string;
  readonly type: "UserMessage";
  readonly sender: UserSnapshot;
  readonly custom: Record<string, string>;
  readonly createdAt: number;
  readonly editedAt: number | null;
  readonly referencedMessageId: string | null;
  readonly origin: MessageOrigin;
  readonly plaintext: string;
  readonly content: ContentBlock[];
  readonly reactions: ReactionsSummarySnapshot[];
}

/** How a message was made. */
export type MessageOrigin = "rest" | "import" | "email" | "web";

/** A message at one moment, with its sender and the message it replies to. */
export interface MessageSnapshot {
  readonly id: string;
  readonly type: "UserMessage" | "SystemMessage";
  readonly sender: UserSnapshot | null;
  readonly custom: Record<string, string>;
  readonly createdAt: number;
  readonly editedAt: number | null;
  readonly referencedMessage: ReferencedMessageSnapshot | null;
  readonly origin: MessageOrigin;
  readonly plaintext: string;
  readonly content: ContentBlock[];
  readonly reactions: ReactionsSummarySnapshot[];
}

/** A participant of a conversation: the user and their settings there. */
export interface ParticipantSnapshot {
  readonly user: UserSnapshot;
  readonly access: Access;
  readonly notify: NotifySetting;
  readonly joinedAt: number;
}

/** At most five people typing, longest first (never the current user). */
export interface FewTypingSnapshot {
  readonly many: false;
  readonly users: UserSnapshot[];
}
/** More than five people typing. */
export interface ManyTypingSnapshot {
  readonly many: true;
}
export type TypingSnapshot = FewTypingSnapshot | ManyTypingSnapshot;

/** A message found by a search, with its conversation. */
export interface SearchMessageSnapshot {
  conversation: ConversationSnapshot;
  message: MessageSnapshot;
}

// ---------------------------------------------------------------- parameters

export interface SetUserParams {
  name?: string;
  custom?: Record<string, string | null> | null;
  locale?: string | null;
  photoUrl?: string | null;
  role?: string | null;
  /** @deprecated */
  welcomeMessage?: string | null;
  email?: string | string[] | null;
  phone?: string | string[] | null;
  pushTokens?: Record<string, true | null> | null;
}

export interface CreateUserParams {
  name: string;
  custom?: Record<string, string>;
  locale?: string;
  photoUrl?: string;
  role?: string;
  /** @deprecated */
  welcomeMessage?: string;
  email?: string | string[];
  phone?: string | string[];
  pushTokens?: Record<string, true>;
}

export interface SetConversationParams {
  subject?: string | null;
  photoUrl?: string | null;
  welcomeMessages?: string[] | null;
  custom?: Record<string, string | null> | null;
  access?: Access | null;
  notify?: NotifySetting | null;
}

export interface CreateConversationParams {
  subject?: string;
  photoUrl?: string;
  welcomeMessages?: string[];
  custom?: Record<string, string>;
  access?: Access;
  notify?: NotifySetting;
}

export interface SetParticipantParams {
  access?: Access | null;
  notify?: NotifySetting | null;
}

export interface CreateParticipantParams {
  access?: Access;
  notify?: NotifySetting;
}

export interface SendTextMessageParams {
  custom?: Record<string, string>;
  referencedMessage?: string | { readonly id: string };
  text: string;
}

export interface SendMessageParams {
  custom?: Record<string, string>;
  referencedMessage?: string | { readonly id: string };
  content: [SendContentBlock];
}

export interface EditTextMessageParams {
  custom?: Record<string, string | null> | null;
  text?: string;
}

export interface EditMessageParams {
  custom?: Record<string, string | null> | null;
  content?: [SendContentBlock];
}

/**
 * Options of an upload (a Chinwag extension; `@talkjs/core` takes none).
 */
export interface UploadOptions {
  /**
   * Called as the bytes go out, with the bytes sent so far and the total (of
   * the whole request body). In a browser this uses `XMLHttpRequest`, the one
   * API that reports upload progress; elsewhere it is ignored.
   */
  onProgress?: (sent: number, total: number) => void;
}

export interface GenericFileMetadata {
  filename: string;
}
export interface ImageFileMetadata {
  filename: string;
  width?: number;
  height?: number;
}
export interface VideoFileMetadata {
  filename: string;
  width?: number;
  height?: number;
  duration?: number;
}
export interface AudioFileMetadata {
  filename: string;
  duration?: number;
}
export interface VoiceRecordingFileMetadata {
  filename: string;
  duration?: number;
}

// ---------------------------------------------------------------- filters

export type StringFilter<T = string> = ["==" | "!=", T] | ["oneOf" | "!oneOf", T[]];
export type NumberFilter = [">" | "<" | ">=" | "<=", number] | ["between" | "!between", [number, number]];
export type CustomFilter = Record<string, StringFilter | "exists" | "!exists">;
export type CompoundFilter<T> = ["any", T[]];

export interface SimpleConversationFilter {
  access?: StringFilter<Access>;
  custom?: CustomFilter;
  isUnread?: boolean;
  subject?: StringFilter<string | null>;
  lastActivityAt?: NumberFilter;
  createdAt?: NumberFilter;
  hasMessages?: boolean;
  joinedAt?: NumberFilter;
}
export type ConversationFilter = SimpleConversationFilter | CompoundFilter<SimpleConversationFilter>;

export interface ConversationSearchFilters {
  conversation?: ConversationFilter;
}
export type MessageSearchFilters = ConversationSearchFilters;

// ---------------------------------------------------------------- subscription states

export interface PendingState {
  readonly type: "pending";
}
export interface UnsubscribedState {
  readonly type: "unsubscribed";
}
export interface ErrorState {
  readonly type: "error";
  readonly error: Error;
}

/** The active state of a subscription to one thing. */
export interface ActiveState<T> {
  readonly type: "active";
  readonly latestSnapshot: T;
}
/** The active state of a subscription to a window of a list. */
export interface WindowActiveState<T> {
  readonly type: "active";
  readonly latestSnapshot: T;
  readonly loadedAll: boolean;
}

export type UserActiveState = ActiveState<UserSnapshot | null>;
export type UserOnlineActiveState = ActiveState<UserOnlineSnapshot | null>;
export type ConversationActiveState = ActiveState<ConversationSnapshot | null>;
export type SingleParticipantActiveState = ActiveState<ParticipantSnapshot | null>;
export type TypingActiveState = ActiveState<TypingSnapshot | null>;
export type ConversationListActiveState = WindowActiveState<ConversationSnapshot[]>;
export type MessageActiveState = WindowActiveState<MessageSnapshot[] | null>;
export type ParticipantActiveState = WindowActiveState<ParticipantSnapshot[] | null>;
export type ReactionsActiveState = WindowActiveState<SingleReactionSnapshot[] | null>;

/** What every subscription offers. */
export interface SubscriptionOf<A> {
  readonly state: PendingState | A | UnsubscribedState | ErrorState;
  readonly connected: Promise<A>;
  readonly terminated: Promise<UnsubscribedState | ErrorState>;
  unsubscribe(): void;
}
/** A subscription to a window that can grow into the past. */
export interface WindowSubscriptionOf<A> extends SubscriptionOf<A> {
  loadMore(count?: number): Promise<void>;
}

export type UserSubscription = SubscriptionOf<UserActiveState>;
export type UserOnlineSubscription = SubscriptionOf<UserOnlineActiveState>;
export type ConversationSubscription = SubscriptionOf<ConversationActiveState>;
export type SingleParticipantSubscription = SubscriptionOf<SingleParticipantActiveState>;
export type TypingSubscription = SubscriptionOf<TypingActiveState>;
export type ConversationListSubscription = WindowSubscriptionOf<ConversationListActiveState>;
export type MessageSubscription = WindowSubscriptionOf<MessageActiveState>;
export type ParticipantSubscription = WindowSubscriptionOf<ParticipantActiveState>;
export type ReactionsSubscription = WindowSubscriptionOf<ReactionsActiveState>;

/** Something that can be stopped. */
export interface Subscription {
  unsubscribe: () => void;
}

// ---------------------------------------------------------------- search

export type SearchStatus = "searching" | "canLoadMore" | "loadedAll";

export interface ConversationSearchState {
  results: ConversationSnapshot[];
  loadedAll: boolean;
}
export interface MessageSearchState {
  results: SearchMessageSnapshot[];
  loadedAll: boolean;
}

/** A search of the current user's messages: {@link TalkSession.searchMessages}. */
export interface MessageSearch {
  /**
   * Starts a new search (clearing earlier results) for messages whose text
   * has, for every word of `query`, a word starting with it. Resolves with
   * the first page (3 results).
   */
  setQuery(query: string, filters?: MessageSearchFilters): Promise<MessageSearchState>;
  /** Loads `limit` (1–50, default 10) more results; no effect while busy or before `setQuery`. */
  loadMore(limit?: number): Promise<MessageSearchState>;
}

/** A search of the current user's conversations: {@link TalkSession.searchConversations}. */
export interface ConversationSearch {
  /**
   * Starts a new search for conversations whose subject, or `custom.search`,
   * has a word starting with every word of `query`. Resolves with the first
   * page (3 results).
   */
  setQuery(query: string, filters?: ConversationSearchFilters): Promise<ConversationSearchState>;
  /** Loads `limit` (1–50, default 10) more results; no effect while busy or before `setQuery`. */
  loadMore(limit?: number): Promise<ConversationSearchState>;
}

// ---------------------------------------------------------------- session options

export interface TalkSessionOptions {
  appId: string;
  userId: string;
  /**
   * The Chinwag server, as `host[:port]` (for example `"127.0.0.1:8080"` or
   * `"chat.example.com"`). Local addresses (`localhost`, IPv4 literals) use
   * `ws://` and `http://`; every other host uses `wss://` and `https://`.
   * A full origin such as `"http://chat.internal:8080"` (a Chinwag
   * extension) says which.
   */
  host?: string;
  /** A user token (JWT). Prefer {@link TalkSession.setToken}. */
  token?: string;
  /** Fetches a user token. Prefer {@link TalkSession.onNeedToken}. */
  tokenFetcher?: () => string | Promise<string>;
  /** The legacy identity-verification signature (HMAC-SHA256 of the user id). */
  signature?: string;
  /** Make a new session even if one exists for this app and user. */
  forceCreateNew?: boolean;
}
