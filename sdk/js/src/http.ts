// The HTTP calls of a session besides the websocket: the app check, file
// uploads and search. Each carries the session's token as a bearer token and
// tries once more with a fresh one when it is refused.

import type { TokenSource } from "./auth.js";
import { ApiError } from "./errors.js";

/** `fetch` as the page or process has it now (tests and apps may wrap it after this module loads). */
export function currentFetch(): (url: string, init?: RequestInit) => Promise<Response> {
  return (url, init) => globalThis.fetch(url, init);
}

/** One try's outcome: a success, an answer with an error status, or no answer at all. */
type Attempt<T> =
  | { kind: "ok"; value: T }
  | { kind: "status"; status: number; body: () => Promise<unknown>; discard: () => void }
  | { kind: "network"; error: Error };

/**
 * The retry policy of every authorized HTTP call, written once: a 401 gets
 * a fresh token and one more try; a 5xx or a network error one more try.
 */
async function withRetry<T>(
  tokens: TokenSource,
  operation: string,
  attempt: (token: string) => Promise<Attempt<T>>,
): Promise<T> {
  let fresh = false;
  for (let n = 0; ; n++) {
    const outcome = await attempt(await tokens.get(fresh));
    if (outcome.kind === "ok") return outcome.value;
    if (outcome.kind === "network") {
      if (n === 0) continue;
      throw new Error(`${operation} failed: ${outcome.error.message}`);
    }
    if (n === 0 && (outcome.status === 401 || outcome.status >= 500)) {
      fresh = outcome.status === 401;
      outcome.discard();
      continue;
    }
    throw new ApiError(operation, outcome.status, await outcome.body());
  }
}

/** `fetch` with the session's token, retried as {@link withRetry} says. */
export function authorizedFetch(
  tokens: TokenSource,
  url: string,
  init: RequestInit,
  operation: string,
): Promise<Response> {
  return withRetry(tokens, operation, async (token): Promise<Attempt<Response>> => {
    let response: Response;
    try {
      response = await currentFetch()(url, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` },
      });
    } catch (error) {
      return { kind: "network", error: error as Error };
    }
    if (response.ok) return { kind: "ok", value: response };
    return {
      kind: "status",
      status: response.status,
      body: () => response.json().catch(() => null),
      discard: () => void response.body?.cancel().catch(() => {}),
    };
  });
}

/**
 * An upload whose progress the caller wants to see: `fetch` cannot report
 * upload progress, `XMLHttpRequest` can. Retried as {@link withRetry} says;
 * resolves with the parsed JSON answer (null if none).
 */
export function authorizedUpload(
  tokens: TokenSource,
  url: string,
  body: FormData,
  operation: string,
  onProgress: (sent: number, total: number) => void,
): Promise<unknown> {
  return withRetry(
    tokens,
    operation,
    (token) =>
      new Promise<Attempt<unknown>>((resolve) => {
        const xhr = new XMLHttpRequest();
        xhr.open("POST", url);
        xhr.setRequestHeader("Authorization", `Bearer ${token}`);
        xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : 0);
        xhr.onload = () => {
          let parsed: unknown = null;
          try {
            parsed = JSON.parse(xhr.responseText);
          } catch {
            // A body that is not JSON: the status says what happened.
          }
          if (xhr.status >= 200 && xhr.status < 300) resolve({ kind: "ok", value: parsed });
          else resolve({ kind: "status", status: xhr.status, body: async () => parsed, discard: () => {} });
        };
        xhr.onerror = () => resolve({ kind: "network", error: new Error("network error") });
        xhr.send(body);
      }),
  );
}
