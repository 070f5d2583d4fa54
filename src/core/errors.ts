/** Every code a {@link SessionError} can carry. */
export type SessionErrorCode =
  | "invalid-option"
  | "store-failure"
  | "wrong-type"
  | "payload-too-large"
  | "serialize-failed"
  | "id-collision"
  | "write-conflict"
  | "invalid-argument";

/** The message of anything thrown, for log lines and wrapped errors. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The one error type sessile throws. `code` tells callers what happened; `message` starts with
 * `sessile:` and says how to fix it. Messages never contain session ids, cookie values or secrets.
 */
export class SessionError extends Error {
  /** A stable, machine-readable reason. */
  readonly code: SessionErrorCode;

  constructor(code: SessionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message.startsWith("sessile:") ? message : `sessile: ${message}`, options);
    this.name = "SessionError";
    this.code = code;
  }
}

/**
 * The store (Redis) failed or could not be reached. The request must fail: nothing about the
 * session was saved, and no cookie should be sent for it.
 */
export class StoreError extends SessionError {
  /** The store operation that failed. */
  readonly operation: string;

  constructor(operation: string, cause: unknown) {
    const reason = messageOf(cause);
    super(
      "store-failure",
      `sessile: the session store failed during ${operation} (${reason}); check that Redis is reachable and the client's timeouts are set`,
      { cause },
    );
    this.name = "StoreError";
    this.operation = operation;
  }
}

/** Thrown by a store's `get` when the key holds something that is not a string (Redis `WRONGTYPE`). */
export class WrongTypeError extends SessionError {
  constructor() {
    super("wrong-type", "sessile: the session key holds a value of the wrong Redis type");
    this.name = "WrongTypeError";
  }
}
