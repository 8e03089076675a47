// References: cheap handles naming a user, conversation, message, participant
// or emoji, whose methods read, write and subscribe. They hold no data; the
// store does.

import type { ContentBlock, SendContentBlock } from "./content.js";
import { ApiError, checkId } from "./errors.js";
import { idempotencyKey } from "./idempotency.js";
import { parse, plaintext } from "./markup/index.js";
import type { Core } from "./session.js";
import type { ConvStore } from "./store/conversation.js";
import { MESSAGE_PAGE } from "./store/messages.js";
import { REACTION_PAGE } from "./store/reactions.js";
import { Derived, read } from "./store/signals.js";
import { firstValue, LiveSubscription } from "./subscription.js";
import type {
  ConversationSnapshot,
  ConversationSubscription,
  CreateConversationParams,
  CreateParticipantParams,
  CreateUserParams,
  EditMessageParams,
  EditTextMessageParams,
  MessageSnapshot,
  MessageSubscription,
  ParticipantSnapshot,
  ParticipantSubscription,
  ReactionsSubscription,
  SendMessageParams,
  SendTextMessageParams,
  SetConversationParams,
  SetParticipantParams,
  SetUserParams,
  SingleParticipantSubscription,
  SingleReactionSnapshot,
  TypingSnapshot,
  TypingSubscription,
  UserOnlineSnapshot,
  UserOnlineSubscription,
  UserSnapshot,
  UserSubscription,
} from "./types.js";
import { path } from "./urls.js";

/** 409 (already there) counts as success for create-if-not-exists. */
function unlessConflict(error: unknown): void {
  if ((error as { status?: number }).status !== 409) throw error;
}

/** 404 (already gone) counts as success for deletes. */
function unlessNotFound(error: unknown): void {
  if ((error as { status?: number }).status !== 404) throw error;
}

/** Email and phone go as arrays; a `null` role means the default one. */
function userParams(params: SetUserParams | CreateUserParams): Record<string, unknown> {
  const out: Record<string, unknown> = { ...params };
  for (const key of ["email", "phone"] as const) {
    const v = out[key];
    if (typeof v === "string") out[key] = [v];
  }
  if ("role" in out && out.role === null) out.role = "default";
  return out;
}

// ---------------------------------------------------------------- users

export class UserRef {
  readonly id: string;
  readonly #core: Core;

  /** @internal Made by the session and other references. */
  constructor(core: Core, id: string) {
    this.#core = core;
    this.id = checkId("The user ID", id);
  }

  get(): Promise<UserSnapshot | null> {
    const user = this.#core.store.users.acquire(this.id);
    return firstValue({ value: user.value, release: () => user.release() });
  }

  async set(params: SetUserParams): Promise<void> {
    await this.#core.request("PUT", path("users", this.id), userParams(params), "Set user");
  }

  async createIfNotExists(params: CreateUserParams): Promise<void> {
    await this.#core.request("POST", path("users", this.id), userParams(params), "Create user").catch(unlessConflict);
  }

  subscribe(onSnapshot?: (event: UserSnapshot | null) => void): UserSubscription {
    const user = this.#core.store.users.acquire(this.id);
    return this.#core.track(
      new LiveSubscription(
        { value: user.value, release: () => user.release() },
        (latestSnapshot) => Object.freeze({ type: "active" as const, latestSnapshot }),
        onSnapshot,
      ),
    );
  }

  subscribeOnline(onSnapshot?: (event: UserOnlineSnapshot | null) => void): UserOnlineSubscription {
    const online = this.#core.store.users.acquireOnline(this.id);
    return this.#core.track(
      new LiveSubscription(
        { value: online.snapshot, release: () => online.release() },
        (latestSnapshot) => Object.freeze({ type: "active" as const, latestSnapshot }),
        onSnapshot,
      ),
    );
  }
}

// ---------------------------------------------------------------- conversations

export class ConversationRef {
  readonly id: string;
  readonly #core: Core;
  readonly #participants = new Map<string, ParticipantRef>();
  readonly #messages = new Map<string, MessageRef>();

  /** @internal Made by the session and other references. */
  constructor(core: Core, id: string) {
    this.#core = core;
    this.id = checkId("The conversation ID", id);
  }

