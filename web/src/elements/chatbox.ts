// <chinwag-chatbox>: one conversation (header, messages, typing line,
// composer). The building block of the Inbox's chat pane and the Popup.
//
// It takes its session either as the `session` property (a @chinwag/core
// TalkSession, or a `ChatContext`) or from attributes, for pages with no
// script of their own beyond the bundle:
//
//   <chinwag-chatbox app-id="dev" user-id="alice" token="…" conversation-id="c1"
//                    host="chat.example.com" locale="de" theme="dark"></chinwag-chatbox>

import type { ConversationSnapshot, MessageSnapshot } from "@chinwag/core";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";

import { base, themes, tokens } from "../theme/styles.js";
import type { Composer } from "./composer.js";
import type { ChatContext } from "./context.js";
import { conversationKey, Live } from "./live.js";
import type { MessageActionDetail, MessageList } from "./message-list.js";
import { SessionHost } from "./session-host.js";

export class Chatbox extends LitElement {
  static override styles = [
    tokens,
    themes,
    base,
    css`
      :host {
        display: flex;
        flex-direction: column;
        height: 100%;
        min-height: 0;
        background: var(--_bg);
        color: var(--_fg);
        overflow: hidden;
      }
      .empty {
        flex: 1;
        display: grid;
        place-items: center;
        color: var(--_muted);
        padding: 24px;
        text-align: center;
      }
    `,
  ];

  static override properties = {
    conversationId: { attribute: "conversation-id", reflect: true },
    showBack: { attribute: false },
    showClose: { attribute: false },
    theme: { reflect: true },
  };

  declare conversationId: string | null;
  declare showBack: boolean;
  declare showClose: boolean;
  declare theme: string;

  readonly host_ = new SessionHost(this);
  readonly #conversation = new Live<ConversationSnapshot | null>(this);
  #replyTo: MessageSnapshot | null = null;
  #editing: MessageSnapshot | null = null;

  constructor() {
    super();
    this.conversationId = null;
    this.showBack = false;
    this.showClose = false;
    this.theme = "light";
    this.addEventListener("cw-reply", (e) => {
      this.#editing = null;
      this.#replyTo = (e as CustomEvent<MessageActionDetail>).detail.message;
      this.requestUpdate();
    });
    this.addEventListener("cw-edit", (e) => {
      this.#replyTo = null;
      this.#editing = (e as CustomEvent<MessageActionDetail>).detail.message;
      this.requestUpdate();
    });
    this.addEventListener("cw-cancel", () => {
      this.#replyTo = null;
      this.#editing = null;
      this.requestUpdate();
    });
    this.addEventListener("cw-sent", () => {
      this.#replyTo = null;
      this.renderRoot.querySelector<MessageList>("cw-message-list")?.scrollToLatest();
      this.requestUpdate();
    });
  }

  /** The session this chatbox talks through (a TalkSession or a ChatContext). */
  set session(value: unknown) {
    this.host_.session = value;
  }

  get session(): unknown {
    return this.host_.session;
  }

  /** The context it renders with (set by an Inbox or a Popup, or built from `session`). */
  get ctx(): ChatContext | null {
    return this.host_.ctx;
  }

  set ctx(value: ChatContext | null) {
    this.host_.session = value;
  }

  get composer(): Composer | null {
    return this.renderRoot.querySelector<Composer>("cw-composer");
  }

  protected override willUpdate(changed: PropertyValues): void {
    const ctx = this.ctx;
    const id = this.conversationId;
    if ((ctx && id ? conversationKey(ctx, id) : null) !== this.#conversation.key) {
      this.#replyTo = null;
      this.#editing = null;
    }
    this.#conversation.followConversation(ctx, id, (ref, cb) => ref.subscribe(cb));
    if (changed.has("theme") && ctx) ctx.options.theme = this.theme as ChatContext["options"]["theme"];
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has("conversationId") && this.conversationId && this.ctx?.options.messageField.autofocus === "smart") {
      // A phone's keyboard would cover the chat: focus only where there is a fine pointer.
      if (matchMedia("(pointer: fine)").matches) this.composer?.updateComplete.then(() => this.composer?.focus());
    }
  }

  protected override render(): unknown {
    const ctx = this.ctx;
    if (!ctx) return nothing;
    const s = ctx.locale.strings;
    const id = this.conversationId;
    if (!id) return html`<div class="empty">${s.selectConversation}</div>`;
    const conv = this.#conversation.value;
    const readOnly = conv?.access === "Read";
    const field = ctx.options.messageField;
    return html`
      ${
        ctx.options.showChatHeader
          ? html`<cw-chat-header
            .ctx=${ctx}
            .conversationId=${id}
            .showBack=${this.showBack}
            .showClose=${this.showClose}
          ></cw-chat-header>`
          : nothing
      }
      <cw-message-list .ctx=${ctx} .conversationId=${id}></cw-message-list>
      <cw-typing .ctx=${ctx} .conversationId=${id}></cw-typing>
      ${
        field.visible && conv !== null
          ? html`<cw-composer
            .ctx=${ctx}
            .conversationId=${id}
            .readOnly=${readOnly}
            .replyTo=${this.#replyTo}
            .editing=${this.#editing}
          ></cw-composer>`
          : nothing
      }
    `;
  }
}
