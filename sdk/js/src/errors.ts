// Errors the Data API rejects with. The message reads like TalkJS's, e.g.
// "Send message failed, got status 403 NOT_A_PARTICIPANT, reasons: …", so
// that code matching on it keeps working.

/** A call the server answered with an error. */
export class ApiError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly reasons: string[];

  constructor(operation: string, status: number, body: unknown) {
    const { errorCode, reasons } = errorBody(body);
    super(`${operation} failed, got status ${status} ${errorCode}, reasons: ${reasons.join(",")}`);
    this.name = "ApiError";
    this.status = status;
    this.errorCode = errorCode;
    this.reasons = reasons;
  }
}

function errorBody(body: unknown): { errorCode: string; reasons: string[] } {
  const b = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const errorCode = typeof b.errorCode === "string" ? b.errorCode : "UNKNOWN";
  const reasons = Array.isArray(b.reasons)
    ? b.reasons.map(String)
    : b.reasons === undefined
      ? []
      : [JSON.stringify(b.reasons)];
  return { errorCode, reasons };
}

/** Throws the TypeError TalkJS throws for a missing or empty id. */
export function checkId(kind: string, id: unknown): string {
  if (typeof id !== "string" || id.length === 0) {
    throw new TypeError(`${kind} must be a non-empty string`);
  }
  return id;
}
