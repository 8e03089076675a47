// The message field: markup text, Enter to send (Shift+Enter for a new line),
// files and images with upload progress, replies and edits, and typing
// sent sparingly, the way seed 004's example does it (at most every 5 s while
// the draft is not empty, and again at once after a send).

import type { MessageSnapshot, TalkSession } from "@chinwag/core";
import { toMarkup } from "@chinwag/core";
import { css, html, LitElement, nothing, type PropertyValues } from "lit";

import { base, tokens } from "../theme/styles.js";
import type { ChatContext } from "./context.js";

const TYPING_EVERY_MS = 5_000;

type Upload = { name: string; percent: number | null; error: string | null };

/** Reads an image's or a video's intrinsic size and a media file's duration, so the chat can reserve its box. */
async function mediaMetadata(file: File): Promise<{ width?: number; height?: number; duration?: number }> {
  const url = URL.createObjectURL(file);
  try {
    if (file.type.startsWith("image/")) {
      const img = new Image();
      img.src = url;
      await img.decode();
      return { width: img.naturalWidth, height: img.naturalHeight };
    }
    if (file.type.startsWith("video/") || file.type.startsWith("audio/")) {
      const el = document.createElement(file.type.startsWith("video/") ? "video" : "audio");
      el.preload = "metadata";
      el.src = url;
      await new Promise<void>((resolve, reject) => {
        el.onloadedmetadata = () => resolve();
        el.onerror = () => reject(new Error("unreadable media"));
        setTimeout(resolve, 3000);
      });
      const out: { width?: number; height?: number; duration?: number } = {};
      if (Number.isFinite(el.duration)) out.duration = Math.round(el.duration);
      if (el instanceof HTMLVideoElement && el.videoWidth > 0) {
        out.width = el.videoWidth;
        out.height = el.videoHeight;
      }
      return out;
    }
  } catch {
    // Metadata is a nicety: the file is sent without it.
  } finally {
    URL.revokeObjectURL(url);
  }
  return {};
}

/** Uploads one file the way its type suggests (image, video, audio or a generic file). */
async function upload(session: TalkSession, file: File, onProgress: (sent: number, total: number) => void) {
  const meta = await mediaMetadata(file);
  const filename = file.name || "file";
  const progress = { onProgress };
  if (file.type.startsWith("image/")) return session.uploadImage(file, { filename, ...meta }, progress);
  if (file.type.startsWith("video/")) return session.uploadVideo(file, { filename, ...meta }, progress);
  if (file.type.startsWith("audio/")) return session.uploadAudio(file, { filename, ...meta }, progress);
  return session.uploadFile(file, { filename }, progress);
}

export class Composer extends LitElement {
  static override styles = [
    tokens,
    base,
    css`
      :host {
        display: block;
        border-top: 1px solid var(--_border);
        background: var(--_bg);
        padding: 8px 10px;
      }
      .context {
        display: flex;
        align-items: center;
        gap: 8px;
        font-size: 13px;
        color: var(--_muted);
        padding: 0 4px 6px;
      }
      .context .what {
        flex: 1;
        min-width: 0;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .field {
        display: flex;
        align-items: flex-end;
        gap: 6px;
      }
      textarea {
        flex: 1;
        min-width: 0;
        resize: none;
        font: inherit;
        color: var(--_fg);
        background: var(--_panel);
        border: 1px solid var(--_border);
        border-radius: 18px;
        padding: 8px 14px;
        max-height: 160px;
        line-height: 1.4;
      }
      textarea::placeholder {
        color: var(--_muted);
      }
      .send {
        background: var(--_accent);
        color: var(--_accent-fg);
        border-radius: 50%;
      }
      .send:hover {
        background: var(--_accent);
        filter: brightness(1.08);
      }
      .send[disabled] {
        opacity: 0.55;
        cursor: default;
      }
      .uploads {
        font-size: 13px;
        padding: 0 4px 6px;
      }
      progress {
        width: 120px;
        vertical-align: middle;
      }
      .error {
        color: var(--_danger);
      }
      .readonly {
        color: var(--_muted);
        font-size: 14px;
        text-align: center;
        padding: 6px;
      }
    `,
  ];

  static override properties = {
    ctx: { attribute: false },
    conversationId: { attribute: false },
    readOnly: { attribute: false },
    replyTo: { attribute: false },
    editing: { attribute: false },
  };

  declare ctx: ChatContext | null;
  declare conversationId: string | null;
  declare readOnly: boolean;
  declare replyTo: MessageSnapshot | null;
  declare editing: MessageSnapshot | null;

