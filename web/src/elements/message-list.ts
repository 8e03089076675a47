// The messages of one conversation: a scrolling log, newest at the bottom.
//
// The scroller is a `flex-direction: column-reverse` box holding one block,
// the log, in reading order (oldest first). A column-reverse box scrolls
// from its bottom, so new messages keep a reader at the bottom, and older
// ones loaded on top leave the view where it was, with no scroll arithmetic;
// and the rows inside are plain block layout, which stays cheap at 10,000.
//
// Each row is rendered behind lit's `guard` with exactly what it depends on
// (its snapshot, its neighbour's sender and day, read state, hover), and the
// SDK reuses unchanged snapshots, so an event re-renders only the rows it
// changed, however long the history. The hover toolbar is positioned over
// its row, so showing it moves nothing else.
//
// Only a window of the rows around the view is in the DOM (row-window.ts):
// a trace of a script-driven scroll (`PERF_TRACE=1 npm run perf`) put each
// frame's cost in Chromium's Paint, Commit and Layerize, which grow with the
// rows in the DOM. Two cheaper cures were measured and refused:
// `content-visibility: auto` on rows doubled the median frame at 2,000
// messages (33 ms against 17: rows entering the view are laid out as they
// scroll in), and `will-change: scroll-position` on the scroller changed
// nothing.

import type {
  ConversationSnapshot,
  MessageSnapshot,
  MessageSubscription,
  ParticipantSnapshot,
  ReferencedMessageSnapshot,
  UserSnapshot,
} from "@chinwag/core";
import { css, html, LitElement, nothing, type PropertyValues, render, type TemplateResult } from "lit";
import { guard } from "lit/directives/guard.js";
import { repeat } from "lit/directives/repeat.js";
import { styleMap } from "lit/directives/style-map.js";

import { avatar, renderContent } from "../content/render.js";
import { startOfDay } from "../i18n/index.js";
import { base, tokens } from "../theme/styles.js";
import type { ChatContext } from "./context.js";
import { Live } from "./live.js";
import { type Range, RowWindow } from "./row-window.js";

/** Messages fetched per scroll-back. */
const PAGE = 30;
/** Two messages by one sender closer than this share one header. */
const GROUP_MS = 5 * 60_000;
/** Offered in the reaction picker. */
export const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏", "🎉", "👀"];

const dayCache = new WeakMap<MessageSnapshot, number>();
function dayOf(m: MessageSnapshot): number {
  let d = dayCache.get(m);
  if (d === undefined) {
    d = startOfDay(m.createdAt);
    dayCache.set(m, d);
  }
  return d;
}

export interface MessageActionDetail {
  message: MessageSnapshot;
}

