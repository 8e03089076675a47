// What every part of a chat UI shares: the session it talks through, the
// locale, and the options of the UI it belongs to. One object, handed down as
// a property, so that nested elements need no globals.

import type { TalkSession } from "@chinwag/core";

import { Locale } from "../i18n/index.js";

export interface MessageFieldOptions {
  /** Enter sends (Shift+Enter adds a line); when false, Enter adds a line and the button sends. Default true. */
  enterSendsMessage: boolean;
  placeholder: string | null;
  visible: boolean;
  spellcheck: boolean;
  /** Focus the field when a conversation opens (not on phones, where a keyboard would pop up). Default "smart". */
  autofocus: "smart" | false;
}

export interface UiOptions {
  showChatHeader: boolean;
  messageField: MessageFieldOptions;
  /** Show the other users' online status. Default true. */
  presence: boolean;
  theme: "light" | "dark" | "auto";
  /** `ltr`, `rtl` or `auto` (from the locale). */
  dir: "ltr" | "rtl" | "auto";
}

export const defaultOptions: UiOptions = {
  showChatHeader: true,
  messageField: { enterSendsMessage: true, placeholder: null, visible: true, spellcheck: true, autofocus: "smart" },
  presence: true,
  theme: "light",
  dir: "auto",
};

/** What the app may do just before a message is sent: change its text or custom data, or cancel it. */
export interface SendOverride {
  text?: string;
  custom?: Record<string, string>;
  cancel?: boolean;
}

export interface SendHookEvent {
  conversationId: string;
  text: string;
  referencedMessageId: string | null;
}

export type BeforeSend = (event: SendHookEvent) => Promise<SendOverride | undefined> | SendOverride | undefined;

export class ChatContext {
  readonly session: TalkSession;
  readonly locale: Locale;
  readonly options: UiOptions;
  beforeSend: BeforeSend | null = null;

  constructor(session: TalkSession, opts: { locale?: string | null; options?: Partial<UiOptions> } = {}) {
    this.session = session;
    this.locale = new Locale(opts.locale);
    const o = opts.options ?? {};
    this.options = {
      ...defaultOptions,
      ...o,
      messageField: { ...defaultOptions.messageField, ...(o.messageField ?? {}) },
    };
  }

  get me(): string {
    return this.session.currentUser.id;
  }
}
