// @chinwag/core: the Data API of TalkJS's @talkjs/core, written for Chinwag.
// Chinwag is independent of TalkJS; this package implements the public API
// that TalkJS documents, for interoperability.

export { ApiError } from "./errors.js";
/** Chinwag extensions: the markup parser the server uses, and its inverse (for editing a message's text). */
export { type ParseOptions, parse as parseMarkup, toMarkup } from "./markup/index.js";
export { type HasId, oneOnOneId } from "./oneOnOneId.js";
export { registerPolyfills } from "./polyfills.js";
export type { ReactionsRef as ReactionRef } from "./refs.js";
export { ConversationRef, MessageRef, ParticipantRef, ReactionsRef, UserRef } from "./refs.js";
export { getTalkSession, TalkSession } from "./session.js";
export type * from "./types.js";