  #conv(): ConvStore {
    return this.#core.store.conv(this.id);
  }

  participant(user: string | UserRef): ParticipantRef {
    const userId = typeof user === "string" ? user : user instanceof UserRef ? user.id : undefined;
    checkId("The participant's user ID", userId);
    let p = this.#participants.get(userId as string);
    if (!p) {
      p = new ParticipantRef(this.#core, this.id, userId as string);
      this.#participants.set(userId as string, p);
    }
    return p;
  }

  message(id: string): MessageRef {
    let m = this.#messages.get(id);
    if (!m) {
      m = new MessageRef(this.#core, this.id, id);
      this.#messages.set(id, m);
    }
    return m;
  }

  get(): Promise<ConversationSnapshot | null> {
    const side = this.#conv().acquireSideResource();
    return firstValue({ value: side.snapshot, release: () => side.release() });
  }

  /**
   * Sets the conversation's attributes (creating it if needed) and the
   * current user's participation (joining it if needed).
   */
  async set(params: SetConversationParams): Promise<void> {
    const conversationFields = Object.keys(params).some((k) => k !== "access" && k !== "notify");
    const participantFields = "access" in params || "notify" in params;
    const conversation = this.#core.request("PUT", path("conversations", this.id), params, "Set conversation");
    const me = this.#core.participantAction(this.id, this.#core.me, "PUT", params, "Set conversation");
    const [c, p] = await Promise.allSettled([conversation, me]);
    // Without rights to edit the conversation (or the participant), what
    // the caller did not ask to change does not count as a failure.
    if (c.status === "rejected" && !(isCode(c.reason, "UNAUTHORIZED_TO_EDIT") && !conversationFields)) throw c.reason;
    if (p.status === "rejected" && !(isCode(p.reason, "UNAUTHORIZED_TO_EDIT_PARTICIPANT") && !participantFields)) {
      throw p.reason;
    }
  }

  async createIfNotExists(params: CreateConversationParams = {}): Promise<void> {
    const conversation = this.#core
      .request("POST", path("conversations", this.id), params, "Create conversation")
      .catch(unlessConflict);
    const me = this.#core
      .participantAction(this.id, this.#core.me, "POST", params, "Create conversation")
      .catch(unlessConflict);
    const [c, p] = await Promise.allSettled([conversation, me]);
    if (c.status === "rejected") throw c.reason;
    if (p.status === "rejected") throw p.reason;
  }

  async markAsRead(): Promise<void> {
    await this.#core.request("POST", `${this.#conv().path("read")}`, {}, "Mark conversation as read");
  }

  async markAsUnread(): Promise<void> {
    await this.#core.request("POST", `${this.#conv().path("unread")}`, {}, "Mark conversation as unread");
  }

  /**
   * Shows the current user as typing for 10 seconds (call it again to keep
   * it up; sending a message ends it). Call it sparingly, not on every
   * keystroke: every call is a request.
   */
  async markAsTyping(): Promise<void> {
    await this.#core.request("POST", this.#conv().path("typing"), {}, "Mark as typing");
  }

  async send(params: string | SendTextMessageParams | SendMessageParams): Promise<MessageRef> {
    const p = typeof params === "string" ? { text: params } : params;
    const content: SendContentBlock[] =
      "text" in p && typeof p.text === "string"
        ? [{ type: "text", children: parse(p.text, { linksAndActions: false }) }]
        : ((p as SendMessageParams).content as SendContentBlock[]);
    const data: Record<string, unknown> = { content: content.map(sendable), idempotencyKey: idempotencyKey() };
    // `referencedMessageId` is the name TalkJS's own examples use.
    const ref = p.referencedMessage ?? (p as { referencedMessageId?: string }).referencedMessageId;
    if (ref !== undefined && ref !== null) data.referencedMessageId = typeof ref === "string" ? ref : ref.id;
    if (p.custom !== undefined) data.custom = p.custom;
    const answer = (await this.#core.request(
      "POST",
      path("conversations", this.id, "messages"),
      data,
      "Send message",
    )) as {
      id: string;
    };
    return this.message(answer.id);
  }

  subscribe(onSnapshot?: (snapshot: ConversationSnapshot | null) => void): ConversationSubscription {
    const side = this.#conv().acquireSideResource();
    return this.#core.track(
      new LiveSubscription(
        { value: side.snapshot, release: () => side.release() },
        (latestSnapshot) => Object.freeze({ type: "active" as const, latestSnapshot }),
        onSnapshot,
      ),
    );
  }

  subscribeMessages(
    onSnapshot?: (snapshot: MessageSnapshot[] | null, loadedAll: boolean) => void,
  ): MessageSubscription {
    const window = this.#conv().acquireWindow(true);
    return this.#core.track(
      new LiveSubscription(
        {
          value: window.snapshot,
          loadedAll: window.loadedAll,
          release: () => {
            window.detachList();
            window.release();
          },
          loadMore: (count = MESSAGE_PAGE) => window.loadMore(count),
        },
        (latestSnapshot, loadedAll) => Object.freeze({ type: "active" as const, latestSnapshot, loadedAll }),
        onSnapshot,
      ),
    );
  }

  subscribeParticipants(
    onSnapshot?: (snapshot: ParticipantSnapshot[] | null, loadedAll: boolean) => void,
  ): ParticipantSubscription {
    const window = this.#conv().acquireParticipantWindow();
    return this.#core.track(
      new LiveSubscription(
        {
          value: window.snapshot,
          loadedAll: window.loadedAll,
          release: () => window.release(),
          loadMore: (count) => window.loadMore(count),
        },
        (latestSnapshot, loadedAll) => Object.freeze({ type: "active" as const, latestSnapshot, loadedAll }),
        onSnapshot,
      ),
    );
  }

  subscribeTyping(onSnapshot?: (snapshot: TypingSnapshot | null) => void): TypingSubscription {
    const typing = this.#conv().acquireTyping();
    return this.#core.track(
      new LiveSubscription(
        { value: typing.snapshot, release: () => typing.release() },
        (latestSnapshot) => Object.freeze({ type: "active" as const, latestSnapshot }),
        onSnapshot,
      ),
    );
  }
}

