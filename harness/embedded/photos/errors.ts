// HTTP errors with Immich's status and message, and the model's log (kept in memory for the report).
import { AsyncLocalStorage } from 'node:async_hooks';

/** An answer Immich gives on purpose (NestJS HttpException): status and message reach the client as is. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string | string[],
    /** Extra body fields (3.x validation errors). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(Array.isArray(message) ? message.join('; ') : message);
    this.messages = message;
  }
  readonly messages: string | string[];
}

export const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
};

/** Request-scoped correlation id, like Immich's nestjs-cls id, so log lines can be tied to answers. */
export const requestContext = new AsyncLocalStorage<{ correlationId: string }>();

export interface Logger {
  log(context: string, message: string): void;
  warn(context: string, message: string): void;
  error(context: string, message: string, error?: unknown): void;
  debug(context: string, message: string): void;
}

/** An error's stack, or a plain cause's own text: an object is shown as JSON, never as "[object Object]". */
function textOf(e: unknown): string {
  if (e instanceof Error) return e.stack ?? String(e);
  if (e && typeof e === 'object' && !(e instanceof URLSearchParams) && String(e) === '[object Object]') {
    try {
      return JSON.stringify(e);
    } catch {
      return Object.prototype.toString.call(e);
    }
  }
  return String(e);
}

/** Error text with its cause chain, the way Nest prints an error object it is given. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as Error & { code?: string };
    parts.push(depth === 0 ? textOf(e) : `[cause]: ${textOf(e)}`);
    current = e instanceof Error ? e.cause : undefined;
  }
  return parts.join('\n');
}

export class MemoryLog implements Logger {
  private readonly lines: string[] = [];

  constructor(
    /** e.g. "reference model of Immich v3.1.0": never just "Immich". */
    private readonly name: string,
    private readonly echo: (line: string) => void = () => {},
  ) {}

  private write(level: string, context: string, message: string) {
    const cid = requestContext.getStore()?.correlationId;
    const line = `${new Date().toISOString()} [${this.name}] ${level.padStart(5)} [${context}${cid ? `~${cid}` : ''}] ${message}`;
    this.lines.push(line);
    this.echo(line);
  }

  log(context: string, message: string) {
    this.write('LOG', context, message);
  }
  warn(context: string, message: string) {
    this.write('WARN', context, message);
  }
  debug(context: string, message: string) {
    this.write('DEBUG', context, message);
  }
  error(context: string, message: string, error?: unknown) {
    this.write('ERROR', context, error === undefined ? message : `${message}\n${describeError(error)}`);
  }

  text(): string {
    return this.lines.join('\n');
  }
}
