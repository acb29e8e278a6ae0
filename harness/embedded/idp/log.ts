// A bounded log buffer for reports. Never give it secrets or passwords.
export class LogBuffer {
  private lines: string[] = [];

  constructor(private readonly max = 2000) {}

  add(message: string): void {
    this.lines.push(`${new Date().toISOString()} ${message}`);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }

  text(): string {
    return this.lines.join('\n');
  }
}