function isCode(error: unknown, code: string): boolean {
  return (error as { status?: number }).status === 403 && (error as { errorCode?: string }).errorCode === code;
}

/**
 * What goes on the wire for a block: a file needs only its token (apps
 * re-send blocks they received, with url, size and so on).
 */
function sendable(block: SendContentBlock): SendContentBlock {
  if (block && block.type === "file") return { type: "file", fileToken: block.fileToken };
  return block;
}

// ---------------------------------------------------------------- messages

export class MessageRef {
  readonly id: string;
  readonly conversationId: string;
  readonly #core: Core;

  /** @internal Made by the session and other references. */
  constructor(core: Core, conversationId: string, id: string) {
    this.#core = core;
    this.conversationId = conversationId;
    this.id = checkId("The message ID", id);
  }

  reactions(emoji: string): ReactionsRef {
    return new ReactionsRef(this.#core, this.conversationId, this.id, emoji);
  }

  /** @deprecated Renamed to {@link MessageRef.reactions}. */
  reaction(emoji: string): ReactionsRef {
    return this.reactions(emoji);
  }

  get(): Promise<MessageSnapshot | null> {
    const entity = this.#core.store.conv(this.conversationId).acquireMessage(this.id);
    return firstValue({ value: entity.snapshot, release: () => entity.release() });
  }

  async edit(params: string | EditTextMessageParams | EditMessageParams): Promise<void> {
    const p = typeof params === "string" ? { text: params } : params;
    const data: Record<string, unknown> = {};
    if ("text" in p && typeof p.text === "string") {
      data.content = [{ type: "text", children: parse(p.text, { linksAndActions: true }) }];
    } else if ("content" in p && p.content !== undefined) {
      data.content = (p.content as SendContentBlock[]).map(sendable);
    }
    if (p.custom !== undefined) data.custom = p.custom;
    await this.#core.request(
      "PATCH",
      path("conversations", this.conversationId, "messages", this.id),
      data,
      "Edit message",
    );
  }

  async delete(): Promise<void> {
    await this.#core
      .request("DELETE", path("conversations", this.conversationId, "messages", this.id), {}, "Delete message")
      .catch(unlessNotFound);
  }

  /** The message translated into `language` (an IETF language tag such as `"fr"`). */
  async translate(language: string): Promise<{ content: ContentBlock[]; plaintext: string }> {
    const answer = (await this.#core.request(
      "GET",
      path("me", "conversations", this.conversationId, "translate"),
      { ids: [this.id], lang: language },
      `Translate message ${this.id}`,
    )) as { data?: Record<string, { content?: ContentBlock[]; markup?: string } | null> };
    const result = answer?.data?.[this.id];
    if (!result) {
      throw new ApiError(`Translate message ${this.id}`, 404, {
        errorCode: "MESSAGE_NOT_FOUND",
        reasons: [`No message ${this.id} in the conversation ${this.conversationId}`],
      });
    }
    const content =
      result.content ??
      ([{ type: "text", children: parse(result.markup ?? "", { linksAndActions: true }) }] as ContentBlock[]);
    return { content, plaintext: plaintext(content as never) };
  }
}