export class MessageList extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
        flex: 1;
        position: relative;
      }
      .scroller {
        flex: 1;
        min-height: 0;
        overflow-y: auto;
        overscroll-behavior: contain;
        display: flex;
        flex-direction: column-reverse;
      }
      .log {
        display: flow-root;
        position: relative;
        padding: 8px 12px 4px;
      }
      .toolbar {
        position: absolute;
        inset-inline: 12px;
        height: 0;
        z-index: 1;
      }
      .row {
        display: flex;
        gap: 8px;
        align-items: flex-end;
        position: relative;
        padding: 1px 0;
        margin-top: 2px;
      }
      .row.grouped-start {
        margin-top: 8px;
      }
      .row.mine {
        flex-direction: row-reverse;
      }
      .row:focus-visible {
        outline: 2px solid var(--_focus);
        outline-offset: -2px;
        border-radius: 8px;
      }
      .gutter {
        width: 32px;
        flex: none;
      }
      .body {
        display: flex;
        flex-direction: column;
        max-width: min(75%, 560px);
        min-width: 0;
      }
      .mine .body {
        align-items: flex-end;
      }
      .sender {
        font-size: 13px;
        font-weight: 600;
        color: var(--_muted);
        margin: 0 10px 2px;
      }
      .bubble {
        background: var(--_bubble);
        color: var(--_bubble-fg);
        border-radius: var(--_radius);
        padding: 7px 11px 5px;
        overflow-wrap: anywhere;
        min-width: 0;
        max-width: 100%;
      }
      .mine .bubble {
        background: var(--_bubble-me);
        color: var(--_bubble-me-fg);
      }
      .mine .bubble a {
        color: inherit;
      }
      .bubble a {
        color: var(--_accent);
      }
      .text {
        white-space: pre-wrap;
        line-height: 1.4;
      }
      .text ul {
        margin: 2px 0;
        padding-inline-start: 20px;
        white-space: normal;
      }
      code {
        font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
        font-size: 0.92em;
        background: color-mix(in srgb, currentColor 12%, transparent);
        border-radius: 4px;
        padding: 0 3px;
        white-space: pre-wrap;
      }
      .mention {
        font-weight: 600;
      }
      .action {
        display: inline-block;
        border: 1px solid currentColor;
        border-radius: 6px;
        padding: 0 6px;
        opacity: 0.85;
      }
      .media {
        display: block;
        max-width: 100%;
        margin: 2px 0;
      }
      .media img,
      video.media {
        display: block;
        max-width: min(100%, 320px);
        max-height: 320px;
        width: auto;
        height: auto;
        border-radius: calc(var(--_radius) - 6px);
      }
      audio {
        max-width: 100%;
      }
      .voice {
        display: flex;
        flex-direction: column;
        gap: 2px;
      }
      .file-card,
      .location {
        display: flex;
        align-items: center;
        gap: 8px;
        text-decoration: none;
        padding: 4px 0;
      }
      .file-name {
        font-weight: 600;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .meta {
        display: flex;
        justify-content: flex-end;
        align-items: center;
        gap: 4px;
        font-size: 11px;
        opacity: 0.8;
        margin-top: 2px;
      }
      .meta svg {
        width: 14px;
        height: 14px;
      }
      .quote {
        display: block;
        text-align: start;
        width: 100%;
        border-inline-start: 3px solid currentColor;
        padding: 2px 8px;
        margin: 2px 0 4px;
        font-size: 13px;
        opacity: 0.85;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .system {
        justify-content: center;
      }
      .system .bubble,
      .welcome-system {
        background: var(--_system);
        color: var(--_system-fg);
        font-size: 13px;
        text-align: center;
        max-width: 90%;
        border-radius: 10px;
        padding: 6px 12px;
      }
      .welcome-system {
        width: fit-content;
        margin: 6px auto;
      }
      .day {
        text-align: center;
        font-size: 12px;
        font-weight: 600;
        color: var(--_muted);
        padding: 10px 0 6px;
      }
      .reactions {
        display: flex;
        flex-wrap: wrap;
        gap: 4px;
        margin-top: 3px;
      }
      .chip {
        display: inline-flex;
        align-items: center;
        gap: 3px;
        border: 1px solid var(--_border);
        background: var(--_bg);
        border-radius: 12px;
        padding: 1px 7px;
        font-size: 13px;
      }
      .chip[aria-pressed="true"] {
        border-color: var(--_accent);
        background: color-mix(in srgb, var(--_accent) 14%, var(--_bg));
      }
      .actions {
        position: absolute;
        top: -14px;
        inset-inline-end: 44px;
        z-index: 1;
        display: flex;
        gap: 2px;
        background: var(--_bg);
        border: 1px solid var(--_border);
        border-radius: 8px;
        padding: 1px;
      }
      .actions button {
        min-width: 30px;
        min-height: 30px;
        border-radius: 6px;
        font-size: 13px;
        padding: 0 6px;
      }
      .actions button:hover {
        background: var(--_hover);
      }
      .toolbar.mine .actions {
        inset-inline-end: auto;
        inset-inline-start: 8px;
      }
      .actions .danger {
        color: var(--_danger);
      }
      .picker {
        display: flex;
        flex-wrap: wrap;
        gap: 2px;
      }
      .status {
        text-align: center;
        color: var(--_muted);
        font-size: 13px;
        padding: 8px;
      }
      .sentinel {
        height: 1px;
      }
      .unit {
        display: flow-root;
      }
      /* What sits above the oldest row must never be the scroll anchor: rows
         loaded above it would then push the rows on screen down. */
      .sentinel,
      .spacer,
      .status,
      .welcome,
      .welcome-system,
      .toolbar {
        overflow-anchor: none;
      }
      .highlight .bubble {
        outline: 2px solid var(--_accent);
      }
      @media (max-width: 480px) {
        .body {
          max-width: 85%;
        }
        .gutter {
          display: none;
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

  readonly #messages = new Live<MessageSnapshot[] | null>(this);
  readonly #conversation = new Live<ConversationSnapshot | null>(this);
  readonly #participants = new Live<ParticipantSnapshot[] | null>(this);
  #active: string | null = null;
  #picker: string | null = null;
  #confirmDelete: string | null = null;
  #highlight: string | null = null;
  #loadingOlder = false;
  #observer: IntersectionObserver | null = null;
  #visibility: IntersectionObserver | null = null;
  #visible = false;
  #markedReadFor: string | null = null;
  readonly #window = new RowWindow();
  /** What the last render drew: every loaded id (oldest first) and the window of them in the DOM. */
  #drawn: { ids: string[]; range: Range } | null = null;
  #windowQueued = false;

  constructor() {
    super();
    this.ctx = null;
    this.conversationId = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("focus", this.#maybeMarkRead);
    document.addEventListener("visibilitychange", this.#maybeMarkRead);
    this.#visibility = new IntersectionObserver((entries) => {
      this.#visible = entries.some((e) => e.isIntersecting);
      this.#maybeMarkRead();
    });
    this.#visibility.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener("focus", this.#maybeMarkRead);
    document.removeEventListener("visibilitychange", this.#maybeMarkRead);
    this.#visibility?.disconnect();
    this.#observer?.disconnect();
    this.#observer = null;
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has("ctx") || changed.has("conversationId")) {
      const { ctx, conversationId: id } = this;
      this.#messages.followConversation(ctx, id, (ref, cb) => ref.subscribeMessages(cb));
      this.#conversation.followConversation(ctx, id, (ref, cb) => ref.subscribe(cb));
      this.#participants.followConversation(ctx, id, (ref, cb) => ref.subscribeParticipants(cb));
      this.#active = null;
      this.#picker = null;
      this.#markedReadFor = null;
      this.#window.reset();
    }
  }

  protected override updated(): void {
    const sentinel = this.renderRoot.querySelector(".sentinel");
    const scroller = this.renderRoot.querySelector(".scroller");
    if (sentinel && scroller) {
      if (!this.#observer) {
        this.#observer = new IntersectionObserver((entries) => this.#onSentinel(entries), {
          root: scroller,
          rootMargin: "600px 0px 0px 0px",
        });
      }
      this.#observer.disconnect();
      this.#observer.observe(sentinel);
    }
    this.#renderToolbar();
    this.#maybeMarkRead();
    this.#rewindow();
  }

  /** Scrolls to the newest message (after sending one, for instance). */
  scrollToLatest(): void {
    if (this.#drawn && this.#drawn.range.hi < this.#drawn.ids.length) {
      this.#window.toLatest(this.#drawn.ids);
      this.requestUpdate();
    }
    const scroller = this.renderRoot.querySelector<HTMLElement>(".scroller");
    if (scroller) scroller.scrollTop = 0;
  }

  /**
   * Measures the rows in the DOM, then moves the window of rendered rows if
   * the view has come near one of its edges (see row-window.ts).
   */
  #rewindow(): void {
    const drawn = this.#drawn;
    const scroller = this.renderRoot.querySelector<HTMLElement>(".scroller");
    const spacer = this.renderRoot.querySelector<HTMLElement>(".spacer");
    if (!drawn || !scroller || !spacer) return;
    for (const unit of this.renderRoot.querySelectorAll<HTMLElement>(".unit")) {
      if (unit.dataset.unit) this.#window.measure(unit.dataset.unit, unit.offsetHeight);
    }
    // The top spacer stands for rows 0..lo, so its top is where row 0 would start.
    const origin = spacer.getBoundingClientRect().top;
    const view = scroller.getBoundingClientRect();
    if (this.#window.scrolledTo(drawn.ids, drawn.range, view.top - origin, view.bottom - origin)) this.requestUpdate();
  }

  #onSentinel(entries: IntersectionObserverEntry[]): void {
    if (!entries.some((e) => e.isIntersecting)) return;
    if (this.#messages.loadedAll || this.#loadingOlder || this.#messages.value === undefined) return;
    const sub = this.#messages.subscription as MessageSubscription | null;
    if (!sub) return;
    this.#loadingOlder = true;
    this.requestUpdate();
    sub
      .loadMore(PAGE)
      .catch(() => {})
      .finally(() => {
        this.#loadingOlder = false;
        this.requestUpdate();
      });
  }

  /** Marks the conversation read when its newest messages are on screen and the page has the user's attention. */
  #maybeMarkRead = (): void => {
    const conv = this.#conversation.value;
    const ctx = this.ctx;
    if (!conv || !ctx || !conv.isUnread) return;
    if (!this.#visible || document.visibilityState !== "visible" || !document.hasFocus()) return;
    const scroller = this.renderRoot.querySelector<HTMLElement>(".scroller");
    // column-reverse: 0 is the bottom, going up is negative.
    if (scroller && scroller.scrollTop < -150) return;
    const marker = `${conv.id}\u0000${conv.lastMessage?.id ?? ""}\u0000${conv.unreadMessageCount}`;
    if (this.#markedReadFor === marker) return;
    this.#markedReadFor = marker;
    ctx.session
      .conversation(conv.id)
      .markAsRead()
      .catch(() => {
        this.#markedReadFor = null;
      });
  };

  #onScroll = (): void => {
    this.#maybeMarkRead();
    if (this.#windowQueued) return;
    this.#windowQueued = true;
    requestAnimationFrame(() => {
      this.#windowQueued = false;
      this.#rewindow();
    });
  };

  #isGroup(): boolean {
    const parts = this.#participants.value;
    if (!parts) return false;
    return !this.#participants.loadedAll || parts.length > 2;
  }

  #emit(type: "cw-reply" | "cw-edit", message: MessageSnapshot): void {
    this.dispatchEvent(
      new CustomEvent<MessageActionDetail>(type, { detail: { message }, bubbles: true, composed: true }),
    );
  }

  #setActive(id: string | null): void {
    if (this.#active === id) return;
    this.#active = id;
    if (this.#picker !== id) this.#picker = null;
    if (this.#confirmDelete !== id) this.#confirmDelete = null;
    this.#renderToolbar();
  }

  /** Hover and focus: the row under the pointer or holding focus gets the toolbar. */
  #onPointerOrFocus = (e: Event): void => {
    const row = (e.target as HTMLElement).closest?.(".row[data-id]") as HTMLElement | null;
    if (row) this.#setActive(row.dataset.id ?? null);
    else if (e.type === "mouseover" && !(e.target as HTMLElement).closest?.(".toolbar")) this.#setActive(null);
  };

  /**
   * The message toolbar lives in one slot laid over the log, moved to the
   * active row: showing it, moving it or opening the picker renders that
   * slot alone, never the rows.
   */
  #renderToolbar(): void {
    const slot = this.renderRoot.querySelector<HTMLElement>(".toolbar");
    if (!slot) return;
    const id = this.#active;
    const m = id ? this.#messages.value?.find((x) => x.id === id) : undefined;
    const row = id ? this.renderRoot.querySelector<HTMLElement>(`.row[data-id="${CSS.escape(id)}"]`) : null;
    if (!m || !row || m.type === "SystemMessage" || !this.ctx) {
      render(nothing, slot);
      slot.hidden = true;
      return;
    }
    const mine = m.sender?.id === this.ctx.me;
    slot.hidden = false;
    slot.classList.toggle("mine", mine);
    slot.style.top = `${row.offsetTop}px`;
    render(this.#actions(m, mine), slot);
  }

  #toggleReaction(m: MessageSnapshot, emoji: string): void {
    const ctx = this.ctx;
    if (!ctx || !this.conversationId) return;
    const mine = m.reactions.find((r) => r.emoji === emoji)?.currentUserReacted ?? false;
    const ref = ctx.session.conversation(this.conversationId).message(m.id).reactions(emoji);
    (mine ? ref.remove() : ref.add()).catch((e: Error) => this.#report(e));
    this.#picker = null;
    this.#renderToolbar();
  }

  #delete(m: MessageSnapshot): void {
    const ctx = this.ctx;
    if (!ctx || !this.conversationId) return;
    if (this.#confirmDelete !== m.id) {
      this.#confirmDelete = m.id;
      this.#renderToolbar();
      return;
    }
    this.#confirmDelete = null;
    ctx.session
      .conversation(this.conversationId)
      .message(m.id)
      .delete()
      .catch((e: Error) => this.#report(e));
  }

  #report(error: Error): void {
    this.dispatchEvent(new CustomEvent("cw-error", { detail: { error }, bubbles: true, composed: true }));
  }

  async #jumpTo(id: string): Promise<void> {
    const index = this.#drawn?.ids.indexOf(id) ?? -1;
    if (this.#drawn && index >= 0 && (index < this.#drawn.range.lo || index >= this.#drawn.range.hi)) {
      this.#window.reveal(this.#drawn.ids, index);
      this.requestUpdate();
      await this.updateComplete;
    }
    const row = this.renderRoot.querySelector<HTMLElement>(`[data-id="${CSS.escape(id)}"]`);
    if (!row) return;
    row.scrollIntoView({ block: "center" });
    row.focus({ preventScroll: true });
    this.#highlight = id;
    this.requestUpdate();
    setTimeout(() => {
      if (this.#highlight === id) {
        this.#highlight = null;
        this.requestUpdate();
      }
    }, 1500);
  }

  /** Arrow keys move between messages; Home/End jump to the oldest loaded or the newest. */
  #onKeydown = (e: KeyboardEvent): void => {
    const target = e.target as HTMLElement;
    const row = target.closest?.(".row") as HTMLElement | null;
    if (e.key === "Escape") {
      if (this.#picker || this.#confirmDelete) {
        this.#picker = null;
        this.#confirmDelete = null;
        this.#renderToolbar();
        row?.focus();
      }
      return;
    }
    if (!["ArrowUp", "ArrowDown", "Home", "End"].includes(e.key)) return;
    if (target.tagName === "VIDEO" || target.tagName === "AUDIO") return;
    const drawn = this.#drawn;
    if (drawn && (e.key === "Home" ? drawn.range.lo > 0 : e.key === "End" && drawn.range.hi < drawn.ids.length)) {
      // The oldest or newest loaded row is outside the window: bring it in first.
      e.preventDefault();
      if (e.key === "Home") this.#window.reveal(drawn.ids, 0);
      else this.#window.toLatest(drawn.ids);
      this.requestUpdate();
      this.updateComplete.then(() => {
        const rows = this.renderRoot.querySelectorAll<HTMLElement>(".row[data-id]");
        (e.key === "Home" ? rows[0] : rows[rows.length - 1])?.focus();
      });
      return;
    }
    const rows = [...this.renderRoot.querySelectorAll<HTMLElement>(".row[data-id]")];
    if (rows.length === 0) return;
    e.preventDefault();
    // Rows are in reading order: "up" is the previous row; from the log itself, the newest.
    const at = row ? rows.indexOf(row) : -1;
    const last = rows.length - 1;
    let next: HTMLElement | undefined;
    if (e.key === "Home") next = rows[0];
    else if (e.key === "End" || at < 0) next = rows[last];
    else next = rows[Math.min(last, Math.max(0, at + (e.key === "ArrowUp" ? -1 : 1)))];
    next?.focus();
  };

  #row(
    m: MessageSnapshot,
    older: MessageSnapshot | undefined,
    showDay: boolean,
    group: boolean,
    read: boolean,
  ): TemplateResult {
    const ctx = this.ctx as ChatContext;
    const s = ctx.locale.strings;
    const day = showDay
      ? html`<div class="day" role="separator" aria-label=${ctx.locale.day(m.createdAt)}>${ctx.locale.day(m.createdAt)}</div>`
      : nothing;
    if (m.type === "SystemMessage") {
      return html`${day}<div class="row system" data-id=${m.id} tabindex="-1" role="article" aria-label=${s.system}>
          <div class="body"><div class="bubble">${renderContent(m.content, ctx.locale)}</div></div>
        </div>`;
    }
    const sender = m.sender;
    const mine = sender?.id === ctx.me;
    const startsGroup =
      showDay ||
      !older ||
      older.type === "SystemMessage" ||
      older.sender?.id !== sender?.id ||
      m.createdAt - older.createdAt > GROUP_MS;
    const name = sender?.name ?? "";
    const label = `${mine ? s.you : name}, ${ctx.locale.time(m.createdAt)}`;
    const classes = `row${mine ? " mine" : ""}${startsGroup ? " grouped-start" : ""}${this.#highlight === m.id ? " highlight" : ""}`;
    return html`${day}<div
        class=${classes}
        data-id=${m.id}
        tabindex="-1"
        role="article"
        aria-label=${label}
      >
        ${mine ? nothing : html`<span class="gutter">${startsGroup && sender ? avatar(name, sender.photoUrl, { size: 32 }) : nothing}</span>`}
        <div class="body">
          ${group && !mine && startsGroup && sender ? html`<span class="sender">${name}</span>` : nothing}
          <div class="bubble">
            ${m.referencedMessage ? this.#quote(m.referencedMessage) : nothing}
            ${renderContent(m.content, ctx.locale)}
            <div class="meta">
              ${m.editedAt ? html`<span>${s.edited}</span>` : nothing}
              <time datetime=${new Date(m.createdAt).toISOString()}>${ctx.locale.time(m.createdAt)}</time>
              ${mine ? readMark(read, read ? s.read : s.sent) : nothing}
            </div>
          </div>
          ${m.reactions.length > 0 ? this.#reactions(m) : nothing}
        </div>
      </div>`;
  }

  #quote(r: ReferencedMessageSnapshot): TemplateResult {
    const text = r.plaintext.length > 140 ? `${r.plaintext.slice(0, 140)}…` : r.plaintext;
    return html`<button class="quote" @click=${() => void this.#jumpTo(r.id)}>${r.sender.name}: ${text}</button>`;
  }

  #reactions(m: MessageSnapshot): TemplateResult {
    const s = (this.ctx as ChatContext).locale.strings;
    return html`<div class="reactions">
      ${m.reactions.map(
        (r) => html`<button
          class="chip"
          aria-pressed=${r.currentUserReacted ? "true" : "false"}
          aria-label=${s.reactionCount(r.emoji, r.count, r.currentUserReacted)}
          @click=${() => this.#toggleReaction(m, r.emoji)}
        >
          <span aria-hidden="true">${r.emoji}</span><span aria-hidden="true">${r.count}</span>
        </button>`,
      )}
    </div>`;
  }

  #actions(m: MessageSnapshot, mine: boolean): TemplateResult {
    const s = (this.ctx as ChatContext).locale.strings;
    if (this.#picker === m.id) {
      return html`<div class="actions picker" role="group" aria-label=${s.react}>
        ${QUICK_REACTIONS.map(
          (e) => html`<button aria-label=${s.reactWith(e)} @click=${() => this.#toggleReaction(m, e)}>${e}</button>`,
        )}
      </div>`;
    }
    const readOnly = this.#conversation.value?.access === "Read";
    return html`<div class="actions" role="group" aria-label=${s.messageActions}>
      ${
        readOnly
          ? nothing
          : html`<button
              aria-label=${s.react}
              title=${s.react}
              @click=${() => {
                this.#picker = m.id;
                this.#renderToolbar();
              }}
            >
              <svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="9" /><path d="M8.5 14.5a4 4 0 0 0 7 0M9 9.5h.01M15 9.5h.01" /></svg>
            </button>
            <button aria-label=${s.reply} title=${s.reply} @click=${() => this.#emit("cw-reply", m)}>
              <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M9 14 4 9l5-5" /><path d="M4 9h10a6 6 0 0 1 6 6v4" /></svg>
            </button>`
      }
      ${
        mine && !readOnly
          ? html`<button aria-label=${s.edit} title=${s.edit} @click=${() => this.#emit("cw-edit", m)}>
              <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 20h4L19 9l-4-4L4 16z" /></svg>
            </button>
            <button class="danger" aria-label=${this.#confirmDelete === m.id ? s.deletedConfirm : s.delete} title=${s.delete} @click=${() => this.#delete(m)}>
              ${
                this.#confirmDelete === m.id
                  ? s.deletedConfirm
                  : html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13" /></svg>`
              }
            </button>`
          : nothing
      }
    </div>`;
  }

  /** Welcome messages: the conversation's as system messages, then (in a 1:1) the other user's. Shown, never stored. */
  #welcome(conv: ConversationSnapshot | null | undefined, group: boolean): unknown {
    const ctx = this.ctx as ChatContext;
    const items: TemplateResult[] = [];
    for (const text of conv?.welcomeMessages ?? []) {
      items.push(html`<div class="welcome-system" role="note">${text}</div>`);
    }
    if (!group) {
      const others = (this.#participants.value ?? []).map((p) => p.user).filter((u) => u.id !== ctx.me);
      for (const u of others) {
        if (u.welcomeMessage) items.push(this.#welcomeBubble(u, u.welcomeMessage));
      }
    }
    return items;
  }

  #welcomeBubble(user: UserSnapshot, text: string): TemplateResult {
    return html`<div class="row welcome grouped-start" role="note" aria-label=${user.name}>
      <span class="gutter">${avatar(user.name, user.photoUrl, { size: 32 })}</span>
      <div class="body"><div class="bubble"><div class="text">${text}</div></div></div>
    </div>`;
  }

  protected override render(): unknown {
    const ctx = this.ctx;
    if (!ctx || !this.conversationId) return nothing;
    const s = ctx.locale.strings;
    const messages = this.#messages.value;
    const conv = this.#conversation.value;
    if (messages === null || conv === null) {
      return html`<div class="scroller">
        <div class="log" role="log" aria-label=${s.messages}><p class="status">${s.notFound}</p></div>
      </div>`;
    }
    const list = messages ?? [];
    const loadedAll = this.#messages.loadedAll;
    const group = this.#isGroup();
    const readUntil = conv?.everyoneReadUntil ?? 0;
    const highlight = this.#highlight;
    // The SDK's window is newest first; the log reads oldest first.
    const chronological = list.slice().reverse();
    const ids = chronological.map((m) => m.id);
    const range = this.#window.range(ids);
    this.#drawn = { ids, range };
    const above = this.#window.span(ids, 0, range.lo);
    const below = this.#window.span(ids, range.hi, ids.length);
    return html`<div
      class="scroller"
      @scroll=${this.#onScroll}
      @keydown=${this.#onKeydown}
      @mouseleave=${() => this.#setActive(null)}
      @mouseover=${this.#onPointerOrFocus}
      @focusin=${this.#onPointerOrFocus}
    >
      <div
        class="log"
        role="log"
        aria-label=${s.messages}
        aria-busy=${messages === undefined || this.#loadingOlder ? "true" : "false"}
        tabindex="0"
      >
        ${loadedAll ? this.#welcome(conv, group) : nothing}
        ${
          messages === undefined || this.#loadingOlder
            ? html`<p class="status">${messages === undefined ? s.loading : s.loadingOlder}</p>`
            : nothing
        }
        ${loadedAll || messages === undefined ? nothing : html`<div class="sentinel"></div>`}
        <div class="spacer" style=${styleMap({ height: `${above}px` })}></div>
        ${repeat(
          chronological.slice(range.lo, range.hi),
          (m) => m.id,
          (m, k) => {
            const older = chronological[range.lo + k - 1];
            const showDay = older ? dayOf(older) !== dayOf(m) : loadedAll;
            const read = m.createdAt <= readUntil;
            return html`<div class="unit" data-unit=${m.id}>${guard(
              [m, older?.sender?.id, older?.createdAt, older?.type, showDay, group, read, highlight === m.id],
              () => this.#row(m, older, showDay, group, read),
            )}</div>`;
          },
        )}
        <div class="spacer" style=${styleMap({ height: `${below}px` })}></div>
        <div class="toolbar" hidden></div>
      </div>
    </div>`;
  }
}

function readMark(read: boolean, label: string): TemplateResult {
  return html`<svg viewBox="0 0 24 24" role="img" aria-label=${label}>
    ${read ? html`<path d="m2 13 4 4 8-9" /><path d="m10 16 1 1 9-10" />` : html`<path d="m5 13 4 4 10-11" />`}
  </svg>`;
}
