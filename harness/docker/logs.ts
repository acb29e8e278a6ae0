// Container logs as the stack keeps them: one bounded buffer per container, fed from testcontainers' log
// stream (stdout and stderr), searchable while the container starts (ready lines, failure tails).
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { stripAnsi } from '../plain-text.js';

export class ContainerLog {
  private lines: string[] = [];
  private readonly events = new EventEmitter();
  private partial = '';

  constructor(
    readonly name: string,
    private readonly maxLines = 5000,
  ) {}

  /** For GenericContainer.withLogConsumer. */
  readonly consume = (stream: Readable): void => {
    stream.on('data', (chunk: Buffer | string) => this.write(chunk.toString()));
    stream.on('end', () => this.flush());
  };

  write(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.push(line.replace(/\r$/, ''));
  }

  private flush(): void {
    if (this.partial) this.push(this.partial);
    this.partial = '';
  }

  private push(given: string): void {
    // Colours are for terminals; logs end up in reports and files (Immich's Nest logger colours every line).
    const line = stripAnsi(given);
    this.lines.push(line);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
    this.events.emit('line', line);
  }

  text(): string {
    return [...this.lines, ...(this.partial ? [this.partial] : [])].join('\n');
  }

  tail(n = 20): string {
    return this.text().split('\n').slice(-n).join('\n');
  }

  /** The first line (already seen or still to come) matching `pattern`; rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string> {
    const seen = this.lines.find((l) => pattern.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const onLine = (line: string) => {
        if (!pattern.test(line)) return;
        clearTimeout(timer);
        this.events.off('line', onLine);
        resolve(line);
      };
      const timer = setTimeout(() => {
        this.events.off('line', onLine);
        reject(new Error(`${this.name}: no log line matching ${pattern} within ${timeoutMs} ms; last lines:\n${this.tail()}`));
      }, timeoutMs);
      this.events.on('line', onLine);
    });
  }
}
