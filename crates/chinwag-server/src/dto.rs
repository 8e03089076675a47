//! REST wire types: what the API accepts and returns, with their OpenAPI
//! schemas, and the conversions to and from the domain.

use std::collections::BTreeMap;

use chinwag_core::content::{ContentBlock, markup};
use chinwag_core::links::FileLinks;
use chinwag_core::model::*;
use chinwag_core::service::{SendMessage, SendPayload};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A `custom` map as clients send it: an object, where an empty array (what
/// PHP's `json_encode` makes of an empty map) means `{}`.
struct LenientMap<V>(BTreeMap<String, V>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for LenientMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, IgnoredAny, MapAccess, SeqAccess, Unexpected, Visitor, value::MapAccessDeserializer};
        struct Visit<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Visit<V> {
            type Value = BTreeMap<String, V>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of string values")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                BTreeMap::deserialize(MapAccessDeserializer::new(map))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                match seq.next_element::<IgnoredAny>()? {
                    None => Ok(BTreeMap::new()),
                    Some(_) => Err(A::Error::invalid_type(Unexpected::Seq, &self)),
                }
            }
        }
        d.deserialize_any(Visit(std::marker::PhantomData)).map(LenientMap)
    }
}

/// A whole `custom` map (`[]` is `{}`); use with `#[serde(default)]`.
pub fn custom_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    LenientMap::deserialize(d).map(|m| m.0)
}

/// An optional whole `custom` map (`[]` is `{}`); use with `#[serde(default)]`.
pub fn optional_custom_map<'de, D: Deserializer<'de>>(d: D) -> Result<Option<BTreeMap<String, String>>, D::Error> {
    Option::<LenientMap<String>>::deserialize(d).map(|m| m.map(|m| m.0))
}

/// A `custom` patch as parsed: absent, `null` (clear all), or a map whose
/// `null` values remove keys.
pub type CustomPatchField = Option<Option<BTreeMap<String, Option<String>>>>;

/// A `custom` patch (`[]` is `{}`); use with `#[serde(default)]`.
pub fn custom_patch_map<'de, D: Deserializer<'de>>(d: D) -> Result<CustomPatchField, D::Error> {
    Option::<LenientMap<Option<String>>>::deserialize(d).map(|m| Some(m.map(|m| m.0)))
}

fn patch<T>(field: Option<Option<T>>) -> Patch<T> {
    match field {
        None => Patch::Keep,
        Some(None) => Patch::Clear,
        Some(Some(v)) => Patch::Set(v),
    }
}

pub fn custom_patch(field: Option<Option<BTreeMap<String, Option<String>>>>) -> CustomPatch {
    match field {
        None => CustomPatch::Keep,
        Some(None) => CustomPatch::Clear,
        Some(Some(m)) => CustomPatch::Merge(m),
    }
}

/// One string or a list of strings.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

// ---------------------------------------------------------------- users

/// Create or update a user. Only the fields present change; `null` clears a field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserBody {
    /// Required when the user is created; cannot be null.
    #[serde(default, deserialize_with = "nullable")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub email: Option<Option<OneOrMany>>,
    #[serde(default, deserialize_with = "nullable")]
    pub phone: Option<Option<OneOrMany>>,
    #[serde(default, deserialize_with = "nullable")]
    pub photo_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub header_photo_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub welcome_message: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub availability_text: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub locale: Option<Option<String>>,
    /// `null` resets the role to `default`. `configuration` is its deprecated name.
    #[serde(default, deserialize_with = "nullable", alias = "configuration")]
    pub role: Option<Option<String>>,
    /// String values only. A key set to `null` is removed; `custom: null` removes all.
    #[serde(default, deserialize_with = "custom_patch_map")]
    pub custom: Option<Option<BTreeMap<String, Option<String>>>>,
    /// `{"fcm:<id>": true}` registers a device, `null` unregisters it; `pushTokens: null` removes all.
    #[serde(default, deserialize_with = "nullable")]
    pub push_tokens: Option<Option<BTreeMap<String, Option<bool>>>>,
}

