// Registers the custom elements once. A page may load the bundle twice (say,
// /talk.js and an app bundle with @chinwag/ui): the first definition wins, and
// a different version is reported instead of throwing.

import { Chatbox } from "./chatbox.js";
import { Composer } from "./composer.js";
import { ConversationItem, ConversationList } from "./conversation-list.js";
import { ChatHeader, TypingLine } from "./header.js";
import { Inbox } from "./inbox.js";
import { MessageList } from "./message-list.js";
import { Popup } from "./popup.js";

export const VERSION = "0.1.0";

const ELEMENTS: [string, CustomElementConstructor][] = [
  ["cw-message-list", MessageList],
  ["cw-composer", Composer],
  ["cw-chat-header", ChatHeader],
  ["cw-typing", TypingLine],
  ["cw-conversation-item", ConversationItem],
  ["cw-conversation-list", ConversationList],
  ["chinwag-chatbox", Chatbox],
  ["chinwag-inbox", Inbox],
  ["chinwag-popup", Popup],
];

export function defineElements(): void {
  if (typeof customElements === "undefined") return;
  for (const [name, ctor] of ELEMENTS) {
    const existing = customElements.get(name) as (CustomElementConstructor & { chinwagVersion?: string }) | undefined;
    if (existing) {
      if (existing.chinwagVersion !== VERSION) {
        console.warn(
          `chinwag: <${name}> is already defined (version ${existing.chinwagVersion ?? "unknown"}); keeping it`,
        );
      }
      continue;
    }
    Object.defineProperty(ctor, "chinwagVersion", { value: VERSION });
    customElements.define(name, ctor);
  }
}
