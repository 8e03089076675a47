// The Inbox's conversation list: conversations with at least one message
// (seed 001), most recent activity first, live; more on scroll; a search box
// that searches conversations on the server.

import type {
  ConversationFilter,
  ConversationListSubscription,
  ConversationSearch,
  ConversationSnapshot,
  ParticipantSnapshot,
  SimpleConversationFilter,
} from "@chinwag/core";
import { css, html, LitElement, nothing, type PropertyValues, type TemplateResult } from "lit";
import { guard } from "lit/directives/guard.js";
import { repeat } from "lit/directives/repeat.js";

import { avatar } from "../content/render.js";
import { base, tokens } from "../theme/styles.js";
import type { ChatContext } from "./context.js";
import { conversationTitle } from "./header.js";
import { Live } from "./live.js";

const PAGE = 30;
const SEARCH_DEBOUNCE_MS = 200;

/** The app's filter, narrowed to conversations that have messages. */
export function listedFilter(filter: ConversationFilter | null | undefined): ConversationFilter {
  const withMessages = (f: SimpleConversationFilter): SimpleConversationFilter => ({ ...f, hasMessages: true });
  if (!filter) return { hasMessages: true };
  if (Array.isArray(filter)) return ["any", filter[1].map(withMessages)];
  return withMessages(filter as SimpleConversationFilter);
}

