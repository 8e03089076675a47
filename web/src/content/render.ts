// Message content blocks to DOM, through lit templates: every piece of user
// data lands in a text node or an attribute, never in innerHTML. Links are
// rendered only for schemes that cannot run script.

import type { ContentBlock, FileBlock, TextNode } from "@chinwag/core";
import { html, nothing, type TemplateResult } from "lit";

import type { Locale } from "../i18n/index.js";

const SAFE_SCHEMES = new Set(["http:", "https:", "mailto:", "tel:"]);

/** The URL when it is absolute with a harmless scheme (or relative to the page), else null. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const base = typeof location !== "undefined" ? location.href : "http://localhost/";
    const parsed = new URL(url, base);
    return SAFE_SCHEMES.has(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

function link(url: string, body: unknown): TemplateResult {
  const href = safeUrl(url);
  if (!href) return html`<span>${body}</span>`;
  return html`<a href=${href} target="_blank" rel="noopener noreferrer nofollow ugc">${body}</a>`;
}

function nodes(children: readonly TextNode[]): unknown[] {
  return children.map(node);
}

function node(n: TextNode): unknown {
  if (typeof n === "string") return n;
  switch (n.type) {
    case "bold":
      return html`<strong>${nodes(n.children)}</strong>`;
    case "italic":
      return html`<em>${nodes(n.children)}</em>`;
    case "strikethrough":
      return html`<s>${nodes(n.children)}</s>`;
    case "codeSpan":
      return html`<code>${n.text}</code>`;
    case "link":
      return link(n.url, nodes(n.children));
    case "autoLink":
      return link(n.url, n.text);
    case "mention":
      return html`<span class="mention" data-user-id=${n.id}>${n.text}</span>`;
    case "bulletList":
      return html`<ul>${nodes(n.children)}</ul>`;
    case "bulletPoint":
      return html`<li>${nodes(n.children)}</li>`;
    case "actionButton":
      // Actions need the app's handler (onCustomMessageAction); without one
      // they are shown as what they say, and do nothing.
      return html`<span class="action action-button" data-action=${n.action}>${nodes(n.children)}</span>`;
    case "actionLink":
      return html`<span class="action action-link" data-action=${n.action}>${nodes(n.children)}</span>`;
    case "customEmoji":
      return n.text;
    default:
      return nothing;
  }
}

function file(b: FileBlock, locale: Locale): TemplateResult {
  const url = safeUrl(b.url);
  if (!url) return html`<span class="file-card">${b.filename}</span>`;
  const size = locale.bytes(b.size);
  switch (b.subtype) {
    case "image": {
      const w = b.width ?? 0;
      const h = b.height ?? 0;
      // The intrinsic size reserves the image's box before it loads, so the
      // message list does not jump when it arrives.
      const ratio = w > 0 && h > 0 ? `aspect-ratio: ${w} / ${h};` : "";
      return html`<a class="media" href=${url} target="_blank" rel="noopener noreferrer"
        ><img src=${url} alt=${b.filename} loading="lazy" decoding="async" style=${ratio}
      /></a>`;
    }
    case "video":
      return html`<video class="media" src=${url} controls preload="metadata" aria-label=${b.filename}></video>`;
    case "audio":
      return html`<audio src=${url} controls preload="metadata" aria-label=${b.filename}></audio>`;
    case "voice":
      return html`<span class="voice"
        ><span class="muted">${locale.strings.voiceMessage}</span
        ><audio src=${url} controls preload="metadata" aria-label=${locale.strings.voiceMessage}></audio
      ></span>`;
    default:
      return html`<a class="file-card" href=${url} download=${b.filename} aria-label=${locale.strings.download(b.filename, size)}>
        <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M14 3H6v18h12V7z" /><path d="M14 3v4h4" /></svg>
        <span class="file-name">${b.filename}</span><span class="muted file-size">${size}</span>
      </a>`;
  }
}

/** An OpenStreetMap link for a shared location. */
export function mapUrl(latitude: number, longitude: number): string {
  const lat = latitude.toFixed(6);
  const lon = longitude.toFixed(6);
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`;
}

/** A message's content as DOM. */
export function renderContent(content: readonly ContentBlock[], locale: Locale): unknown[] {
  return content.map((b) => {
    switch (b.type) {
      case "text":
        return html`<div class="text">${nodes(b.children)}</div>`;
      case "file":
        return file(b, locale);
      case "location":
        return html`<a class="location" href=${mapUrl(b.latitude, b.longitude)} target="_blank" rel="noopener noreferrer">
          <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 21s-7-6.2-7-11a7 7 0 0 1 14 0c0 4.8-7 11-7 11z" /><circle cx="12" cy="10" r="2.5" /></svg>
          ${locale.strings.location} (${b.latitude.toFixed(5)}, ${b.longitude.toFixed(5)})
        </a>`;
      default:
        return nothing;
    }
  });
}

/** Initials for an avatar without a photo: "Ada Lovelace" gives "AL". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/u).filter(Boolean);
  const first = words[0] ? [...words[0]][0] : "";
  const last = words.length > 1 ? [...(words[words.length - 1] ?? "")][0] : "";
  return `${first ?? ""}${last ?? ""}`.toUpperCase() || "?";
}

/** A round photo, or initials when there is none (or it fails to load). */
export function avatar(
  name: string,
  photoUrl: string | null,
  opts: { size?: number; online?: boolean; onlineLabel?: string } = {},
): TemplateResult {
  const src = safeUrl(photoUrl);
  const size = `--size: ${opts.size ?? 40}px`;
  return html`<span class="avatar" style=${size} aria-hidden="true"
    >${
      src
        ? html`<img
          src=${src}
          alt=""
          loading="lazy"
          @error=${(e: Event) => {
            const img = e.target as HTMLImageElement;
            img.replaceWith(document.createTextNode(initials(name)));
          }}
        />`
        : initials(name)
    }${opts.online ? html`<span class="dot"></span>` : nothing}</span
  >`;
}
