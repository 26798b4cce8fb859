import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';

/** The port: a plain TCP listener handing its sockets to the HTTP server, so refusing and dying can close it. */
export class Listener {
  private server: net.Server | undefined;

  constructor(
    private readonly host: string,
    public port: number,
    private readonly onSocket: (socket: Socket) => void,
  ) {}

  get listening(): boolean {
    return this.server !== undefined;
  }

  async open(): Promise<void> {
    if (this.server) return;
    const server = net.createServer(this.onSocket);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  close(): void {
    this.server?.close();
    this.server = undefined;
  }
}

/** The open connections, and which are answering a request (an idle keep-alive one may be dropped at once). */
export class Connections {
  private readonly open = new Set<Socket>();
  private readonly answering = new Set<Socket>();

  hand(socket: Socket, server: Server): void {
    this.open.add(socket);
    socket.once('close', () => {
      this.open.delete(socket);
      this.answering.delete(socket);
    });
    server.emit('connection', socket);
  }

  busy(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    this.answering.add(socket);
    res.once('close', () => this.answering.delete(socket));
  }

  dropIdle(): void {
    for (const socket of this.open) if (!this.answering.has(socket)) socket.destroy();
  }

  dropAll(): void {
    for (const socket of this.open) socket.destroy();
  }
}
