// The HTTP calls of a session besides the websocket: the app check, file
// uploads and search. Each carries the session's token as a bearer token and
// tries once more with a fresh one when it is refused.

import type { TokenSource } from "./auth.js";
import { ApiError } from "./errors.js";

/** `fetch` as the page or process has it now (tests and apps may wrap it after this module loads). */
export function currentFetch(): (url: string, init?: RequestInit) => Promise<Response> {
  return (url, init) => globalThis.fetch(url, init);
}

/**
 * `fetch` with the session's token: a 401 gets a fresh token and one more
 * try; a 5xx or a network error one more try too.
 */
export async function authorizedFetch(
  tokens: TokenSource,
  url: string,
  init: RequestInit,
  operation: string,
): Promise<Response> {
  let fresh = false;
  for (let attempt = 0; ; attempt++) {
    const token = await tokens.get(fresh);
    let response: Response;
    try {
      response = await currentFetch()(url, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` },
      });
    } catch (error) {
      if (attempt === 0) continue;
      throw new Error(`${operation} failed: ${(error as Error).message}`);
    }
    if (response.ok) return response;
    if (attempt === 0 && (response.status === 401 || response.status >= 500)) {
      fresh = response.status === 401;
      await response.body?.cancel().catch(() => {});
      continue;
    }
    const body: unknown = await response.json().catch(() => null);
    throw new ApiError(operation, response.status, body);
  }
}

/**
 * `authorizedFetch` for an upload whose progress the caller wants to see:
 * `fetch` cannot report upload progress, `XMLHttpRequest` can. The same
 * retries: a 401 gets a fresh token and one more try, a 5xx or a network
 * error one more try. Resolves with the parsed JSON answer (null if none).
 */
export async function authorizedUpload(
  tokens: TokenSource,
  url: string,
  body: FormData,
  operation: string,
  onProgress: (sent: number, total: number) => void,
): Promise<unknown> {
  let fresh = false;
  for (let attempt = 0; ; attempt++) {
    const token = await tokens.get(fresh);
    const result = await new Promise<{ status: number; body: unknown } | Error>((resolve) => {
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
        resolve({ status: xhr.status, body: parsed });
      };
      xhr.onerror = () => resolve(new Error("network error"));
      xhr.send(body);
    });
    if (result instanceof Error) {
      if (attempt === 0) continue;
      throw new Error(`${operation} failed: ${result.message}`);
    }
    if (result.status >= 200 && result.status < 300) return result.body;
    if (attempt === 0 && (result.status === 401 || result.status >= 500)) {
      fresh = result.status === 401;
      continue;
    }
    throw new ApiError(operation, result.status, result.body);
  }
}
