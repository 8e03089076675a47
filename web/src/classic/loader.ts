// The `/talk.js` script. TalkJS's documented loader snippet defines
//
//   window.Talk = { v: 3, ready: { then(f) {…queue f…}, catch() {…}, c: queue } }
//
// and loads this script asynchronously. On load we keep that very object
// (the npm package exports it, so apps may hold it), add the API onto it,
// replace `ready` with a resolved promise, and run the queued callbacks once,
// in order. Without a snippet, `window.Talk` is created.
//
// Sessions connect to the server this script came from, so a page moves to
// Chinwag by changing the script's URL and nothing else.

import { setDefaultHost } from "./api.js";
import { api, type TalkApi } from "./talk.js";

type Queued = [() => unknown, ((v: unknown) => void)?, ((e: unknown) => void)?];

/** The origin of this script, read while it runs (document.currentScript is only set then). */
function scriptOrigin(): string | undefined {
  const script = typeof document !== "undefined" ? (document.currentScript as HTMLScriptElement | null) : null;
  if (!script?.src) return undefined;
  try {
    return new URL(script.src, location.href).origin;
  } catch {
    return undefined;
  }
}

function install(): void {
  const w = window as unknown as { Talk?: Partial<TalkApi> & { ready?: { c?: Queued[] } } };
  setDefaultHost(scriptOrigin());
  const stub = w.Talk && typeof w.Talk === "object" ? w.Talk : {};
  // Take the queue before `ready` is replaced.
  const queue: Queued[] = Array.isArray(stub.ready?.c) ? [...(stub.ready?.c ?? [])] : [];
  const talk = Object.assign(stub, api, { ready: Promise.resolve() }) as TalkApi;
  w.Talk = talk;
  for (const [f, resolve, reject] of queue) {
    try {
      const result = f();
      resolve?.(result);
    } catch (e) {
      if (reject) reject(e);
      else console.error(e);
    }
  }
}

install();
