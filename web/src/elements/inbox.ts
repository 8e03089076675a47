// <chinwag-inbox>: the conversation list beside a chat pane. Narrower than
// 640 px it shows one at a time: the list, or the chat with a back button.
//
// Selecting fires `chinwag-select-conversation` first (cancelable: call
// preventDefault() to keep the current one), then
// `chinwag-conversation-selected` once the pane shows it.

import type { ConversationFilter } from "@chinwag/core";
import { css, html, LitElement, nothing } from "lit";

import { base, themes, tokens } from "../theme/styles.js";
import type { Chatbox } from "./chatbox.js";
import type { ConversationList } from "./conversation-list.js";
import { SessionHost } from "./session-host.js";

const NARROW_PX = 640;

export interface SelectDetail {
  conversationId: string | null;
}

export class Inbox extends LitElement {
  static override styles = [
    tokens,
    themes,
    base,
    css`
      :host {
        display: flex;
        height: 100%;
        min-height: 0;
        background: var(--_bg);
        color: var(--_fg);
        border: 1px solid var(--_border);
        border-radius: var(--cw-frame-radius, 12px);
        overflow: hidden;
      }
      .list {
        width: min(340px, 40%);
        flex: none;
        border-inline-end: 1px solid var(--_border);
        min-height: 0;
      }
      .chat {
        flex: 1;
        min-width: 0;
        display: flex;
        flex-direction: column;
        min-height: 0;
      }
      :host([narrow]) .list {
        width: 100%;
        border-inline-end: 0;
      }
      :host([narrow]) .chat {
        width: 100%;
      }
    `,
  ];

  static override properties = {
    conversationId: { attribute: "conversation-id" },
    feedFilter: { attribute: false },
    showFeedHeader: { attribute: false },
    theme: { reflect: true },
    narrow: { type: Boolean, reflect: true },
  };

  /** The selected conversation; `undefined` selects the most recent one as soon as the list is known. */
  declare conversationId: string | null | undefined;
  declare feedFilter: ConversationFilter | null;
  declare showFeedHeader: boolean;
  declare theme: string;
  declare narrow: boolean;

  readonly host_ = new SessionHost(this);
  #resize: ResizeObserver | null = null;

  constructor() {
    super();
    this.conversationId = undefined;
    this.feedFilter = null;
    this.showFeedHeader = true;
    this.theme = "light";
    this.narrow = false;
    this.addEventListener("cw-select", (e) => {
      e.stopPropagation();
      this.#choose((e as CustomEvent<{ id: string }>).detail.id, true);
    });
    this.addEventListener("cw-list-loaded", () => this.#autoSelect());
    this.addEventListener("cw-back", (e) => {
      e.stopPropagation();
      this.#choose(null, true);
    });
  }

  set session(value: unknown) {
    this.host_.session = value;
  }

  get session(): unknown {
    return this.host_.session;
  }

  get chatbox(): Chatbox | null {
    return this.renderRoot.querySelector<Chatbox>("chinwag-chatbox");
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#resize = new ResizeObserver((entries) => {
      const width = entries[0]?.contentRect.width ?? NARROW_PX;
      const narrow = width < NARROW_PX;
      if (narrow !== this.narrow) this.narrow = narrow;
    });
    this.#resize.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize?.disconnect();
  }

  /** Shows a conversation (or none, with `null`), as if picked, but without the cancelable event. */
  select(id: string | null | undefined): void {
    this.conversationId = id;
    if (id !== undefined) this.#announce();
  }

  #choose(id: string | null, byUser: boolean): void {
    if (byUser) {
      const before = new CustomEvent<SelectDetail>("chinwag-select-conversation", {
        detail: { conversationId: id },
        cancelable: true,
        bubbles: true,
        composed: true,
      });
      if (id !== null && !this.dispatchEvent(before)) return;
    }
    this.conversationId = id;
    this.#announce();
  }

  #announce(): void {
    this.updateComplete.then(() => {
      this.dispatchEvent(
        new CustomEvent<SelectDetail>("chinwag-conversation-selected", {
          detail: { conversationId: this.conversationId ?? null },
          bubbles: true,
          composed: true,
        }),
      );
      if (this.narrow && this.conversationId === null) {
        const list = this.renderRoot.querySelector<ConversationList>("cw-conversation-list");
        list?.updateComplete.then(() => list.renderRoot.querySelector("input")?.focus());
      }
    });
  }

  /** `undefined` selects the most recent conversation, once the list has loaded. */
  #autoSelect(): void {
    if (this.conversationId !== undefined) return;
    const list = this.renderRoot.querySelector<ConversationList>("cw-conversation-list");
    if (!list?.ready) return;
    // On a phone the list comes first.
    this.conversationId = this.narrow ? null : (list.shown[0]?.id ?? null);
    this.#announce();
  }

  protected override render(): unknown {
    const ctx = this.host_.ctx;
    if (!ctx) return nothing;
    const selected = this.conversationId ?? null;
    const showList = !this.narrow || selected === null;
    const showChat = !this.narrow || selected !== null;
    return html`
      ${
        showList
          ? html`<div class="list">
            <cw-conversation-list
              .ctx=${ctx}
              .selectedId=${selected}
              .filter=${this.feedFilter}
              .showHeader=${this.showFeedHeader}
            ></cw-conversation-list>
          </div>`
          : nothing
      }
      ${
        showChat
          ? html`<div class="chat">
            <chinwag-chatbox .ctx=${ctx} .conversationId=${selected} .showBack=${this.narrow}></chinwag-chatbox>
          </div>`
          : nothing
      }
    `;
  }
}
