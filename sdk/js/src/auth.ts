// Where session tokens come from.
//
// - JWT mode: the app gives tokens with `setToken` (or the `token` option),
//   and new ones through `onNeedToken` (or the `tokenFetcher` option).
// - Boken mode, when the app gives none: the server hands out a token for the
//   user (with the legacy `signature`, if the app requires verification).

import { ApiError } from "./errors.js";

/** Why the session cannot go on: reported through `onError`. */
export class FatalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FatalError";
  }
}

export interface TokenSourceOptions {
  token?: string | undefined;
  tokenFetcher?: (() => string | Promise<string>) | undefined;
  signature?: string | undefined;
  /** `GET {internal}/{appId}/bokens/{userId}?signature=…` */
  bokenUrl: string;
  fetch: (url: string, init?: RequestInit) => Promise<Response>;
  /** Called when the app must be asked for a token (`session.onNeedToken`). */
  onNeedToken: () => (() => void) | undefined;
}

/** Retries a boken request after these delays (ms), then keeps the last. */
const BOKEN_RETRY_MS = [250, 500, 1000, 2000, 5000];

export class TokenSource {
  #token: string | undefined;
  #jwtMode: boolean;
  #waiting: Array<(token: string) => void> = [];
  readonly #o: TokenSourceOptions;

  constructor(o: TokenSourceOptions) {
    this.#o = o;
    this.#token = o.token;
    this.#jwtMode = o.token !== undefined || o.tokenFetcher !== undefined;
  }

  /** `setToken`: the token to use from now on. */
  set(token: string): void {
    this.#jwtMode = true;
    this.#token = token;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w(token);
  }

  /** The current token, or a new one when `fresh` (the old one was refused or ran out). */
  async get(fresh: boolean): Promise<string> {
    if (!fresh && this.#token !== undefined) return this.#token;
    const ask = this.#o.onNeedToken();
    if (ask) {
      const next = new Promise<string>((resolve) => this.#waiting.push(resolve));
      ask();
      return next;
    }
    if (this.#o.tokenFetcher) {
      const token = await this.#o.tokenFetcher();
      this.#token = token;
      return token;
    }
    if (this.#jwtMode) {
      throw new FatalError("Cannot refresh token, no `onNeedToken` provided");
    }
    this.#token = await this.#boken();
    return this.#token;
  }

  /** Whether the app supplies tokens (so a refresh before expiry is possible). */
  get refreshable(): boolean {
    return this.#o.onNeedToken() !== undefined || this.#o.tokenFetcher !== undefined || !this.#jwtMode;
  }

  async #boken(): Promise<string> {
    const url = `${this.#o.bokenUrl}?signature=${encodeURIComponent(this.#o.signature ?? "")}`;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.#o.fetch(url, { headers: { "Content-Type": "application/json" } });
      } catch {
        await sleep(BOKEN_RETRY_MS[Math.min(attempt, BOKEN_RETRY_MS.length - 1)] ?? 5000);
        continue;
      }
      const body: unknown = await response.json().catch(() => null);
      if (response.ok && typeof (body as { boken?: unknown } | null)?.boken === "string") {
        return (body as { boken: string }).boken;
      }
      if (response.status === 429 || response.status >= 500) {
        await sleep(BOKEN_RETRY_MS[Math.min(attempt, BOKEN_RETRY_MS.length - 1)] ?? 5000);
        continue;
      }
      const why = new ApiError("Authenticate", response.status, body).message;
      throw new FatalError(
        response.status === 401
          ? `Could not authenticate: check that you provided a valid signature (${why})`
          : `Could not authenticate: check that the app ID is correct (${why})`,
      );
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
