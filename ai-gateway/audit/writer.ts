import { createWriteStream, type WriteStream } from 'node:fs';
import { chmod, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditConfig } from '../config.js';
import { redactSecrets, type AuditLine } from './record.js';

/** What the writer logs: a pino logger fits. */
export interface WarnLog {
  warn(details: object, message: string): void;
}

const AGE_CHECK_MS = 60_000;

/** The time of a file's first line, the file's birth for age rotation (the clock that wrote it, not the disk's). */
async function firstLineTime(file: string): Promise<number | undefined> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const first = buffer.subarray(0, bytesRead).toString('utf8').split('\n', 1)[0] ?? '';
    const time = Date.parse((JSON.parse(first) as { time?: string }).time ?? '');
    return Number.isNaN(time) ? undefined : time;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/**
 * Appends audit lines (JSON, one per call) to a 0600 file through a write stream; never blocks the request path.
 * The file is rotated when the next line would pass `maxBytes` or the file is `maxAgeSeconds` old: audit.log ->
 * audit.log.1 -> ... -> audit.log.<maxFiles>, the oldest removed. Lines written during a rotation wait in memory and
 * follow in order, each written whole by one call, so none is lost or split.
 */
export class AuditWriter {
  private stream: WriteStream | undefined;
  private size = 0;
  private openedAt = 0;
  private readonly waiting: string[] = [];
  private rotating: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private secrets: readonly string[] = [];
  private closed = false;

  constructor(
    private readonly config: AuditConfig,
    private readonly now: () => number,
    private readonly log: WarnLog,
  ) {}

  /** Opens (or resumes) the file. A disabled audit touches no file. */
  async open(): Promise<void> {
    if (!this.config.enabled) return;
    await mkdir(dirname(this.config.file), { recursive: true, mode: 0o700 });
    const info = await stat(this.config.file).catch(() => undefined);
    this.size = info?.size ?? 0;
    this.openedAt = this.now();
    if (info) {
      await chmod(this.config.file, 0o600);
      if (info.size > 0) this.openedAt = (await firstLineTime(this.config.file)) ?? info.mtimeMs;
    }
    this.stream = this.createStream();
    const every = Math.max(1000, Math.min(AGE_CHECK_MS, this.config.maxAgeSeconds * 1000));
    this.timer = setInterval(() => this.rotateIfDue(), every);
    this.timer.unref();
  }

  /** Values masked wherever they would appear (the providers' API keys); replaces the previous list (reloads). */
  setSecrets(secrets: readonly string[]): void {
    this.secrets = [...secrets];
  }

  write(line: AuditLine): void {
    if (!this.config.enabled || this.closed) return;
    const text = `${redactSecrets(JSON.stringify(line), this.secrets)}\n`;
    if (this.rotating || this.due(Buffer.byteLength(text))) {
      this.waiting.push(text);
      this.rotating ??= this.rotate();
      return;
    }
    this.append(text);
  }

  /** Rotates an idle file that has grown old (also on a timer, so an old file does not wait for traffic). */
  rotateIfDue(): void {
    if (this.stream && !this.rotating && this.due(0)) this.rotating = this.rotate();
  }

  private due(bytes: number): boolean {
    if (this.size === 0) return false;
    return this.size + bytes > this.config.maxBytes || this.now() - this.openedAt >= this.config.maxAgeSeconds * 1000;
  }

  private append(text: string): void {
    if (!this.stream || this.stream.destroyed) this.stream = this.createStream();
    this.stream.write(text);
    this.size += Buffer.byteLength(text);
  }

  private createStream(): WriteStream {
    const stream = createWriteStream(this.config.file, { flags: 'a', mode: 0o600 });
    stream.on('error', (error) => this.log.warn({ file: this.config.file, error }, 'audit log write failed'));
    return stream;
  }

  private async rotate(): Promise<void> {
    try {
      do {
        await this.endStream();
        await this.shift();
        this.size = 0;
        this.openedAt = this.now();
        this.stream = this.createStream();
        this.drain(false);
      } while (this.waiting.length > 0);
    } catch (error) {
      // Keep the lines: they go to the current file, over its limit, until the next rotation succeeds.
      this.log.warn({ file: this.config.file, error }, 'audit log rotation failed');
      this.drain(true);
    } finally {
      this.rotating = undefined;
    }
  }

  /** Writes waiting lines in order, until one would need another rotation (unless `all`). */
  private drain(all: boolean): void {
    while (this.waiting.length > 0) {
      const text = this.waiting[0]!;
      if (!all && this.due(Buffer.byteLength(text))) return;
      this.waiting.shift();
      this.append(text);
    }
  }

  /** audit.log.<i> -> audit.log.<i+1>, the last removed, audit.log -> audit.log.1. */
  private async shift(): Promise<void> {
    const { file, maxFiles } = this.config;
    const name = (index: number): string => (index === 0 ? file : `${file}.${index}`);
    await rm(name(Math.max(maxFiles, 0)), { force: true });
    for (let index = maxFiles - 1; index >= 0; index--) {
      try {
        await rename(name(index), name(index + 1));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }

  private async endStream(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (!stream || stream.destroyed) return;
    await new Promise<void>((resolve) => stream.end(() => resolve()));
  }

  /** Writes what is waiting and closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    while (this.rotating) await this.rotating;
    await this.endStream();
  }
}
