// The WebSocket implementation: the global one (browsers, Node ≥ 22), or
// one registered for older runtimes (Node 20 with the `ws` package).

/** The part of the WebSocket API this package uses. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketConstructor = new (url: string) => SocketLike;

let registered: SocketConstructor | undefined;

/**
 * Registers the WebSocket implementation to use where the runtime has none,
 * e.g. `registerPolyfills({ WebSocket })` with the `ws` package in Node 20.
 */
export function registerPolyfills({ WebSocket }: { WebSocket: object }): void {
  registered = WebSocket as SocketConstructor;
}

export function socketConstructor(): SocketConstructor {
  const found = registered ?? (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
  if (!found) {
    throw new Error("No WebSocket implementation: call registerPolyfills({ WebSocket }) with the `ws` package first");
  }
  return found;
}
