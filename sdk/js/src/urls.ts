// Where the three endpoints are, from the `host` option: the realtime
// websocket, the internal HTTP API (app check, bokens) and the REST API
// (uploads, search). Local hosts use plain ws:// and http://, every other
// host TLS, as browsers and TalkJS's own client expect.

export interface Endpoints {
  readonly realtime: string;
  readonly internal: string;
  readonly rest: string;
}

/** Hosts reached without TLS: loopback names and IPv4 literals. */
function isLocal(host: string): boolean {
  return host.includes("localhost") || host.includes("localtest.me") || /^\d{1,3}(\.\d{1,3}){3}(:\d+)?$/.test(host);
}

export function endpoints(hostOrOrigin: string): Endpoints {
  // A full origin (a Chinwag extension: "http://chat.internal:8080") says
  // its scheme itself; a bare host is guessed as TalkJS's client does.
  const origin = /^(https?):\/\/([^/]+)\/?$/i.exec(hostOrOrigin);
  const host = origin ? (origin[2] as string) : hostOrOrigin;
  const secure = origin ? origin[1]?.toLowerCase() === "https" : !isLocal(host);
  const ws = secure ? "wss" : "ws";
  const http = secure ? "https" : "http";
  return {
    realtime: `${ws}://${host}/public_api/v1`,
    internal: `${http}://${host}/api/v0`,
    rest: `${http}://${host}/public_api/v1`,
  };
}

/** A path of encoded segments: `/me/conversations/{cid}`. */
export function path(...segments: string[]): string {
  return `/${segments.map(encodeURIComponent).join("/")}`;
}
