//! Frames in, frames out: parses `[seq, method, path, data, headers]`,
//! checks authentication, and maps each call of the protocol's catalogue to
//! one service method. Every failure is answered `[seq, status, {errorCode,
//! reasons}]` with a status the client understands; nothing here panics on
//! bad input.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chinwag_core::content::ContentBlock;
use chinwag_core::filter::{ConversationFilter, FilterSubject};
use chinwag_core::limits::{MAX_SUBSCRIPTIONS_PER_SOCKET, MAX_USERS_PER_LOOKUP};
use chinwag_core::model::{Access, App, Notify, ParticipantSettings, Side, UserPatch};
use chinwag_core::realtime::{SocketId, Topic};
use chinwag_core::service::{ActionMethod, ClientMessage, Paged, ParticipantAction, ReactionTarget, Translation};
use chinwag_core::{CoreError, CoreResult, ErrorCode};
use chinwag_realtime::wire;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::dto::{ConversationBody, UserBody, custom_patch};
use crate::error::status_of;

/// How long an authentication waits for the node to follow the user's conversations.
const READY_WAIT: Duration = Duration::from_secs(10);

pub(super) enum Reply {
    /// An answer; `events_first` when queued events may precede it (writes).
    Frame {
        frame: String,
        events_first: bool,
    },
    /// An answer, after which the socket closes with `code`.
    Close {
        frame: String,
        code: u16,
        reason: &'static str,
    },
    None,
}

/// What the socket knows about its own authentication.
enum Auth {
    None,
    /// Authenticated until this many seconds since the epoch (`None`: no expiry).
    Until(Option<i64>),
}

pub(super) struct Session {
    state: AppState,
    app: Arc<App>,
    me: String,
    socket: SocketId,
    auth: Auth,
    /// Where the socket connected from (failed authentications count against it).
    from: Option<IpAddr>,
}

fn error_body(e: &CoreError) -> Value {
    json!({ "errorCode": e.code.as_str(), "reasons": e.reasons })
}

fn reply(seq: &Value, status: u16, data: &Value) -> String {
    format!("[{seq},{status},{data}]")
}

fn parse<T: DeserializeOwned>(data: Value) -> CoreResult<T> {
    serde_json::from_value(data).map_err(|e| CoreError::invalid(format!("Invalid request data: {e}")))
}

#[derive(Deserialize, Default)]
struct PageArgs {
    limit: Option<usize>,
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct ConversationListArgs {
    limit: Option<usize>,
    cursor: Option<String>,
    filter: Option<Value>,
}

#[derive(Deserialize)]
struct IdsArgs {
    ids: Vec<String>,
}

#[derive(Deserialize)]
struct RenewArgs {
    token: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendArgs {
    content: Vec<ContentBlock>,
    referenced_message_id: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::custom_map")]
    custom: std::collections::BTreeMap<String, String>,
    idempotency_key: Option<String>,
}

#[derive(Deserialize, Default)]
struct EditArgs {
    content: Option<Vec<ContentBlock>>,
    #[serde(default, deserialize_with = "crate::dto::custom_patch_map")]
    custom: Option<Option<std::collections::BTreeMap<String, Option<String>>>>,
}

#[derive(Deserialize)]
struct ValidateArgs {
    filename: String,
    filesize: u64,
}

#[derive(Deserialize)]
struct ActionsArgs {
    actions: Vec<ActionArgs>,
}

#[derive(Deserialize)]
struct ActionArgs {
    id: String,
    method: String,
    #[serde(default)]
    params: Map<String, Value>,
}

/// Reads `access` / `notify` from participant params (`null` means the default).
fn participant_params(params: &Map<String, Value>) -> CoreResult<(ParticipantSettings, bool, bool)> {
    let access = match params.get("access") {
        None => None,
        Some(Value::Null) => Some(Access::ReadWrite),
        Some(Value::String(s)) => Some(
            Access::parse(s)
                .ok_or_else(|| CoreError::invalid(format!("access must be \"ReadWrite\" or \"Read\", got '{s}'.")))?,
        ),
        Some(other) => return Err(CoreError::invalid(format!("access must be a string, got {other}."))),
    };
    let notify = match params.get("notify") {
        None => None,
        Some(Value::Null) | Some(Value::Bool(true)) => Some(Notify::All),
        Some(Value::Bool(false)) => Some(Notify::Off),
        Some(Value::String(s)) if s == "MentionsOnly" => Some(Notify::MentionsOnly),
        Some(other) => {
            return Err(CoreError::invalid(format!("notify must be true, false or \"MentionsOnly\", got {other}.")));
        }
    };
    Ok((ParticipantSettings { access, notify }, params.contains_key("access"), params.contains_key("notify")))
}

/// `{"data": [...], "cursor": …}` with the cursor present even when null.
fn page<T>(paged: Paged<T>, render: impl Fn(&T) -> Value, cursor: impl Fn(&T) -> String) -> Value {
    let next = if paged.more { paged.items.last().map(|i| Value::from(cursor(i))) } else { None };
    json!({ "data": paged.items.iter().map(render).collect::<Vec<_>>(), "cursor": next.unwrap_or(Value::Null) })
}

/// The conversation-list cursor carries the filter: later pages do not resend it.
fn list_cursor(after: &str, filter: &Value) -> String {
    URL_SAFE_NO_PAD.encode(json!({ "after": after, "filter": filter }).to_string())
}

fn read_list_cursor(cursor: &str) -> CoreResult<(String, Value)> {
    let bad = || CoreError::invalid("The cursor is not one this server gave out.");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let after = v.get("after").and_then(Value::as_str).ok_or_else(bad)?.to_owned();
    Ok((after, v.get("filter").cloned().unwrap_or(Value::Null)))
}

impl Session {
    pub(super) fn new(state: AppState, app: Arc<App>, me: String, socket: SocketId, from: Option<IpAddr>) -> Self {
        Session { state, app, me, socket, auth: Auth::None, from }
    }