impl From<UserBody> for UserPatch {
    fn from(b: UserBody) -> Self {
        UserPatch {
            name: patch(b.name),
            email: patch(b.email.map(|o| o.map(OneOrMany::into_vec))),
            phone: patch(b.phone.map(|o| o.map(OneOrMany::into_vec))),
            photo_url: patch(b.photo_url),
            header_photo_url: patch(b.header_photo_url),
            welcome_message: patch(b.welcome_message),
            availability_text: patch(b.availability_text),
            locale: patch(b.locale),
            role: patch(b.role),
            custom: custom_patch(b.custom),
            push_tokens: b.push_tokens,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserDto {
    pub id: String,
    pub name: String,
    pub email: Option<Vec<String>>,
    pub phone: Option<Vec<String>>,
    pub photo_url: Option<String>,
    pub header_photo_url: Option<String>,
    pub welcome_message: Option<String>,
    pub availability_text: Option<String>,
    pub locale: Option<String>,
    pub role: String,
    pub custom: BTreeMap<String, String>,
    pub push_tokens: BTreeMap<String, bool>,
    pub created_at: i64,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        UserDto {
            id: u.id,
            name: u.name,
            email: u.email,
            phone: u.phone,
            photo_url: u.photo_url,
            header_photo_url: u.header_photo_url,
            welcome_message: u.welcome_message,
            availability_text: u.availability_text,
            locale: u.locale,
            role: u.role,
            custom: u.custom,
            push_tokens: u.push_tokens,
            created_at: u.created_at,
        }
    }
}

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListDto<T> {
    pub data: Vec<T>,
}

/// The empty success body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Empty {}

/// Paging parameters shared by every list. Unknown parameters are refused
/// by name rather than ignored.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 to 100; default 10.
    pub limit: Option<usize>,
    /// The id of the last item of the previous page.
    pub starting_after: Option<String>,
}

impl PageQuery {
    pub fn page(self) -> Result<Page, chinwag_core::CoreError> {
        Page::new(self.limit, self.starting_after)
    }
}

// ---------------------------------------------------------------- conversations

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConversationBody {
    /// Users to add. Users not listed are never removed.
    pub participants: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub subject: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub photo_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub welcome_messages: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "custom_patch_map")]
    pub custom: Option<Option<BTreeMap<String, Option<String>>>>,
}

impl ConversationBody {
    pub fn into_parts(self) -> (ConversationPatch, Vec<String>) {
        let patch = ConversationPatch {
            subject: patch(self.subject),
            photo_url: patch(self.photo_url),
            welcome_messages: patch(self.welcome_messages),
            custom: custom_patch(self.custom),
        };
        (patch, self.participants.unwrap_or_default())
    }
}

/// `true`, `false` or `"MentionsOnly"`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum NotifyDto {
    Flag(bool),
    Mode(MentionsOnly),
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum MentionsOnly {
    MentionsOnly,
}

impl From<NotifyDto> for Notify {
    fn from(n: NotifyDto) -> Self {
        match n {
            NotifyDto::Flag(true) => Notify::All,
            NotifyDto::Flag(false) => Notify::Off,
            NotifyDto::Mode(MentionsOnly::MentionsOnly) => Notify::MentionsOnly,
        }
    }
}

