// The session: one user of one app, talking to one Chinwag server. It owns
// the connection, the store, the token source and the references handed out.

import { FatalError, TokenSource } from "./auth.js";
import { Connection } from "./connection.js";
import type { FileToken } from "./content.js";
import { ApiError, checkId } from "./errors.js";
import { authorizedFetch, authorizedUpload, currentFetch } from "./http.js";
import { ConversationRef, UserRef } from "./refs.js";
import { ConversationSearchImpl, MessageSearchImpl } from "./search.js";
import { Store } from "./store/index.js";
import type { WireMessage } from "./store/wire.js";
import { firstValue, LiveSubscription, type Trackable } from "./subscription.js";
import type {
  AudioFileMetadata,
  ConversationFilter,
  ConversationListSubscription,
  ConversationSearch,
  ConversationSnapshot,
  GenericFileMetadata,
  ImageFileMetadata,
  MessageSearch,
  MessageSnapshot,
  SearchMessageSnapshot,
  SearchStatus,
  Subscription,
  TalkSessionOptions,
  UploadOptions,
  VideoFileMetadata,
  VoiceRecordingFileMetadata,
} from "./types.js";
import { type Endpoints, endpoints, path } from "./urls.js";

/** Where a session connects when no `host` is given. */
const DEFAULT_HOST = "localhost:8080";
/** At most this many participant changes go in one batch. */
const MAX_PARTICIPANT_ACTIONS = 100;

interface ParticipantAction {
  id: string;
  method: "PUT" | "POST" | "PATCH";
  params: unknown;
  operation: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** What references and searches need from their session. @internal */
export interface Core {
  readonly appId: string;
  readonly me: string;
  readonly store: Store;
  readonly tokens: TokenSource;
  readonly endpoints: Endpoints;
  request(method: string, path: string, data: unknown, operation: string): Promise<unknown>;
  participantAction(
    conversationId: string,
    userId: string,
    method: "PUT" | "POST" | "PATCH",
    params: unknown,
    operation: string,
  ): Promise<void>;
  track<S extends Trackable>(sub: S): S;
  conversationSnapshot(id: string): Promise<ConversationSnapshot | null>;
  messageSnapshot(conversationId: string, wire: WireMessage): Promise<MessageSnapshot | null>;
}

const sessions = new Map<string, TalkSession>();

/**
 * The session of `options.userId` in `options.appId`: the same object for the
 * same app and user (unless `forceCreateNew`), until it is destroyed.
 */
export function getTalkSession(options: TalkSessionOptions): TalkSession {
  checkId("appId", options.appId);
  checkId("userId", options.userId);
  const key = `${options.appId}\n${options.userId}`;
  const existing = sessions.get(key);
  if (existing && !options.forceCreateNew && !existing.destroyed) {
    if (options.token !== undefined) existing.setToken(options.token);
    return existing;
  }
  const session = new TalkSession(options);
  sessions.set(key, session);
  return session;
}

export class TalkSession {
  readonly appId: string;
  readonly currentUser: UserRef;
  /**
   * Called when the session needs a token: at the first request when none
   * was set, and before the current one runs out. It should fetch one from
   * your backend and call {@link TalkSession.setToken}.
   */
  onNeedToken?: () => void;

  readonly #core: Core;
  readonly #conn: Connection;
  readonly #store: Store;
  readonly #tokens: TokenSource;
  readonly #endpoints: Endpoints;
  readonly #users = new Map<string, UserRef>();
  readonly #conversations = new Map<string, ConversationRef>();
  readonly #subscriptions = new Set<Trackable>();
  readonly #errorHandlers = new Set<(error: Error) => void>();
  #fatal: Error | undefined;
  #destroyed = false;
  #actions = new Map<string, ParticipantAction[]>();

