// @chinwag/core: the Data API of TalkJS's @talkjs/core, written for Chinwag.
// Chinwag is independent of TalkJS; this package implements the public API
// that TalkJS documents, for interoperability.

export { ApiError } from "./errors.js";
export { type HasId, oneOnOneId } from "./oneOnOneId.js";
export { registerPolyfills } from "./polyfills.js";
export type { ReactionsRef as ReactionRef } from "./refs.js";
export { ConversationRef, MessageRef, ParticipantRef, ReactionsRef, UserRef } from "./refs.js";
export { getTalkSession, TalkSession } from "./session.js";
export type * from "./types.js";
