/** Every default of {@link createSessions} and its cookie, written once. Durations are seconds. */
export const DEFAULTS: {
  readonly idleTimeout: number;
  readonly absoluteTimeout: null;
  readonly touchInterval: number;
  readonly redisTtl: boolean;
  readonly detectChanges: boolean;
  readonly invalidateEmpty: boolean;
  readonly cookieOnError: boolean;
  readonly degrade: boolean;
  readonly maxPayloadBytes: number;
  readonly cookie: {
    readonly name: string;
    readonly path: string;
    readonly secure: "auto";
    readonly httpOnly: boolean;
    readonly sameSite: "lax";
    readonly maxAge: null;
    readonly partitioned: boolean;
  };
} = Object.freeze({
  idleTimeout: 1200,
  absoluteTimeout: null,
  touchInterval: 60,
  redisTtl: true,
  detectChanges: true,
  invalidateEmpty: true,
  cookieOnError: true,
  degrade: false,
  maxPayloadBytes: 65536,
  cookie: Object.freeze({
    name: "session",
    path: "/",
    secure: "auto",
    httpOnly: true,
    sameSite: "lax",
    maxAge: null,
    partitioned: false,
  }),
});