    pub(super) fn authenticated(&self) -> bool {
        matches!(self.auth, Auth::Until(_))
    }

    /// Time left until the token expires, if it does.
    pub(super) fn expires_in(&self) -> Option<Duration> {
        match self.auth {
            Auth::Until(Some(exp)) => {
                let left_ms = exp * 1000 - self.state.services.now();
                Some(Duration::from_millis(left_ms.max(0) as u64))
            }
            _ => None,
        }
    }

    /// The token expired: unauthenticated, and no subscriptions until a renew.
    pub(super) fn expire(&mut self) {
        self.auth = Auth::None;
        let realtime = self.state.services.realtime();
        realtime.unsubscribe_all(self.socket);
        realtime.deauthenticate(self.socket);
    }

    pub(super) fn reject_binary(&self) -> String {
        let e = CoreError::invalid("Frames are JSON text; binary frames are not accepted.");
        reply(&Value::Null, 400, &error_body(&e))
    }

    pub(super) async fn handle(&mut self, text: &str) -> Reply {
        let frame: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                let e = CoreError::new(ErrorCode::InvalidJson, format!("The frame is not valid JSON: {e}"));
                return Reply::Frame { frame: reply(&Value::Null, 400, &error_body(&e)), events_first: false };
            }
        };
        let Value::Array(mut parts) = frame else {
            let e = CoreError::invalid("A frame is an array [seq, method, path, data, headers].");
            return Reply::Frame { frame: reply(&Value::Null, 400, &error_body(&e)), events_first: false };
        };
        if parts.len() == 2 && parts[1] == "ACK" {
            return Reply::None;
        }
        let seq = if parts.first().is_some_and(Value::is_u64) { parts[0].clone() } else { Value::Null };
        if seq.is_null() || parts.len() < 3 || parts.len() > 5 {
            let e = CoreError::invalid("A frame is an array [seq, method, path, data, headers] with a numeric seq.");
            return Reply::Frame { frame: reply(&seq, 400, &error_body(&e)), events_first: false };
        }
        let data = if parts.len() > 3 { std::mem::take(&mut parts[3]) } else { Value::Null };
        let data = if data.is_null() { json!({}) } else { data };
        let (Some(method), Some(path)) = (parts[1].as_str(), parts[2].as_str()) else {
            let e = CoreError::invalid("method and path must be strings.");
            return Reply::Frame { frame: reply(&seq, 400, &error_body(&e)), events_first: false };
        };
        let events_first = method != "GET";
        // Every call counts against the app's rate, and the user's once signed in.
        let admitted = if self.authenticated() {
            self.state.services.admit_call(&self.app.id, &self.me)
        } else {
            self.state.services.admit_unauthenticated_call(&self.app.id)
        };
        let result = match admitted {
            Ok(()) => self.call(method, path, data).await,
            Err(e) => Err(e),
        };
        let e = match result {
            Ok(value) => return Reply::Frame { frame: reply(&seq, 200, &value), events_first },
            Err(e) => e,
        };
        let status = status_of(e.kind()).as_u16();
        if status >= 500 {
            tracing::error!(
                code = e.code.as_str(),
                detail = e.detail.as_deref().unwrap_or(""),
                method,
                "realtime call failed"
            );
        }
        let frame = reply(&seq, status, &error_body(&e));
        if e.code == ErrorCode::TooManyConnections {
            // "Try again later": the client reconnects with backoff.
            return Reply::Close { frame, code: 1013, reason: "too many connections for this user" };
        }
        Reply::Frame { frame, events_first }
    }

