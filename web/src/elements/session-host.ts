// How a public element (<chinwag-chatbox>, <chinwag-inbox>, <chinwag-popup>)
// gets its session: handed one (a ChatContext from an enclosing UI, or a
// @chinwag/core TalkSession from the app), or, with no script at all, built
// from its attributes: `app-id`, `user-id`, and `token` (or `host`).

import { getTalkSession, type TalkSession } from "@chinwag/core";
import type { ReactiveController, ReactiveControllerHost } from "lit";

import { ChatContext } from "./context.js";

function isSession(v: unknown): v is TalkSession {
  return typeof v === "object" && v !== null && "currentUser" in v && "conversation" in v;
}

export class SessionHost implements ReactiveController {
  #host: ReactiveControllerHost & HTMLElement;
  #given: unknown = null;
  #ctx: ChatContext | null = null;
  #fromAttributes = false;

  constructor(host: ReactiveControllerHost & HTMLElement) {
    this.#host = host;
    host.addController(this);
  }

  get session(): unknown {
    return this.#given;
  }

  set session(value: unknown) {
    if (value === this.#given) return;
    this.#given = value;
    this.#fromAttributes = false;
    this.#ctx = this.#wrap(value);
    this.#host.requestUpdate();
  }

  get ctx(): ChatContext | null {
    return this.#ctx;
  }

  #wrap(value: unknown): ChatContext | null {
    if (value instanceof ChatContext) return value;
    if (isSession(value)) {
      const theme = this.#host.getAttribute("theme");
      return new ChatContext(value, {
        locale: this.#host.getAttribute("locale"),
        options: theme === "dark" || theme === "auto" ? { theme } : {},
      });
    }
    return null;
  }

  hostConnected(): void {
    if (this.#ctx) return;
    const h = this.#host;
    const appId = h.getAttribute("app-id");
    const userId = h.getAttribute("user-id");
    if (!appId || !userId) return;
    const host = h.getAttribute("host") ?? undefined;
    const session = getTalkSession({ appId, userId, ...(host ? { host } : {}) });
    const token = h.getAttribute("token");
    if (token) session.setToken(token);
    this.#given = session;
    this.#fromAttributes = true;
    this.#ctx = this.#wrap(session);
    this.#host.requestUpdate();
  }

  hostUpdated(): void {
    // The text direction the app asked for (the `dir` option) goes on the
    // public element, so its whole shadow tree (logical CSS properties
    // throughout) follows it; "auto" leaves the page's direction.
    const dir = this.#ctx?.options.dir;
    if (dir && dir !== "auto" && this.#host.getAttribute("dir") !== dir) this.#host.setAttribute("dir", dir);
  }

  hostDisconnected(): void {
    // A session built from attributes belongs to the element; an app's own
    // session is the app's to end.
    if (this.#fromAttributes && !this.#host.isConnected) {
      queueMicrotask(() => {
        if (this.#host.isConnected || !this.#fromAttributes) return;
        this.#ctx = null;
        this.#given = null;
        this.#fromAttributes = false;
      });
    }
  }
}
