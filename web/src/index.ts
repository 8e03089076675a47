// @chinwag/ui: Chinwag's chat UI as custom elements on @chinwag/core.
// Importing it defines the elements (once, whoever imports it first):
//
//   import "@chinwag/ui";
//   const inbox = document.createElement("chinwag-inbox");
//   inbox.session = getTalkSession({ appId, userId, host });
//   document.body.append(inbox);

export { Chatbox } from "./elements/chatbox.js";
export { type BeforeSend, ChatContext, type SendOverride, type UiOptions } from "./elements/context.js";
export { defineElements, VERSION } from "./elements/define.js";
export { Inbox } from "./elements/inbox.js";
export { Popup } from "./elements/popup.js";
export { de, en, Locale, type Strings } from "./i18n/index.js";

import { defineElements } from "./elements/define.js";

defineElements();
