// <chinwag-popup>: a launcher button in the page's corner that opens a
// chatbox. The button carries a badge with the conversation's unread count.
// `launcher`: "always" (default), "close-only" (shown only while open) or
// "never". `show()` and `hide()` open and close it; the user's own clicks
// fire `chinwag-open` and `chinwag-close`.

import type { ConversationSnapshot } from "@chinwag/core";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";

import { base, themes, tokens } from "../theme/styles.js";
import type { Chatbox } from "./chatbox.js";
import { Live } from "./live.js";
import { SessionHost } from "./session-host.js";

export class Popup extends LitElement {
  static override styles = [
    tokens,
    themes,
    base,
    css`
      :host {
        position: fixed;
        inset-inline-end: 20px;
        bottom: 20px;
        z-index: var(--cw-z-index, 2147483000);
        display: flex;
        flex-direction: column;
        align-items: flex-end;
        gap: 12px;
        pointer-events: none;
      }
      .panel {
        pointer-events: auto;
        width: min(380px, calc(100vw - 40px));
        height: min(600px, calc(100vh - 110px));
        border-radius: 16px;
        overflow: hidden;
        box-shadow: 0 12px 40px rgba(0, 0, 0, 0.25);
        border: 1px solid var(--_border);
        background: var(--_bg);
        display: flex;
      }
      .panel[hidden] {
        display: none;
      }
      chinwag-chatbox {
        flex: 1;
      }
      .launcher {
        pointer-events: auto;
        position: relative;
        width: 56px;
        height: 56px;
        border-radius: 50%;
        background: var(--_accent);
        color: var(--_accent-fg);
        display: grid;
        place-items: center;
        box-shadow: 0 6px 20px rgba(0, 0, 0, 0.25);
      }
      .launcher svg {
        width: 26px;
        height: 26px;
      }
      .launcher .badge {
        position: absolute;
        top: -4px;
        inset-inline-end: -4px;
      }
      @media (max-width: 480px) {
        :host {
          inset-inline-end: 10px;
          bottom: 10px;
        }
        .panel {
          width: calc(100vw - 20px);
          height: calc(100vh - 96px);
        }
      }
    `,
  ];

  static override properties = {
    conversationId: { attribute: "conversation-id" },
    open: { type: Boolean, reflect: true },
    launcher: {},
    theme: { reflect: true },
  };

  declare conversationId: string | null;
  declare open: boolean;
  declare launcher: "always" | "close-only" | "never";
  declare theme: string;

  readonly host_ = new SessionHost(this);
  readonly #conversation = new Live<ConversationSnapshot | null>(this);

  constructor() {
    super();
    this.conversationId = null;
    this.open = false;
    this.launcher = "always";
    this.theme = "light";
    this.addEventListener("cw-close", (e) => {
      e.stopPropagation();
      this.#toggle(false, true);
    });
    this.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.open) {
        this.#toggle(false, true);
        this.renderRoot.querySelector<HTMLElement>(".launcher")?.focus();
      }
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

  show(): void {
    this.open = true;
  }

  hide(): void {
    this.open = false;
  }

  #toggle(open: boolean, byUser: boolean): void {
    if (open === this.open) return;
    this.open = open;
    if (byUser)
      this.dispatchEvent(new CustomEvent(open ? "chinwag-open" : "chinwag-close", { bubbles: true, composed: true }));
  }

  protected override willUpdate(_changed: PropertyValues): void {
    this.#conversation.followConversation(this.host_.ctx, this.conversationId, (ref, cb) => ref.subscribe(cb));
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.has("open") && this.open) {
      this.chatbox?.updateComplete.then(() => this.chatbox?.composer?.focus());
    }
  }

  protected override render(): unknown {
    const ctx = this.host_.ctx;
    if (!ctx) return nothing;
    const s = ctx.locale.strings;
    const conv = this.#conversation.value;
    const unread = conv?.isUnread ? conv.unreadMessageCount : 0;
    const showLauncher = this.launcher === "always" || (this.launcher === "close-only" && this.open);
    return html`
      <div class="panel" role="dialog" aria-label=${s.messages} ?hidden=${!this.open}>
        ${
          this.open || this.chatbox
            ? html`<chinwag-chatbox .ctx=${ctx} .conversationId=${this.conversationId} .showClose=${true}></chinwag-chatbox>`
            : nothing
        }
      </div>
      ${
        showLauncher
          ? html`<button
            class="launcher"
            aria-expanded=${this.open ? "true" : "false"}
            aria-label=${this.open ? s.close : unread > 0 ? `${s.openChat}, ${s.unread(unread)}` : s.openChat}
            @click=${() => this.#toggle(!this.open, true)}
          >
            ${
              this.open
                ? html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6 6 18" /></svg>`
                : html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 5h16v11H9l-5 4z" /></svg>`
            }
            ${unread > 0 && !this.open ? html`<span class="badge" aria-hidden="true">${unread}</span>` : nothing}
          </button>`
          : nothing
      }
    `;
  }
}
