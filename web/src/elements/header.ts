// A conversation's header (its title, photo, and the other user's online
// status in a 1:1) and the typing line under the messages. Each is its own
// element, so that a typing or presence change re-renders a line, not the
// message list.

import type {
  ConversationSnapshot,
  ParticipantSnapshot,
  TypingSnapshot,
  UserOnlineSnapshot,
  UserSnapshot,
} from "@chinwag/core";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";

import { avatar } from "../content/render.js";
import { base, tokens } from "../theme/styles.js";
import type { ChatContext } from "./context.js";
import { Live } from "./live.js";

/** The title of a conversation: its subject, else the other participants' names. */
export function conversationTitle(
  conv: Pick<ConversationSnapshot, "subject" | "id"> | null | undefined,
  others: readonly UserSnapshot[],
): string {
  if (conv?.subject) return conv.subject;
  if (others.length > 0) return others.map((u) => u.name).join(", ");
  return conv?.id ?? "";
}

export class ChatHeader extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host {
        display: flex;
        align-items: center;
        gap: 10px;
        padding: 8px 12px;
        border-bottom: 1px solid var(--_border);
        background: var(--_bg);
        min-height: 56px;
      }
      .titles {
        flex: 1;
        min-width: 0;
        display: flex;
        flex-direction: column;
      }
      h2 {
        margin: 0;
        font-size: 16px;
        font-weight: 600;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .sub {
        font-size: 13px;
        color: var(--_muted);
      }
    `,
  ];

  static override properties = {
    ctx: { attribute: false },
    conversationId: { attribute: false },
    showBack: { attribute: false },
    showClose: { attribute: false },
  };

  declare ctx: ChatContext | null;
  declare conversationId: string | null;
  declare showBack: boolean;
  declare showClose: boolean;

  readonly #conversation = new Live<ConversationSnapshot | null>(this);
  readonly #participants = new Live<ParticipantSnapshot[] | null>(this);
  readonly #online = new Live<UserOnlineSnapshot | null>(this);

  constructor() {
    super();
    this.ctx = null;
    this.conversationId = null;
    this.showBack = false;
    this.showClose = false;
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has("ctx") || changed.has("conversationId")) {
      this.#conversation.followConversation(this.ctx, this.conversationId, (ref, cb) => ref.subscribe(cb));
      this.#participants.followConversation(this.ctx, this.conversationId, (ref, cb) => ref.subscribeParticipants(cb));
    }
    // The other user's online status, in a 1:1 only.
    const other = this.#oneOnOneOther();
    const ctx = this.ctx;
    this.#online.follow(
      other && ctx?.options.presence ? other.id : null,
      other && ctx ? (cb) => ctx.session.user(other.id).subscribeOnline((s) => cb(s)) : null,
    );
  }

  #others(): UserSnapshot[] {
    const me = this.ctx?.me;
    return (this.#participants.value ?? []).map((p) => p.user).filter((u) => u.id !== me);
  }

  #oneOnOneOther(): UserSnapshot | null {
    const parts = this.#participants.value;
    if (!parts || !this.#participants.loadedAll || parts.length > 2) return null;
    return this.#others()[0] ?? null;
  }

  protected override render(): unknown {
    const ctx = this.ctx;
    if (!ctx || !this.conversationId) return nothing;
    const s = ctx.locale.strings;
    const conv = this.#conversation.value;
    const others = this.#others();
    const other = this.#oneOnOneOther();
    const title = conversationTitle(conv ?? { id: this.conversationId, subject: null }, others);
    const online = this.#online.value?.isConnected ?? false;
    const photoOwner = other && !conv?.photoUrl ? other : null;
    const sub = other
      ? ctx.options.presence
        ? online
          ? s.online
          : s.offline
        : ""
      : this.#participants.value
        ? s.participants(this.#participants.loadedAll ? this.#participants.value.length : others.length + 1)
        : "";
    return html`
      ${
        this.showBack
          ? html`<button class="icon-button" aria-label=${s.back} title=${s.back} @click=${() => this.#emit("cw-back")}>
            <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M15 5l-7 7 7 7" /></svg>
          </button>`
          : nothing
      }
      ${avatar(title, photoOwner ? photoOwner.photoUrl : (conv?.photoUrl ?? null), { size: 38, online: online && !!other })}
      <div class="titles">
        <h2>${title}</h2>
        ${sub ? html`<span class="sub">${sub}</span>` : nothing}
      </div>
      <slot name="actions"></slot>
      ${
        this.showClose
          ? html`<button class="icon-button" aria-label=${s.close} title=${s.close} @click=${() => this.#emit("cw-close")}>
            <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6 6 18" /></svg>
          </button>`
          : nothing
      }
    `;
  }

  #emit(type: string): void {
    this.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true }));
  }
}

export class TypingLine extends LitElement {
  static override styles = [
    tokens,
    css`
      :host {
        display: block;
        min-height: 20px;
        padding: 0 16px;
        font-size: 13px;
        color: var(--_muted);
      }
      .dots span {
        display: inline-block;
        width: 5px;
        height: 5px;
        margin-inline-end: 2px;
        border-radius: 50%;
        background: currentColor;
        animation: blink 1.2s infinite ease-in-out;
      }
      .dots span:nth-child(2) {
        animation-delay: 0.2s;
      }
      .dots span:nth-child(3) {
        animation-delay: 0.4s;
      }
      @keyframes blink {
        0%,
        80%,
        100% {
          opacity: 0.25;
        }
        40% {
          opacity: 1;
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .dots span {
          animation: none;
        }
      }
    `,
  ];

  static override properties = {
    ctx: { attribute: false },
    conversationId: { attribute: false },
  };

  declare ctx: ChatContext | null;
  declare conversationId: string | null;

  readonly #typing = new Live<TypingSnapshot | null>(this);

  constructor() {
    super();
    this.ctx = null;
    this.conversationId = null;
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has("ctx") || changed.has("conversationId")) {
      this.#typing.followConversation(this.ctx, this.conversationId, (ref, cb) => ref.subscribeTyping(cb));
    }
  }

  protected override render(): unknown {
    const text = this.ctx?.locale.strings.typing(this.#typing.value ?? null) ?? "";
    return html`<div role="status" aria-live="polite">
      ${text ? html`<span class="dots" aria-hidden="true"><span></span><span></span><span></span></span> ${text}` : nothing}
    </div>`;
  }
}
