/**
 * One small error hierarchy. `retriable` decides what a supervisor does with a crash:
 * a retriable error is restarted with backoff, a non-retriable one is not restarted blindly.
 */
export interface SluiceErrorOptions {
  /** Whether trying again may succeed. Defaults to `true` for upstream errors. */
  retriable?: boolean;
  cause?: unknown;
}

export class SluiceError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: SluiceErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** Bad input: never retriable; becomes HTTP 400 or a dead-letter record. */
export class ValidationError extends SluiceError {
  readonly field: string | undefined;
  constructor(message: string, options: { field?: string; cause?: unknown } = {}) {
    super("VALIDATION", message, { retriable: false, cause: options.cause });
    this.field = options.field;
  }
}

/** Bad configuration: the process cannot start; not retriable. Lists every problem found. */
export class ConfigError extends SluiceError {
  /** The first variable at fault. */
  readonly variable: string;
  readonly issues: ReadonlyArray<{ variable: string; message: string }>;
  constructor(issues: Array<{ variable: string; message: string }>) {
    super("CONFIG", `Invalid configuration: ${issues.map((i) => i.message).join("; ")}`, {
      retriable: false,
    });
    this.issues = issues;
    this.variable = issues[0]?.variable ?? "environment";
  }
}

/** A database, broker or other upstream failed; retriable unless said otherwise. */
export class UpstreamError extends SluiceError {
  constructor(code: string, message: string, options: SluiceErrorOptions = {}) {
    super(code, message, { retriable: options.retriable ?? true, cause: options.cause });
  }
}

/** Work was abandoned because its owner is shutting down; retriable by whoever takes it next. */
export class AbortedError extends SluiceError {
  constructor(message: string, cause?: unknown) {
    super("ABORTED", message, { retriable: true, cause });
  }
}

/** Whether an unknown thrown value should be retried. Unknown errors count as retriable. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof SluiceError) return err.retriable;
  if (err instanceof TypeError || err instanceof RangeError) return false;
  return true;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