impl From<Notify> for NotifyDto {
    fn from(n: Notify) -> Self {
        match n {
            Notify::All => NotifyDto::Flag(true),
            Notify::Off => NotifyDto::Flag(false),
            Notify::MentionsOnly => NotifyDto::Mode(MentionsOnly::MentionsOnly),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum AccessDto {
    ReadWrite,
    Read,
}

impl From<AccessDto> for Access {
    fn from(a: AccessDto) -> Self {
        match a {
            AccessDto::ReadWrite => Access::ReadWrite,
            AccessDto::Read => Access::Read,
        }
    }
}

impl From<Access> for AccessDto {
    fn from(a: Access) -> Self {
        match a {
            Access::ReadWrite => AccessDto::ReadWrite,
            Access::Read => AccessDto::Read,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantBody {
    pub access: Option<AccessDto>,
    pub notify: Option<NotifyDto>,
}

impl From<ParticipantBody> for ParticipantSettings {
    fn from(b: ParticipantBody) -> Self {
        ParticipantSettings { access: b.access.map(Into::into), notify: b.notify.map(Into::into) }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantDto {
    pub access: AccessDto,
    pub notify: NotifyDto,
    pub is_unread: bool,
    pub unread_message_count: u64,
    pub joined_at: i64,
    pub read_until: Option<i64>,
}

impl From<&ParticipantState> for ParticipantDto {
    fn from(s: &ParticipantState) -> Self {
        ParticipantDto {
            access: s.participant.access.into(),
            notify: s.participant.notify.into(),
            is_unread: s.is_unread(),
            unread_message_count: s.unread_message_count,
            joined_at: s.participant.joined_at,
            read_until: s.participant.read_until,
        }
    }
}

/// The settings of one participant, as PUT/PATCH answer them.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParticipationDto {
    pub user_id: String,
    pub access: AccessDto,
    pub notify: NotifyDto,
    pub joined_at: i64,
}

impl From<Participant> for ParticipationDto {
    fn from(p: Participant) -> Self {
        ParticipationDto {
            user_id: p.user_id,
            access: p.access.into(),
            notify: p.notify.into(),
            joined_at: p.joined_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConversationDto {
    pub id: String,
    pub subject: Option<String>,
    pub topic_id: Option<String>,
    pub photo_url: Option<String>,
    pub welcome_messages: Option<Vec<String>>,
    pub custom: BTreeMap<String, String>,
    pub last_message: Option<MessageDto>,
    pub last_message_at: Option<i64>,
    pub participants: BTreeMap<String, ParticipantDto>,
    pub created_at: i64,
}

/// A conversation in a user's list, with that user's own state.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserConversationDto {
    #[serde(flatten)]
    pub conversation: ConversationDto,
    pub is_unread: bool,
    pub unread_message_count: u64,
    pub read_until: Option<i64>,
    pub access: AccessDto,
    pub notify: NotifyDto,
    pub joined_at: i64,
    pub last_activity_at: i64,
}

// ---------------------------------------------------------------- messages

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum MessageTypeDto {
    UserMessage,
    SystemMessage,
}

/// One message to send (or import).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageBody {
    #[serde(rename = "type")]
    pub kind: MessageTypeDto,
    /// Required for a `UserMessage`; absent for a `SystemMessage`.
    pub sender: Option<String>,
    /// Markup text. Give exactly one of text, content, attachmentToken and location.
    pub text: Option<String>,
    /// Structured content blocks.
    #[schema(value_type = Option<Vec<Object>>)]
    pub content: Option<Vec<ContentBlock>>,
    /// A token from `POST /files`.
    pub attachment_token: Option<String>,
    /// `[latitude, longitude]`.
    pub location: Option<[f64; 2]>,
    pub referenced_message_id: Option<String>,
    #[serde(default, deserialize_with = "optional_custom_map")]
    pub custom: Option<BTreeMap<String, String>>,
    /// Repeating a send with the same key (per conversation and sender) creates no duplicate.
    pub idempotency_key: Option<String>,
    /// Import only: the original creation time, in ms.
    pub timestamp: Option<i64>,
    /// Import only: users who had read the message.
    pub read_by: Option<Vec<String>>,
}

impl MessageBody {
    pub fn into_send(self, index: usize) -> Result<SendMessage, chinwag_core::CoreError> {
        let given =
            [self.text.is_some(), self.content.is_some(), self.attachment_token.is_some(), self.location.is_some()];
        let payload = match (self.text, self.content, self.attachment_token, self.location) {
            (Some(t), None, None, None) => SendPayload::Text(t),
            (None, Some(c), None, None) => SendPayload::Content(c),
            (None, None, Some(a), None) => SendPayload::Attachment(a),
            (None, None, None, Some([lat, lon])) => SendPayload::Location(lat, lon),
            _ => {
                let why = if given.iter().any(|g| *g) { "more than one of" } else { "none of" };
                return Err(chinwag_core::CoreError::invalid(format!(
                    "message {index}: {why} text, content, attachmentToken and location was given; give exactly one."
                )));
            }
        };
        Ok(SendMessage {
            kind: match self.kind {
                MessageTypeDto::UserMessage => MessageType::UserMessage,
                MessageTypeDto::SystemMessage => MessageType::SystemMessage,
            },
            sender_id: self.sender,
            payload,
            custom: self.custom.unwrap_or_default(),
            referenced_message_id: self.referenced_message_id,
            idempotency_key: self.idempotency_key,
            timestamp: self.timestamp,
            read_by: self.read_by.unwrap_or_default(),
        })
    }
}

/// An edit: text (markup) or content, and/or a custom patch.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageEditBody {
    pub text: Option<String>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub content: Option<Vec<ContentBlock>>,
    #[serde(default, deserialize_with = "custom_patch_map")]
    pub custom: Option<Option<BTreeMap<String, Option<String>>>>,
}

impl MessageEditBody {
    pub fn custom(&mut self) -> CustomPatch {
        custom_patch(self.custom.take())
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentDto {
    pub url: String,
    pub size: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReactionDto {
    pub emoji: String,
    pub count: usize,
    pub users: Vec<String>,
    pub created_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageDto {
    pub id: String,
    pub conversation_id: String,
    #[serde(rename = "type")]
    pub kind: MessageTypeDto,
    pub sender_id: Option<String>,
    /// The legacy markup form of the content.
    pub text: String,
    #[schema(value_type = Vec<Object>)]
    pub content: Vec<ContentBlock>,
    pub plaintext: String,
    pub read_by: Vec<String>,
    pub attachment: Option<AttachmentDto>,
    pub location: Option<[f64; 2]>,
    pub origin: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub referenced_message_id: Option<String>,
    pub custom: BTreeMap<String, String>,
    pub reactions: Vec<ReactionDto>,
}

/// How to render file URLs for the caller.
#[derive(Debug, Clone)]
pub struct Renderer<'a> {
    pub links: &'a FileLinks,
    pub app: &'a App,
    /// "" for the app itself; a user id for user-scoped links.
    pub viewer: &'a str,
    pub now: i64,
}

impl Renderer<'_> {
    pub fn file_url(&self, token: &str, filename: &str) -> String {
        self.links.url(&self.app.id, token, filename, self.viewer, self.now)
    }

    pub fn message(&self, mut m: Message) -> MessageDto {
        let mut attachment = None;
        let mut location = None;
        for block in &mut m.content {
            match block {
                ContentBlock::File(f) => {
                    f.url = self.file_url(&f.file_token, &f.filename);
                    attachment.get_or_insert(AttachmentDto { url: f.url.clone(), size: f.size });
                }
                ContentBlock::Location { latitude, longitude } => {
                    location.get_or_insert([*latitude, *longitude]);
                }
                ContentBlock::Text { .. } => {}
            }
        }
        let text = m
            .content
            .iter()
            .filter_map(|b| match b {
                ContentBlock::Text { children } => Some(markup::to_markup(children)),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n\n");
        MessageDto {
            plaintext: markup::plaintext(&m.content),
            id: m.id,
            conversation_id: m.conversation_id,
            kind: match m.kind {
                MessageType::UserMessage => MessageTypeDto::UserMessage,
                MessageType::SystemMessage => MessageTypeDto::SystemMessage,
            },
            sender_id: m.sender_id,
            text,
            content: m.content,
            read_by: m.read_by,
            attachment,
            location,
            origin: m.origin.as_str().to_owned(),
            created_at: m.created_at,
            edited_at: m.edited_at,
            referenced_message_id: m.referenced_message_id,
            custom: m.custom,
            reactions: m
                .reactions
                .into_iter()
                .map(|r| ReactionDto {
                    emoji: r.emoji,
                    count: r.users.len(),
                    users: r.users.into_iter().map(|(u, _)| u).collect(),
                    created_at: r.created_at,
                })
                .collect(),
        }
    }

    pub fn conversation(&self, v: ConversationView) -> ConversationDto {
        ConversationDto {
            id: v.conversation.id,
            subject: v.conversation.subject,
            topic_id: None,
            photo_url: v.conversation.photo_url,
            welcome_messages: v.conversation.welcome_messages,
            custom: v.conversation.custom,
            last_message: v.last_message.map(|m| self.message(m)),
            last_message_at: v.conversation.last_message_at,
            participants: v
                .participants
                .iter()
                .map(|p| (p.participant.user_id.clone(), ParticipantDto::from(p)))
                .collect(),
            created_at: v.conversation.created_at,
        }
    }

    pub fn user_conversation(&self, uc: UserConversation) -> UserConversationDto {
        let last_activity_at = uc.last_activity_at();
        let me = uc.me;
        UserConversationDto {
            is_unread: me.is_unread(),
            unread_message_count: me.unread_message_count,
            read_until: me.participant.read_until,
            access: me.participant.access.into(),
            notify: me.participant.notify.into(),
            joined_at: me.participant.joined_at,
            last_activity_at,
            conversation: self.conversation(uc.view),
        }
    }
}

/// The answer to an upload.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadDto {
    /// For the REST message field `attachmentToken`.
    pub attachment_token: String,
    /// The same token, as `@talkjs/core` reads it.
    pub file_token: String,
    pub filename: String,
    pub size: u64,
}

/// A free-form JSON value (used by batch).
pub type Json = Value;

crate::json_objects!(UserBody, ConversationBody, ParticipantBody, MessageEditBody, PresenceBody);

// ---------------------------------------------------------------- presence

/// One connected session, in the legacy `GET /users/{id}/sessions` form.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionDto {
    pub is_typing: bool,
    pub current_conversation_id: Option<String>,
}

impl From<&chinwag_core::realtime::SessionInfo> for SessionDto {
    fn from(s: &chinwag_core::realtime::SessionInfo) -> Self {
        SessionDto { is_typing: s.typing, current_conversation_id: s.conversation.clone() }
    }
}

/// Which online users to list; every field optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PresenceBody {
    /// Also list users whose only sessions show no chat (default false).
    #[serde(default)]
    pub include_background_sessions: bool,
    /// Only users with a chat showing this conversation; `null`: showing none.
    #[serde(default, deserialize_with = "nullable")]
    pub selected_conversation_id: Option<Option<String>>,
    pub has_focus: Option<bool>,
    pub is_typing: Option<bool>,
    /// Only these users (at most 1,000).
    pub user_ids: Option<Vec<String>>,
}

impl From<PresenceBody> for chinwag_core::service::PresenceQuery {
    fn from(b: PresenceBody) -> Self {
        chinwag_core::service::PresenceQuery {
            include_background_sessions: b.include_background_sessions,
            selected_conversation_id: b.selected_conversation_id,
            has_focus: b.has_focus,
            is_typing: b.is_typing,
            user_ids: b.user_ids,
        }
    }
}

/// A session showing a chat.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WidgetDto {
    pub session_id: String,
    pub selected_conversation_id: Option<String>,
    pub has_focus: bool,
    pub is_typing: bool,
    /// Presence data set by the client (none over the realtime protocol).
    pub custom: BTreeMap<String, String>,
}

/// A session showing no chat.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackgroundSessionDto {
    pub session_id: String,
}

/// One online user's sessions.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PresenceDto {
    /// Always `"online"`: offline users are not listed.
    pub status: String,
    pub widgets: Vec<WidgetDto>,
    pub background_sessions: Vec<BackgroundSessionDto>,
}

impl From<chinwag_core::service::UserPresence> for PresenceDto {
    fn from(p: chinwag_core::service::UserPresence) -> Self {
        PresenceDto {
            status: "online".to_owned(),
            widgets: p
                .widgets
                .iter()
                .map(|w| WidgetDto {
                    session_id: w.id.to_string(),
                    selected_conversation_id: w.conversation.clone(),
                    has_focus: chinwag_core::service::has_focus(w),
                    is_typing: w.typing,
                    custom: BTreeMap::new(),
                })
                .collect(),
            background_sessions: p
                .background_sessions
                .iter()
                .map(|b| BackgroundSessionDto { session_id: b.id.to_string() })
                .collect(),
        }
    }
}

/// The answer of `POST /presences`: online users by id.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresencesDto {
    pub data: BTreeMap<String, PresenceDto>,
}
