// What every fake AWS endpoint (fake-ec2, fake-elbv2, fake-acm) shares: the HTTP server's life cycle, the calls it
// received, and injected failures (`failNext`). Each fake adds its own protocol (Query XML, JSON 1.1) in handle().
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface FailureRule {
  code: string;
  remaining: number;
}

export abstract class FakeAwsServer<Call> {
  readonly calls: Call[] = [];
  private readonly failures = new Map<string, FailureRule>();
  private readonly http: Server;

  constructor() {
    this.http = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (res.headersSent) return res.destroy();
        const body = JSON.stringify({ error: String(err) });
        res.writeHead(500, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
        res.end(body);
      });
    });
  }

  /** The next `count` calls of action fail with the AWS error code; count 0 removes the rule. */
  failNext(action: string, code: string, count = 1): void {
    if (count === 0) this.failures.delete(action);
    else this.failures.set(action, { code, remaining: count });
  }

  /** Resolves to the URL clients use (loopback for a wildcard bind). */
  listen(host = '127.0.0.1', port = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        const address = this.http.address() as AddressInfo;
        const wildcard = address.address === '0.0.0.0' || address.address === '::';
        const shown = wildcard ? '127.0.0.1' : address.address;
        resolve(`http://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}`);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.http.close((err) => (err ? reject(err) : resolve()));
      this.http.closeAllConnections();
    });
  }

  /** The error code of an armed failure for this call of `action` (one use of it), or undefined. */
  protected injectedFailure(action: string): string | undefined {
    const rule = this.failures.get(action);
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.failures.delete(action);
    return rule.code;
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}
