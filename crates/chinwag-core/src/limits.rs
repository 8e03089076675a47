//! Every size and count a client controls. `docs/limits.md` lists the same
//! numbers for integrators; keep both in step.

/// Longest user, conversation, app or message id, in bytes.
pub const MAX_ID_BYTES: usize = 255;
/// Longest user name, conversation subject, role, locale, URL, in bytes.
pub const MAX_SHORT_TEXT_BYTES: usize = 1_024;
/// Longest message text (markup), welcome message, availability text, in bytes.
pub const MAX_TEXT_BYTES: usize = 20_000;
/// Most keys in one `custom` map.
pub const MAX_CUSTOM_KEYS: usize = 100;
/// Longest `custom` key, in bytes.
pub const MAX_CUSTOM_KEY_BYTES: usize = 255;
/// Longest `custom` value, in bytes.
pub const MAX_CUSTOM_VALUE_BYTES: usize = 16_384;
/// Most entries in a user's `email` or `phone` list.
pub const MAX_CONTACTS: usize = 20;
/// Most push tokens touched by one user update.
pub const MAX_PUSH_TOKENS: usize = 50;
/// Most conversation welcome messages.
pub const MAX_WELCOME_MESSAGES: usize = 20;
/// Most messages in one send or import request.
pub const MAX_MESSAGES_PER_REQUEST: usize = 10;
/// Most users in one realtime `GET /users` lookup.
pub const MAX_USERS_PER_LOOKUP: usize = 1_000;
/// Most users in one batch upsert.
pub const MAX_USERS_PER_BATCH: usize = 100;
/// Most participants named in one conversation upsert.
pub const MAX_PARTICIPANTS_PER_REQUEST: usize = 100;
/// Most operations in one `POST /batch`.
pub const MAX_BATCH_OPERATIONS: usize = 10;
/// Most distinct emoji reactions on one message.
pub const MAX_DISTINCT_REACTIONS: usize = 50;
/// Longest reaction emoji (a custom `:name:` included), in characters.
pub const MAX_EMOJI_CHARS: usize = 50;
/// Largest JSON request body, in bytes.
pub const MAX_JSON_BODY_BYTES: usize = 1_048_576;
/// Largest uploaded file, in bytes.
pub const MAX_FILE_BYTES: u64 = 25 * 1_048_576;
/// Longest uploaded file name, in bytes.
pub const MAX_FILENAME_BYTES: usize = 255;
/// Page size bounds for every list endpoint.
pub const MAX_PAGE_LIMIT: usize = 100;
pub const DEFAULT_PAGE_LIMIT: usize = 10;
/// Longest idempotency key, in bytes.
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 255;
/// Most messages translated in one request.
pub const MAX_TRANSLATIONS_PER_REQUEST: usize = 100;
/// The largest integer JavaScript represents exactly (`Number.MAX_SAFE_INTEGER`):
/// no stored number may exceed it, or clients would read it wrong.
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;
/// How far ahead of the server's clock an imported message's timestamp may be, in ms.
pub const MAX_IMPORT_FUTURE_MS: i64 = 60_000;
/// Most subscriptions one websocket may hold.
pub const MAX_SUBSCRIPTIONS_PER_SOCKET: usize = 10_000;