    async fn call(&mut self, method: &str, path: &str, data: Value) -> CoreResult<Value> {
        let segments = path
            .strip_prefix('/')
            .unwrap_or(path)
            .split('/')
            .map(|s| percent_encoding::percent_decode_str(s).decode_utf8().map(|c| c.into_owned()))
            .collect::<Result<Vec<String>, _>>()
            .map_err(|_| CoreError::new(ErrorCode::InvalidId, "The path holds invalid percent-encoded UTF-8."))?;
        let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
        match (method, segs.as_slice()) {
            ("GET", ["ping"]) => return Ok(json!({})),
            ("POST", ["session", "renew"]) => return self.renew(data).await,
            _ => {}
        }
        if !self.authenticated() {
            return Err(CoreError::unauthorized("Authenticate first with POST /session/renew."));
        }
        self.route(method, &segs, data).await
    }

    async fn renew(&mut self, data: Value) -> CoreResult<Value> {
        let RenewArgs { token } = parse(data)?;
        let exp = self.state.services.verify_session_token(&self.app, &self.me, &token, self.from)?;
        let limit = self.state.limits.sockets_per_user;
        if !self.state.services.realtime().authenticate(self.socket, limit) {
            return Err(CoreError::new(
                ErrorCode::TooManyConnections,
                format!("User '{}' already holds {limit} connections; close one first.", self.me),
            ));
        }
        self.auth = Auth::Until(exp);
        // In a cluster, events of the user's conversations must reach this
        // node before the client fetches anything (bounded: a slow broker
        // must not hold the socket).
        let ready = self.state.services.realtime().ready_for(&self.app.id, &self.me);
        if tokio::time::timeout(READY_WAIT, ready).await.is_err() {
            tracing::warn!(user = %self.me, "events of this user's conversations were not subscribed within {READY_WAIT:?}");
        }
        let now_s = self.state.services.now() / 1000;
        Ok(json!({ "expiresInSeconds": exp.map(|e| (e - now_s).max(0)) }))
    }

