// Message and conversation search over HTTP. The server streams results one
// per line, so each can be shown as soon as it arrives:
//
//     {"data":[
//     {…result…}
//     ,{…result…}
//     ],"cursor":"…"}        (no cursor key: nothing more)
//
// The first page holds 3 results; `loadMore` asks for more with the cursor.

import { authorizedFetch } from "./http.js";
import type { Core } from "./session.js";
import type { WireMessage } from "./store/wire.js";
import { reportCallbackError } from "./subscription.js";
import type {
  ConversationSearchFilters,
  ConversationSearchState,
  ConversationSnapshot,
  MessageSearchFilters,
  MessageSearchState,
  SearchMessageSnapshot,
  SearchStatus,
} from "./types.js";

const FIRST_PAGE = 3;
const DEFAULT_MORE = 10;
const MAX_MORE = 50;

type Kind = "messages" | "conversations";

/** One search: a query, its results so far, and whether more can be loaded. */
abstract class Search<R, S extends { results: R[]; loadedAll: boolean }> {
  #generation = 0;
  #results: R[] = [];
  #cursor: string | undefined;
  #hasQuery = false;
  #busy = false;

  constructor(
    protected readonly core: Core,
    private readonly kind: Kind,
    private readonly onResults: ((results: R[], status: SearchStatus) => void) | undefined,
  ) {}

  protected abstract hydrate(result: Record<string, unknown>): Promise<R | null>;
  protected abstract state(results: R[], loadedAll: boolean): S;

  async setQuery(query: string, filters?: ConversationSearchFilters | MessageSearchFilters): Promise<S> {
    const generation = ++this.#generation;
    this.#results = [];
    this.#cursor = undefined;
    this.#hasQuery = true;
    const params = new URLSearchParams({
      // The server decodes the search string twice, as TalkJS's does.
      searchString: encodeURIComponent(query),
      conversationFilter: JSON.stringify(filters?.conversation ?? {}),
      limit: String(FIRST_PAGE),
    });
    return this.#page(generation, params);
  }

  async loadMore(limit = DEFAULT_MORE): Promise<S> {
    if (!this.#hasQuery || this.#busy || this.#cursor === undefined) {
      return this.state(this.#results.slice(), this.#cursor === undefined);
    }
    const n = Math.max(1, Math.min(MAX_MORE, Math.floor(limit)));
    return this.#page(this.#generation, new URLSearchParams({ cursor: this.#cursor, limit: String(n) }));
  }

  async #page(generation: number, params: URLSearchParams): Promise<S> {
    this.#busy = true;
    this.#emit("searching");
    try {
      const url = `${this.core.endpoints.rest}/${encodeURIComponent(this.core.appId)}/me/${this.kind}/search?${params}`;
      const response = await authorizedFetch(
        this.core.tokens,
        url,
        { headers: { "Content-Type": "application/json" } },
        this.kind === "messages" ? "Search messages" : "Search conversations",
      );
      let cursor: string | undefined;
      const pending: Promise<R | null>[] = [];
      for await (const line of lines(response)) {
        const item = parseLine(line);
        if (item === "end") {
          cursor = endCursor(line);
          break;
        }
        if (item) pending.push(this.hydrate(item));
      }
      for (const p of pending) {
        const r = await p;
        if (generation !== this.#generation) break;
        if (r !== null) {
          this.#results = [...this.#results, r];
          this.#emit("searching");
        }
      }
      if (generation === this.#generation) this.#cursor = cursor;
    } finally {
      if (generation === this.#generation) this.#busy = false;
    }
    const loadedAll = this.#cursor === undefined;
    if (generation === this.#generation) this.#emit(loadedAll ? "loadedAll" : "canLoadMore");
    return this.state(this.#results.slice(), loadedAll);
  }

  #emit(status: SearchStatus): void {
    if (!this.onResults) return;
    try {
      this.onResults(this.#results.slice(), status);
    } catch (error) {
      reportCallbackError(error);
    }
  }
}

export class MessageSearchImpl extends Search<SearchMessageSnapshot, MessageSearchState> {
  constructor(core: Core, onResults?: (results: SearchMessageSnapshot[], status: SearchStatus) => void) {
    super(core, "messages", onResults);
  }

  protected async hydrate(result: Record<string, unknown>): Promise<SearchMessageSnapshot | null> {
    const cid = result.conversationId as string;
    const { conversationId: _, ...wire } = result;
    const [conversation, message] = await Promise.all([
      this.core.conversationSnapshot(cid),
      this.core.messageSnapshot(cid, wire as unknown as WireMessage),
    ]);
    if (!conversation || !message) return null;
    return { conversation, message };
  }

  protected state(results: SearchMessageSnapshot[], loadedAll: boolean): MessageSearchState {
    return { results, loadedAll };
  }
}

export class ConversationSearchImpl extends Search<ConversationSnapshot, ConversationSearchState> {
  constructor(core: Core, onResults?: (results: ConversationSnapshot[], status: SearchStatus) => void) {
    super(core, "conversations", onResults);
  }

  protected hydrate(result: Record<string, unknown>): Promise<ConversationSnapshot | null> {
    return this.core.conversationSnapshot(result.id as string);
  }

  protected state(results: ConversationSnapshot[], loadedAll: boolean): ConversationSearchState {
    return { results, loadedAll };
  }
}

/** The lines of a streamed body, as they arrive (the first one is the opening `{"data":[`). */
async function* lines(response: Response): AsyncGenerator<string> {
  const body = response.body;
  if (!body) {
    yield* (await response.text()).split("\n").slice(1);
    return;
  }
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let first = true;
  for (;;) {
    const { done, value } = await reader.read();
    buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
    let i = buffer.indexOf("\n");
    while (i >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (!first) yield line;
      first = false;
      i = buffer.indexOf("\n");
    }
    if (done) break;
  }
  if (!first && buffer.length > 0) yield buffer;
}

/** A result, `"end"` for the closing line, or nothing for a blank one. */
function parseLine(line: string): Record<string, unknown> | "end" | undefined {
  const text = line.trim();
  if (text.startsWith("]")) return "end";
  if (text === "") return undefined;
  return JSON.parse(text.startsWith(",") ? text.slice(1) : text) as Record<string, unknown>;
}

function endCursor(line: string): string | undefined {
  const end = JSON.parse(`{"data":[${line.trim()}`) as { cursor?: string | null };
  return typeof end.cursor === "string" ? end.cursor : undefined;
}