  /** @internal Use {@link getTalkSession}. */
  constructor(options: TalkSessionOptions) {
    this.appId = options.appId;
    const me = options.userId;
    this.#endpoints = endpoints(options.host ?? DEFAULT_HOST);
    const app = encodeURIComponent(this.appId);
    this.#tokens = new TokenSource({
      token: options.token,
      tokenFetcher: options.tokenFetcher,
      signature: options.signature,
      bokenUrl: `${this.#endpoints.internal}/${app}/bokens/${encodeURIComponent(me)}`,
      fetch: currentFetch(),
      onNeedToken: () => this.onNeedToken,
    });
    this.#conn = new Connection({
      url: `${this.#endpoints.realtime}/${app}/realtime/${encodeURIComponent(me)}`,
      tokens: this.#tokens,
      onEvents: (events) => this.#store.apply(events),
      onResync: () => this.#store.resync(),
      onFatal: (error) => this.#fail(error),
    });
    this.#store = new Store(this.#conn, me);
    const session = this;
    this.#core = {
      appId: this.appId,
      me,
      store: this.#store,
      tokens: this.#tokens,
      endpoints: this.#endpoints,
      request: (method, p, data, operation) => this.#request(method, p, data, operation),
      participantAction: (cid, uid, method, params, operation) =>
        this.#participantAction(cid, uid, method, params, operation),
      track(sub) {
        session.#track(sub);
        return sub;
      },
      conversationSnapshot: (id) => {
        const side = this.#store.conv(id).acquireSideResource();
        return firstValue({ value: side.snapshot, release: () => side.release() });
      },
      messageSnapshot: (cid, wire) => {
        const entity = this.#store.conv(cid).acquireMessage(wire.id, wire);
        return firstValue({ value: entity.snapshot, release: () => entity.release() });
      },
    };
    this.currentUser = this.user(me);
    void this.#checkApp();
  }

  /** Whether the session was destroyed or failed. @internal */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  /**
   * The token to use from now on. The connection re-authenticates with it
   * in place: subscriptions stay active.
   */
  setToken(token: string): void {
    this.#tokens.set(token);
    this.#conn.reauthenticate();
  }

  /** Calls `handler` once if the session fails for good (a bad app id, a token that cannot be renewed). */
  onError(handler: (error: Error) => void): Subscription {
    if (this.#fatal) {
      handler(this.#fatal);
      return { unsubscribe: () => {} };
    }
    this.#errorHandlers.add(handler);
    return { unsubscribe: () => this.#errorHandlers.delete(handler) };
  }

  user(id: string): UserRef {
    checkId("The user ID", id);
    let ref = this.#users.get(id);
    if (!ref) {
      ref = new UserRef(this.#core, id);
      this.#users.set(id, ref);
    }
    return ref;
  }

  conversation(id: string): ConversationRef {
    checkId("The conversation ID", id);
    let ref = this.#conversations.get(id);
    if (!ref) {
      ref = new ConversationRef(this.#core, id);
      this.#conversations.set(id, ref);
    }
    return ref;
  }

  subscribeConversations(
    onSnapshot?: (snapshot: ConversationSnapshot[], loadedAll: boolean) => void,
  ): ConversationListSubscription;
  subscribeConversations(
    options: { filter?: ConversationFilter },
    onSnapshot?: (snapshot: ConversationSnapshot[], loadedAll: boolean) => void,
  ): ConversationListSubscription;
  subscribeConversations(
    a?: { filter?: ConversationFilter } | ((snapshot: ConversationSnapshot[], loadedAll: boolean) => void),
    b?: (snapshot: ConversationSnapshot[], loadedAll: boolean) => void,
  ): ConversationListSubscription {
    const options = typeof a === "function" ? {} : (a ?? {});
    const onSnapshot = typeof a === "function" ? a : b;
    const list = this.#store.acquireList(options.filter);
    return this.#core.track(
      new LiveSubscription(
        {
          value: list.snapshot,
          loadedAll: list.loadedAll,
          release: () => list.release(),
          loadMore: (count) => list.loadMore(count),
        },
        (latestSnapshot, loadedAll) => Object.freeze({ type: "active" as const, latestSnapshot, loadedAll }),
        onSnapshot,
      ),
    );
  }

  searchMessages(onResults?: (results: SearchMessageSnapshot[], status: SearchStatus) => void): MessageSearch {
    return new MessageSearchImpl(this.#core, onResults);
  }

  searchConversations(onResults?: (results: ConversationSnapshot[], status: SearchStatus) => void): ConversationSearch {
    return new ConversationSearchImpl(this.#core, onResults);
  }

  uploadFile(data: Blob, metadata: GenericFileMetadata, options?: UploadOptions): Promise<FileToken> {
    return this.#upload(data, metadata, undefined, options);
  }

  uploadImage(data: Blob, metadata: ImageFileMetadata, options?: UploadOptions): Promise<FileToken> {
    return this.#upload(data, metadata, "image", options);
  }

  uploadVideo(data: Blob, metadata: VideoFileMetadata, options?: UploadOptions): Promise<FileToken> {
    return this.#upload(data, metadata, "video", options);
  }

  uploadAudio(data: Blob, metadata: AudioFileMetadata, options?: UploadOptions): Promise<FileToken> {
    return this.#upload(data, metadata, "audio", options);
  }

  uploadVoice(data: Blob, metadata: VoiceRecordingFileMetadata, options?: UploadOptions): Promise<FileToken> {
    return this.#upload(data, metadata, "voice", options);
  }

  /**
   * Closes the connection and ends every subscription. The session cannot be
   * used afterwards; {@link getTalkSession} makes a new one.
   */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const sub of [...this.#subscriptions]) sub.unsubscribe();
    this.#end();
  }

  /**
   * Ends the session with `error`, as an unrecoverable error would:
   * subscriptions end in the error state and `onError` handlers run.
   */
  terminate(error: Error): void {
    this.#fail(error);
  }

  // ------------------------------------------------------------ internals

  #end(): void {
    this.#destroyed = true;
    this.#conn.destroy();
    this.#store.dropAll();
    const key = `${this.appId}\n${this.#core.me}`;
    if (sessions.get(key) === this) sessions.delete(key);
  }

  #fail(error: Error): void {
    if (this.#fatal || this.#destroyed) return;
    this.#fatal = error;
    for (const sub of [...this.#subscriptions]) sub.fail(error);
    this.#end();
    const handlers = [...this.#errorHandlers];
    this.#errorHandlers.clear();
    for (const h of handlers) {
      try {
        h(error);
      } catch (e) {
        setTimeout(() => {
          throw e;
        });
      }
    }
    if (handlers.length === 0) console.error(`[Chinwag] The session failed: ${error.message}`);
  }

  #track(sub: Trackable): void {
    if (this.#fatal) {
      sub.fail(this.#fatal);
      return;
    }
    if (this.#destroyed) {
      sub.unsubscribe();
      return;
    }
    this.#subscriptions.add(sub);
    void sub.terminated.then(() => this.#subscriptions.delete(sub));
  }

  #request(method: string, p: string, data: unknown, operation: string): Promise<unknown> {
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (this.#destroyed) return Promise.reject(new Error(`${operation} failed: the session was destroyed`));
    return this.#conn.request(method, p, data, operation);
  }

  /** Participant changes made in the same microtask go out as one batch per conversation. */
  #participantAction(
    conversationId: string,
    userId: string,
    method: "PUT" | "POST" | "PATCH",
    params: unknown,
    operation: string,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      let queue = this.#actions.get(conversationId);
      if (!queue) {
        queue = [];
        this.#actions.set(conversationId, queue);
        queueMicrotask(() => this.#flushActions(conversationId));
      }
      queue.push({ id: userId, method, params, operation, resolve, reject });
    });
  }

  #flushActions(conversationId: string): void {
    const queue = this.#actions.get(conversationId) ?? [];
    this.#actions.delete(conversationId);
    for (let i = 0; i < queue.length; i += MAX_PARTICIPANT_ACTIONS) {
      const batch = queue.slice(i, i + MAX_PARTICIPANT_ACTIONS);
      const actions = batch.map((a) => ({ id: a.id, method: a.method, params: a.params }));
      this.#request(
        "POST",
        path("conversations", conversationId, "participants"),
        { actions },
        batch[0]?.operation ?? "",
      )
        .then((data) => {
          const responses = ((data as { responses?: unknown[] } | null)?.responses ?? []) as {
            status?: number;
          }[];
          batch.forEach((a, j) => {
            const r = responses[j];
            if (r?.status === 200) a.resolve();
            else a.reject(new ApiError(a.operation, r?.status ?? 500, r));
          });
        })
        .catch((error: Error) => {
          for (const a of batch) {
            a.reject(error instanceof ApiError ? new ApiError(a.operation, error.status, error) : error);
          }
        });
    }
  }

  async #upload(
    data: Blob,
    metadata: { filename: string; width?: number; height?: number; duration?: number },
    subtype: "image" | "video" | "audio" | "voice" | undefined,
    options: UploadOptions | undefined,
  ): Promise<FileToken> {
    // The server refuses a file it would not take before the bytes are sent.
    await this.#request("POST", "/files/validate", { filename: metadata.filename, filesize: data.size }, "Upload file");
    const form = new FormData();
    form.append("file", data, metadata.filename);
    if (subtype) form.append("subtype", subtype);
    for (const key of ["width", "height", "duration"] as const) {
      const v = metadata[key];
      if (v !== undefined) form.append(key, String(v));
    }
    const url = `${this.#endpoints.rest}/${encodeURIComponent(this.appId)}/files`;
    const body = (
      options?.onProgress && typeof XMLHttpRequest !== "undefined"
        ? await authorizedUpload(this.#tokens, url, form, "Upload file", options.onProgress)
        : await (await authorizedFetch(this.#tokens, url, { method: "POST", body: form }, "Upload file"))
            .json()
            .catch(() => null)
    ) as { fileToken?: unknown } | null;
    if (typeof body?.fileToken !== "string") {
      throw new ApiError("Upload file", 200, { errorCode: "BAD_RESPONSE", reasons: ["no fileToken"] });
    }
    return body.fileToken as FileToken;
  }

  /** The app must exist; anything but a clear "no" lets the session go on. */
  async #checkApp(): Promise<void> {
    try {
      const response = await currentFetch()(`${this.#endpoints.internal}/${encodeURIComponent(this.appId)}`, {
        headers: { "Content-Type": "application/json" },
      });
      await response.body?.cancel().catch(() => {});
      if (response.status === 404) {
        this.#fail(new FatalError(`The app ID ${this.appId} does not exist on this Chinwag server`));
      }
    } catch {
      // Unreachable for now: the connection will report what goes wrong.
    }
  }
}