// ---------------------------------------------------------------- reactions

export class ReactionsRef {
  readonly emoji: string;
  readonly messageId: string;
  readonly conversationId: string;
  readonly #core: Core;

  /** @internal Made by the session and other references. */
  constructor(core: Core, conversationId: string, messageId: string, emoji: string) {
    this.#core = core;
    this.conversationId = conversationId;
    this.messageId = messageId;
    this.emoji = checkId("The emoji", emoji);
  }

  #path(): string {
    return path(
      "conversations",
      this.conversationId,
      "messages",
      this.messageId,
      "reactions",
      this.emoji,
      this.#core.me,
    );
  }

  async add(): Promise<void> {
    await this.#core.request("PUT", this.#path(), {}, "Add reaction");
  }

  async remove(): Promise<void> {
    await this.#core.request("DELETE", this.#path(), {}, "Remove reaction").catch(unlessNotFound);
  }

  /** The first ten people who reacted with this emoji, or `null` if the message cannot be seen. */
  async getFirstReactions(): Promise<SingleReactionSnapshot[] | null> {
    const reactions = this.#core.store.conv(this.conversationId).acquireReactions(this.messageId, this.emoji);
    const first = await firstValue({ value: reactions.snapshot, release: () => reactions.release() });
    return first === null ? null : first.slice(0, 10);
  }

  subscribe(
    onSnapshot?: (snapshot: SingleReactionSnapshot[] | null, loadedAll: boolean) => void,
  ): ReactionsSubscription {
    const reactions = this.#core.store.conv(this.conversationId).acquireReactions(this.messageId, this.emoji);
    return this.#core.track(
      new LiveSubscription(
        {
          value: reactions.snapshot,
          loadedAll: reactions.loadedAll,
          release: () => reactions.release(),
          loadMore: (count = REACTION_PAGE) => reactions.loadMore(count),
        },
        (latestSnapshot, loadedAll) => Object.freeze({ type: "active" as const, latestSnapshot, loadedAll }),
        onSnapshot,
      ),
    );
  }
}

// ---------------------------------------------------------------- participants

export class ParticipantRef {
  readonly userId: string;
  readonly conversationId: string;
  readonly #core: Core;

  /** @internal Made by the session and other references. */
  constructor(core: Core, conversationId: string, userId: string) {
    this.#core = core;
    this.conversationId = conversationId;
    this.userId = userId;
  }

  /**
   * The participant, or `null` when the user is not in the conversation.
   * Rejects when the current user is not in it either (unless asking about
   * themselves).
   */
  async get(): Promise<ParticipantSnapshot | null> {
    const single = this.#core.store.conv(this.conversationId).acquireSingleParticipant(this.userId);
    const outcome = new Derived<ParticipantSnapshot | null>(() => {
      if (read(single.outcome) === "notParticipant" && this.userId !== this.#core.me) {
        throw single.notParticipantFailure();
      }
      return read(single.snapshot);
    });
    return firstValue({
      value: outcome,
      release: () => {
        outcome.dispose();
        single.release();
      },
    });
  }

  async set(params: SetParticipantParams): Promise<void> {
    await this.#core.participantAction(this.conversationId, this.userId, "PUT", params, "Set participant");
  }

  async edit(params: SetParticipantParams): Promise<void> {
    await this.#core.participantAction(this.conversationId, this.userId, "PATCH", params, "Edit participant");
  }

  async createIfNotExists(params: CreateParticipantParams = {}): Promise<void> {
    await this.#core
      .participantAction(this.conversationId, this.userId, "POST", params, "Create participant")
      .catch(unlessConflict);
  }

  async delete(): Promise<void> {
    await this.#core
      .request(
        "DELETE",
        path("conversations", this.conversationId, "participants", this.userId),
        {},
        "Delete participant",
      )
      .catch(unlessNotFound);
  }

  subscribe(onSnapshot?: (snapshot: ParticipantSnapshot | null) => void): SingleParticipantSubscription {
    const single = this.#core.store.conv(this.conversationId).acquireSingleParticipant(this.userId);
    return this.#core.track(
      new LiveSubscription(
        { value: single.snapshot, release: () => single.release() },
        (latestSnapshot) => Object.freeze({ type: "active" as const, latestSnapshot }),
        onSnapshot,
      ),
    );
  }
}