/** One row: its title needs the participants when the conversation has no subject. */
export class ConversationItem extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host {
        display: block;
      }
      button {
        display: flex;
        align-items: center;
        gap: 10px;
        width: 100%;
        padding: 10px 12px;
        text-align: start;
        border-radius: 10px;
      }
      button:hover {
        background: var(--_hover);
      }
      button[aria-current="true"] {
        background: color-mix(in srgb, var(--_accent) 14%, var(--_bg));
      }
      .text {
        flex: 1;
        min-width: 0;
        display: flex;
        flex-direction: column;
        gap: 2px;
      }
      .top,
      .bottom {
        display: flex;
        align-items: baseline;
        gap: 8px;
      }
      .title,
      .preview {
        flex: 1;
        min-width: 0;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .title {
        font-weight: 600;
      }
      .unread .title,
      .unread .preview {
        font-weight: 700;
        color: var(--_fg);
      }
      .preview,
      .when {
        font-size: 13px;
        color: var(--_muted);
      }
    `,
  ];

  static override properties = {
    ctx: { attribute: false },
    conversation: { attribute: false },
    selected: { attribute: false },
  };

  declare ctx: ChatContext | null;
  declare conversation: ConversationSnapshot | null;
  declare selected: boolean;

  readonly #participants = new Live<ParticipantSnapshot[] | null>(this);

  constructor() {
    super();
    this.ctx = null;
    this.conversation = null;
    this.selected = false;
  }

  protected override willUpdate(_changed: PropertyValues): void {
    const conv = this.conversation;
    // Only a conversation without a subject (or photo) needs its participants.
    const needs = conv && (!conv.subject || !conv.photoUrl);
    this.#participants.followConversation(this.ctx, needs ? conv.id : null, (ref, cb) => ref.subscribeParticipants(cb));
  }

  override focus(): void {
    this.renderRoot.querySelector("button")?.focus();
  }

  protected override render(): unknown {
    const ctx = this.ctx;
    const c = this.conversation;
    if (!ctx || !c) return nothing;
    const s = ctx.locale.strings;
    const others = (this.#participants.value ?? []).map((p) => p.user).filter((u) => u.id !== ctx.me);
    const title = conversationTitle(c, others);
    const oneOnOne = this.#participants.loadedAll && (this.#participants.value?.length ?? 0) <= 2;
    const photo = c.photoUrl ?? (oneOnOne ? (others[0]?.photoUrl ?? null) : null);
    const last = c.lastMessage;
    let preview = "";
    if (last) {
      const who =
        last.type === "SystemMessage"
          ? ""
          : last.sender?.id === ctx.me
            ? `${s.you}: `
            : oneOnOne
              ? ""
              : `${last.sender?.name ?? ""}: `;
      preview = `${who}${last.plaintext || s.attachment}`;
    }
    const unread = c.isUnread && c.unreadMessageCount > 0;
    return html`<button
      class=${unread ? "unread" : ""}
      aria-current=${this.selected ? "true" : "false"}
      @click=${() => this.dispatchEvent(new CustomEvent("cw-select", { detail: { id: c.id }, bubbles: true, composed: true }))}
    >
      ${avatar(title, photo, { size: 44 })}
      <span class="text">
        <span class="top">
          <span class="title">${title}</span>
          ${last ? html`<time class="when" datetime=${new Date(last.createdAt).toISOString()}>${ctx.locale.stamp(last.createdAt)}</time>` : nothing}
        </span>
        <span class="bottom">
          <span class="preview">${preview}</span>
          ${unread ? html`<span class="badge" role="status" aria-label=${s.unread(c.unreadMessageCount)}>${c.unreadMessageCount}</span>` : nothing}
        </span>
      </span>
    </button>`;
  }
}

export class ConversationList extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
        height: 100%;
        background: var(--_bg);
      }
      header {
        padding: 12px 12px 8px;
        border-bottom: 1px solid var(--_border);
      }
      h2 {
        margin: 0 0 8px;
        font-size: 18px;
      }
      input {
        width: 100%;
        font: inherit;
        color: var(--_fg);
        background: var(--_panel);
        border: 1px solid var(--_border);
        border-radius: 10px;
        padding: 7px 10px;
      }
      input::placeholder {
        color: var(--_muted);
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 6px;
        overflow-y: auto;
        flex: 1;
        min-height: 0;
      }
      .status {
        color: var(--_muted);
        padding: 16px;
        text-align: center;
      }
      .sentinel {
        height: 1px;
      }
    `,
  ];

  static override properties = {
    ctx: { attribute: false },
    selectedId: { attribute: false },
    filter: { attribute: false },
    showHeader: { attribute: false },
  };

  declare ctx: ChatContext | null;
  declare selectedId: string | null;
  declare filter: ConversationFilter | null;
  declare showHeader: boolean;

  readonly #list = new Live<ConversationSnapshot[]>(this);
  #search: ConversationSearch | null = null;
  #query = "";
  #results: ConversationSnapshot[] | null = null;
  #debounce: ReturnType<typeof setTimeout> | undefined;
  #loading = false;
  #observer: IntersectionObserver | null = null;
  #announced = false;

  constructor() {
    super();
    this.ctx = null;
    this.selectedId = null;
    this.filter = null;
    this.showHeader = true;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#observer?.disconnect();
    this.#observer = null;
    clearTimeout(this.#debounce);
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has("ctx") || changed.has("filter")) {
      const ctx = this.ctx;
      const filter = listedFilter(this.filter);
      this.#list.follow(
        ctx ? `${ctx.me}\u0000${JSON.stringify(filter)}` : null,
        ctx ? (cb) => ctx.session.subscribeConversations({ filter }, (s, all) => cb(s, all)) : null,
      );
      this.#search = null;
      this.#results = null;
      this.#announced = false;
    }
  }

  protected override updated(): void {
    if (this.ready && !this.#announced) {
      this.#announced = true;
      this.dispatchEvent(new CustomEvent("cw-list-loaded", { bubbles: true, composed: true }));
    }
    const sentinel = this.renderRoot.querySelector(".sentinel");
    const scroller = this.renderRoot.querySelector("ul");
    if (!sentinel || !scroller) return;
    this.#observer ??= new IntersectionObserver((entries) => this.#onSentinel(entries), {
      root: scroller,
      rootMargin: "0px 0px 400px 0px",
    });
    this.#observer.disconnect();
    this.#observer.observe(sentinel);
  }

  /** The conversations shown now, in order (for keyboard use and `select(undefined)`). */
  get shown(): readonly ConversationSnapshot[] {
    return this.#results ?? this.#list.value ?? [];
  }

  get ready(): boolean {
    return this.#list.value !== undefined;
  }

  #onSentinel(entries: IntersectionObserverEntry[]): void {
    if (!entries.some((e) => e.isIntersecting) || this.#loading || this.#results) return;
    if (this.#list.loadedAll || this.#list.value === undefined) return;
    const sub = this.#list.subscription as ConversationListSubscription | null;
    if (!sub) return;
    this.#loading = true;
    sub
      .loadMore(PAGE)
      .catch(() => {})
      .finally(() => {
        this.#loading = false;
        this.requestUpdate();
      });
  }

  #onSearch = (e: Event): void => {
    this.#query = (e.target as HTMLInputElement).value;
    clearTimeout(this.#debounce);
    if (this.#query.trim() === "") {
      this.#results = null;
      this.requestUpdate();
      return;
    }
    this.#debounce = setTimeout(() => this.#runSearch(), SEARCH_DEBOUNCE_MS);
  };

  #runSearch(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const query = this.#query;
    this.#search ??= ctx.session.searchConversations((results) => {
      if (this.#query.trim() === "") return;
      this.#results = results;
      this.requestUpdate();
    });
    this.#search.setQuery(query).catch(() => {});
  }

  /** Up and Down move between conversations. */
  #onKeydown = (e: KeyboardEvent): void => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const items = [...this.renderRoot.querySelectorAll<ConversationItem>("cw-conversation-item")];
    const at = items.findIndex((i) => i.matches(":focus-within"));
    const next = items[Math.max(0, Math.min(items.length - 1, at + (e.key === "ArrowDown" ? 1 : -1)))];
    if (next) {
      e.preventDefault();
      next.focus();
    }
  };

  #item = (c: ConversationSnapshot): TemplateResult =>
    html`${guard([c, this.selectedId === c.id, this.ctx], () => html`<li><cw-conversation-item .ctx=${this.ctx} .conversation=${c} .selected=${this.selectedId === c.id}></cw-conversation-item></li>`)}`;

  protected override render(): unknown {
    const ctx = this.ctx;
    if (!ctx) return nothing;
    const s = ctx.locale.strings;
    const list = this.shown;
    const searching = this.#results !== null;
    return html`
      ${
        this.showHeader
          ? html`<header>
            <h2>${s.conversations}</h2>
            <input type="search" aria-label=${s.searchConversations} placeholder=${s.searchConversations} .value=${this.#query} @input=${this.#onSearch} />
          </header>`
          : nothing
      }
      <ul aria-label=${s.conversations} @keydown=${this.#onKeydown}>
        ${repeat(list, (c) => c.id, this.#item)}
        ${this.#list.value === undefined ? html`<li class="status">${s.loading}</li>` : nothing}
        ${
          this.#list.value !== undefined && list.length === 0
            ? html`<li class="status">${searching ? s.noResults : s.noConversations}</li>`
            : nothing
        }
        ${!searching && this.#list.value !== undefined && !this.#list.loadedAll ? html`<li class="sentinel" aria-hidden="true"></li>` : nothing}
      </ul>
    `;
  }
}
