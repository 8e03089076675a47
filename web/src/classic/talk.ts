// The `Talk` object: the classic API as one value. Shared by the `talk.js`
// script (loader.ts) and the module build (`import Talk from "@chinwag/ui/talk"`).

import { ChatboxUI, ConversationBuilder, InboxUI, oneOnOneId, PopupUI, Session, TalkError, User } from "./api.js";

export const api = {
  User,
  Session,
  ConversationBuilder,
  Chatbox: ChatboxUI,
  Inbox: InboxUI,
  Popup: PopupUI,
  Error: TalkError,
  oneOnOneId,
  version: "chinwag-0.1.0",
};

export type TalkApi = typeof api & { ready: Promise<void>; v?: number };