  #text = "";
  #lastTyping = 0;
  #uploads: Upload[] = [];
  #error: string | null = null;
  #drafts = new Map<string, string>();

  constructor() {
    super();
    this.ctx = null;
    this.conversationId = null;
    this.readOnly = false;
    this.replyTo = null;
    this.editing = null;
  }

  get #field(): HTMLTextAreaElement | null {
    return this.renderRoot.querySelector("textarea");
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("conversationId")) {
      // One draft per conversation, kept while the UI lives.
      const previous = changed.get("conversationId");
      if (previous) this.#drafts.set(previous, this.#text);
      this.#text = this.conversationId ? (this.#drafts.get(this.conversationId) ?? "") : "";
      this.#lastTyping = 0;
      this.#error = null;
    }
    if (changed.has("editing") && this.editing) {
      // The text blocks, written back as the markup they were parsed from.
      this.#text = this.editing.content.flatMap((b) => (b.type === "text" ? [toMarkup(b.children)] : [])).join("\n");
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    const field = this.#field;
    if (!field) return;
    if (field.value !== this.#text) field.value = this.#text;
    this.#autosize(field);
    if ((changed.has("editing") && this.editing) || (changed.has("replyTo") && this.replyTo)) field.focus();
  }

  /** Focuses the field (the UI's `messageField.focus()`). */
  override focus(): void {
    this.#field?.focus();
  }

  get text(): string {
    return this.#text;
  }

  /** Replaces the draft (the UI's `messageField.setText()`). */
  setText(text: string): void {
    this.#text = text;
    this.requestUpdate();
  }

  #autosize(field: HTMLTextAreaElement): void {
    field.style.height = "auto";
    field.style.height = `${Math.min(field.scrollHeight + 2, 160)}px`;
  }

  #onInput = (e: Event): void => {
    const field = e.target as HTMLTextAreaElement;
    this.#text = field.value;
    this.#autosize(field);
    this.#error = null;
    if (this.editing || this.#text.length === 0 || !this.ctx || !this.conversationId) return;
    const now = Date.now();
    if (now - this.#lastTyping > TYPING_EVERY_MS) {
      this.#lastTyping = now;
      this.ctx.session
        .conversation(this.conversationId)
        .markAsTyping()
        .catch(() => {});
    }
  };

  #onKeydown = (e: KeyboardEvent): void => {
    if (e.key === "Escape" && (this.replyTo || this.editing)) {
      e.preventDefault();
      this.#cancel();
      return;
    }
    if (e.key !== "Enter" || e.isComposing) return;
    const enterSends = this.ctx?.options.messageField.enterSendsMessage ?? true;
    if (enterSends ? e.shiftKey : !(e.ctrlKey || e.metaKey)) return;
    e.preventDefault();
    void this.submit();
  };

  #cancel(): void {
    if (this.editing) this.#text = "";
    this.dispatchEvent(new CustomEvent("cw-cancel", { bubbles: true, composed: true }));
  }

  /** Sends the draft (or saves the edit). */
  async submit(): Promise<void> {
    const ctx = this.ctx;
    const conversationId = this.conversationId;
    if (!ctx || !conversationId) return;
    let text = this.#text;
    if (text.trim().length === 0) return;
    const conv = ctx.session.conversation(conversationId);
    if (this.editing) {
      const editing = this.editing;
      this.#text = "";
      this.requestUpdate();
      this.dispatchEvent(new CustomEvent("cw-cancel", { bubbles: true, composed: true }));
      try {
        await conv.message(editing.id).edit(text);
      } catch (e) {
        this.#text = text;
        this.#fail(e as Error);
      }
      return;
    }
    const replyTo = this.replyTo;
    let custom: Record<string, string> | undefined;
    if (ctx.beforeSend) {
      const override = await ctx.beforeSend({ conversationId, text, referencedMessageId: replyTo?.id ?? null });
      if (override?.cancel) return;
      if (typeof override?.text === "string") text = override.text;
      if (override?.custom) custom = override.custom;
    }
    // Clear at once: the message shows when the server has it.
    this.#text = "";
    this.#drafts.delete(conversationId);
    this.#lastTyping = 0;
    this.requestUpdate();
    this.dispatchEvent(new CustomEvent("cw-sent", { bubbles: true, composed: true }));
    try {
      await conv.send({ text, ...(replyTo ? { referencedMessage: replyTo.id } : {}), ...(custom ? { custom } : {}) });
    } catch (e) {
      // Give the text back, so nothing typed is lost.
      if (this.#text === "") this.#text = text;
      this.#fail(e as Error);
    }
  }

  #fail(error: Error): void {
    this.#error = this.ctx?.locale.strings.sendFailed(error.message) ?? error.message;
    this.requestUpdate();
    this.dispatchEvent(new CustomEvent("cw-error", { detail: { error }, bubbles: true, composed: true }));
  }

  #pickFiles = (): void => {
    this.renderRoot.querySelector<HTMLInputElement>("input[type=file]")?.click();
  };

  #onFiles = (e: Event): void => {
    const input = e.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = "";
    for (const f of files) void this.sendFile(f);
  };

  #onPaste = (e: ClipboardEvent): void => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length === 0) return;
    e.preventDefault();
    for (const f of files) void this.sendFile(f);
  };

  /** Uploads a file and sends it as a message, showing progress meanwhile. */
  async sendFile(file: File): Promise<void> {
    const ctx = this.ctx;
    const conversationId = this.conversationId;
    if (!ctx || !conversationId) return;
    const item: Upload = { name: file.name || "file", percent: null, error: null };
    this.#uploads = [...this.#uploads, item];
    this.requestUpdate();
    try {
      const token = await upload(ctx.session, file, (sent, total) => {
        item.percent = total > 0 ? Math.floor((sent / total) * 100) : null;
        this.requestUpdate();
      });
      await ctx.session.conversation(conversationId).send({ content: [{ type: "file", fileToken: token }] });
      this.#uploads = this.#uploads.filter((u) => u !== item);
      this.dispatchEvent(new CustomEvent("cw-sent", { bubbles: true, composed: true }));
    } catch (e) {
      item.error = (e as Error).message;
      this.dispatchEvent(new CustomEvent("cw-error", { detail: { error: e }, bubbles: true, composed: true }));
      setTimeout(() => {
        this.#uploads = this.#uploads.filter((u) => u !== item);
        this.requestUpdate();
      }, 8000);
    }
    this.requestUpdate();
  }

  protected override render(): unknown {
    const ctx = this.ctx;
    if (!ctx || !this.conversationId) return nothing;
    const s = ctx.locale.strings;
    if (this.readOnly) return html`<p class="readonly">${s.readOnly}</p>`;
    const opts = ctx.options.messageField;
    const context = this.editing
      ? html`<div class="context">
          <span class="what">${s.editing}</span>
          <button class="icon-button" aria-label=${s.cancelEdit} title=${s.cancelEdit} @click=${() => this.#cancel()}>
            <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6 6 18" /></svg>
          </button>
        </div>`
      : this.replyTo
        ? html`<div class="context">
            <span class="what">${s.replyingTo(this.replyTo.sender?.name ?? "")}: ${this.replyTo.plaintext}</span>
            <button class="icon-button" aria-label=${s.cancelReply} title=${s.cancelReply} @click=${() => this.#cancel()}>
              <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6 6 18" /></svg>
            </button>
          </div>`
        : nothing;
    return html`
      ${
        this.#uploads.length > 0
          ? html`<div class="uploads" role="status">
            ${this.#uploads.map((u) =>
              u.error
                ? html`<div class="error">${u.name}: ${s.uploadFailed(u.error)}</div>`
                : html`<div>
                    ${u.name} <progress max="100" .value=${u.percent ?? 0} aria-label=${s.uploading(u.percent)}></progress>
                    <span class="muted">${s.uploading(u.percent)}</span>
                  </div>`,
            )}
          </div>`
          : nothing
      }
      ${this.#error ? html`<div class="uploads error" role="alert">${this.#error}</div>` : nothing} ${context}
      <div class="field">
        ${
          this.editing
            ? nothing
            : html`<button class="icon-button" aria-label=${s.attachFile} title=${s.attachFile} @click=${this.#pickFiles}>
              <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M21 11.5 12.5 20a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3L15 7.5" /></svg>
            </button>`
        }
        <input type="file" multiple hidden @change=${this.#onFiles} />
        <textarea
          rows="1"
          aria-label=${s.messageField}
          placeholder=${opts.placeholder ?? s.messagePlaceholder}
          spellcheck=${opts.spellcheck ? "true" : "false"}
          @input=${this.#onInput}
          @keydown=${this.#onKeydown}
          @paste=${this.#onPaste}
        ></textarea>
        <button class="icon-button send" aria-label=${this.editing ? s.save : s.send} title=${this.editing ? s.save : s.send} @click=${() => void this.submit()}>
          <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 12 20 4l-6 16-3-7z" /></svg>
        </button>
      </div>
    `;
  }
}