    async fn route(&mut self, method: &str, segs: &[&str], data: Value) -> CoreResult<Value> {
        let s = self.state.services.clone();
        let app = self.app.clone();
        let (app_id, me) = (app.id.as_str(), self.me.clone());
        let me = me.as_str();
        let realtime = s.realtime();
        match (method, segs) {
            ("SUBSCRIBE", ["users"]) => {
                let IdsArgs { ids } = parse(data)?;
                if ids.len() > MAX_USERS_PER_LOOKUP {
                    return Err(CoreError::limit(format!(
                        "Subscribe to at most {MAX_USERS_PER_LOOKUP} users at once."
                    )));
                }
                for id in ids {
                    chinwag_core::ids::check_id("ids entry", &id)?;
                    if !realtime.subscribe(self.socket, Topic::User(id)) {
                        return Err(too_many_subscriptions());
                    }
                }
                Ok(json!({}))
            }
            ("SUBSCRIBE", path) => {
                let topic = Topic::parse(path)
                    .ok_or_else(|| CoreError::invalid("Nothing can be subscribed to at this path."))?;
                if !realtime.subscribe(self.socket, topic) {
                    return Err(too_many_subscriptions());
                }
                Ok(json!({}))
            }
            ("UNSUBSCRIBE", path) => {
                if let Some(topic) = Topic::parse(path) {
                    realtime.unsubscribe(self.socket, &topic);
                }
                Ok(json!({}))
            }
            ("GET", ["users"]) => {
                let IdsArgs { ids } = parse(data)?;
                let users = s.users_by_id(app_id, &ids).await?;
                Ok(Value::Object(users.iter().map(|u| (u.id.clone(), wire::user(u))).collect()))
            }
            ("PUT" | "POST", ["users", uid]) => {
                let body: UserBody = parse(data)?;
                let mut patch = UserPatch::from(body);
                if method == "POST" && patch.role.is_keep() {
                    patch.role = chinwag_core::model::Patch::Set(chinwag_core::model::DEFAULT_ROLE.to_owned());
                }
                s.client_set_user(&app, me, uid, patch, method == "POST").await?;
                Ok(json!({}))
            }
            ("GET", ["users", uid, "online"]) => Ok(json!({ "isConnected": s.online(app_id, uid).await? })),
            ("GET", ["me", "conversations"]) => {
                let args: ConversationListArgs = parse(data)?;
                let (after, filter_json) = match &args.cursor {
                    Some(c) => {
                        let (after, f) = read_list_cursor(c)?;
                        (Some(after), f)
                    }
                    None => (None, args.filter.unwrap_or(Value::Null)),
                };
                let filter = ConversationFilter::parse(&filter_json).map_err(|e| CoreError::invalid(e.reason))?;
                let keep = |side: &Side| filter.matches(&FilterSubject::of_side(side));
                let limit = args.limit.unwrap_or(20);
                let paged = if filter.matches_nothing() {
                    Paged { items: vec![], more: false }
                } else {
                    s.my_conversations(app_id, me, &keep, after, limit).await?
                };
                let canonical = filter.to_json();
                Ok(page(paged, wire::side, |side| list_cursor(&side.id, &canonical)))
            }
            ("GET", ["me", "conversations", cid]) => Ok(wire::side(&s.my_conversation(app_id, me, cid).await?)),
            ("GET", ["me", "conversations", cid, "messages"]) => {
                let args: PageArgs = parse(data)?;
                let paged = s.my_messages(app_id, me, cid, args.cursor, args.limit.unwrap_or(30)).await?;
                let (links, now) = (s.file_links(), s.now());
                Ok(page(paged, |m| wire::message(m, links, app_id, me, now), |m| m.id.clone()))
            }
            ("GET", ["me", "conversations", cid, "messages", mid]) => {
                let m = s.my_message(app_id, me, cid, mid).await?;
                Ok(wire::message(&m, s.file_links(), app_id, me, s.now()))
            }
            ("GET", ["me", "conversations", cid, "participants"]) => {
                let args: PageArgs = parse(data)?;
                let paged =
                    s.my_participants(app_id, me, cid, args.cursor.as_deref(), args.limit.unwrap_or(10)).await?;
                Ok(page(paged, wire::participant, |p| p.user_id.clone()))
            }
            ("GET", ["me", "conversations", cid, "participants", uid]) => {
                Ok(wire::participant(&s.my_participant(app_id, me, cid, uid).await?))
            }
            ("GET", ["me", "conversations", cid, "typing"]) => Ok(wire::typing(&s.typing_in(app_id, me, cid).await?)),
            ("GET", ["me", "conversations", cid, "messages", mid, "reactions", emoji]) => {
                let args: PageArgs = parse(data)?;
                let offset = match args.cursor.as_deref() {
                    None => 0,
                    Some(c) => {
                        c.parse().map_err(|_| CoreError::invalid("The cursor is not one this server gave out."))?
                    }
                };
                let target = ReactionTarget {
                    conversation_id: (*cid).to_owned(),
                    message_id: (*mid).to_owned(),
                    emoji: (*emoji).to_owned(),
                };
                let paged = s.my_reactions(app_id, me, &target, offset, args.limit.unwrap_or(30)).await?;
                let next = offset + paged.items.len();
                Ok(page(paged, |r| json!({ "userId": r.user_id, "createdAt": r.created_at }), |_| next.to_string()))
            }
            ("GET", ["me", "conversations", cid, "translate"]) => {
                #[derive(Deserialize)]
                struct TranslateArgs {
                    ids: Vec<String>,
                    lang: String,
                }
                let TranslateArgs { ids, lang } = parse(data)?;
                let results = s.translate_messages(app_id, me, cid, &ids, &lang).await?;
                let data: Map<String, Value> = results
                    .into_iter()
                    .map(|(id, t)| {
                        let v = match t {
                            None => Value::Null,
                            Some(Translation::Markup(markup)) => json!({ "markup": markup }),
                            Some(Translation::Unchanged(content)) => {
                                json!({ "content": wire::content(&content, s.file_links(), app_id, me, s.now()) })
                            }
                        };
                        (id, v)
                    })
                    .collect();
                Ok(json!({ "data": data }))
            }
            ("PUT" | "POST", ["conversations", cid]) => {
                let body: ConversationBody = parse(data)?;
                let (patch, _) = body.into_parts();
                s.client_set_conversation(&app, cid, patch, method == "POST").await?;
                Ok(json!({}))
            }
            ("POST", ["conversations", cid, "participants"]) => {
                let ActionsArgs { actions } = parse(data)?;
                let mut parsed = Vec::with_capacity(actions.len());
                for a in actions {
                    let method = match a.method.as_str() {
                        "PUT" => ActionMethod::Put,
                        "POST" => ActionMethod::Post,
                        "PATCH" => ActionMethod::Patch,
                        other => {
                            return Err(CoreError::invalid(format!(
                                "A participant action's method is PUT, POST or PATCH, not '{other}'."
                            )));
                        }
                    };
                    let (settings, sets_access, sets_notify) = participant_params(&a.params)?;
                    parsed.push(ParticipantAction { user_id: a.id, method, settings, sets_access, sets_notify });
                }
                let results = s.client_participant_actions(&app, me, cid, parsed).await?;
                let responses: Vec<Value> = results
                    .into_iter()
                    .map(|r| match r {
                        Ok(()) => json!({ "status": 200 }),
                        Err(e) => json!({ "status": status_of(e.kind()).as_u16(), "errorCode": e.code.as_str(), "reasons": e.reasons }),
                    })
                    .collect();
                Ok(json!({ "responses": responses }))
            }
            ("PUT" | "POST" | "PATCH", ["conversations", cid, "participants", uid]) => {
                let params = match data {
                    Value::Object(m) => m,
                    _ => Map::new(),
                };
                let (settings, sets_access, sets_notify) = participant_params(&params)?;
                let method = match method {
                    "PUT" => ActionMethod::Put,
                    "POST" => ActionMethod::Post,
                    _ => ActionMethod::Patch,
                };
                let action =
                    ParticipantAction { user_id: (*uid).to_owned(), method, settings, sets_access, sets_notify };
                let mut results = s.client_participant_actions(&app, me, cid, vec![action]).await?;
                results.pop().unwrap_or(Ok(()))?;
                Ok(json!({}))
            }
            ("DELETE", ["conversations", cid, "participants", uid]) => {
                s.client_remove_participant(&app, me, cid, uid).await?;
                Ok(json!({}))
            }
            ("POST", ["conversations", cid, "messages"]) => {
                let args: SendArgs = parse(data)?;
                let message = ClientMessage {
                    content: args.content,
                    referenced_message_id: args.referenced_message_id,
                    custom: args.custom,
                    idempotency_key: args.idempotency_key,
                };
                let m = s.client_send(app_id, me, cid, message).await?;
                Ok(json!({ "id": m.id }))
            }
            ("PATCH", ["conversations", cid, "messages", mid]) => {
                let args: EditArgs = parse(data)?;
                s.client_edit(app_id, me, cid, mid, args.content, custom_patch(args.custom)).await?;
                Ok(json!({}))
            }
            ("DELETE", ["conversations", cid, "messages", mid]) => {
                s.client_delete(app_id, me, cid, mid).await?;
                Ok(json!({}))
            }
            ("PUT" | "DELETE", ["conversations", cid, "messages", mid, "reactions", emoji, uid]) => {
                let target = ReactionTarget {
                    conversation_id: (*cid).to_owned(),
                    message_id: (*mid).to_owned(),
                    emoji: (*emoji).to_owned(),
                };
                s.client_react(app_id, me, &target, uid, method == "PUT").await?;
                Ok(json!({}))
            }
            ("POST", ["me", "conversations", cid, "read"]) => {
                s.my_read(app_id, me, cid).await?;
                Ok(json!({}))
            }
            ("POST", ["me", "conversations", cid, "unread"]) => {
                s.my_unread(app_id, me, cid).await?;
                Ok(json!({}))
            }
            ("POST", ["me", "conversations", cid, "typing"]) => {
                s.my_typing(app_id, me, cid).await?;
                Ok(json!({}))
            }
            ("POST", ["files", "validate"]) => {
                let ValidateArgs { filename, filesize } = parse(data)?;
                s.validate_upload(&filename, filesize)?;
                Ok(json!({}))
            }
            (m @ ("GET" | "PUT" | "POST" | "PATCH" | "DELETE"), _) => {
                Err(CoreError::new(ErrorCode::NotFound, format!("No such call: {m} /{}.", segs.join("/"))))
            }
            (m, _) => Err(CoreError::new(ErrorCode::MethodNotAllowed, format!("Unknown method '{m}'."))),
        }
    }
}

fn too_many_subscriptions() -> CoreError {
    CoreError::limit(format!("A connection holds at most {MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions."))
}
