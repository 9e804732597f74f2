import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Faults applied to each HTTP call that goes through a {@link FaultProxy}. */
export interface FaultSettings {
  /**
   * Fraction (0–1) of calls answered `400 ThrottlingException` without reaching the emulator.
   * @default 0
   */
  readonly throttleFraction: number;
  /**
   * Fraction (0–1) of calls answered `503 ServiceUnavailable` without reaching the emulator.
   * @default 0
   */
  readonly unavailableFraction: number;
  /**
   * Fraction (0–1) of calls delayed by `latencyMs` before they are forwarded.
   * @default 0
   */
  readonly latencyFraction: number;
  /**
   * Added latency, in milliseconds (a random value up to this).
   * @default 0
   */
  readonly latencyMs: number;
  /**
   * When true, calls are forwarded to the emulator (so they take effect there) but the client's
   * connection is destroyed instead of getting the answer: a request half-done from the caller's side.
   * @default false
   */
  readonly dropResponses: boolean;
}

/** Options of {@link FaultProxy.start}. */
export interface FaultProxyOptions {
  /** The emulator's endpoint, e.g. `http://127.0.0.1:5000`. */
  readonly target: string;
  /**
   * Another endpoint for DynamoDB calls (`x-amz-target: DynamoDB_…`), e.g. a second emulator process
   * so that SQS and DynamoDB each get a CPU core.
   * @default - `target`
   */
  readonly dynamodbTarget?: string;
  /**
   * Port to listen on (127.0.0.1 only).
   * @default - a free port
   */
  readonly port?: number;
  /**
   * Random source for the fractions.
   * @default Math.random
   */
  readonly random?: () => number;
}

/** What a {@link FaultProxy} did, counted. */
export interface FaultProxyStats {
  requests: number;
  forwarded: number;
  throttled: number;
  unavailable: number;
  delayed: number;
  droppedResponses: number;
  /** Open client connections destroyed by `cut()`. */
  connectionsCut: number;
  /** Connections refused (destroyed on accept) while the endpoint was down. */
  connectionsRefused: number;
  /** Calls that failed between the proxy and the emulator. */
  upstreamErrors: number;
}

const NO_FAULTS: FaultSettings = { throttleFraction: 0, unavailableFraction: 0, latencyFraction: 0, latencyMs: 0, dropResponses: false };

/**
 * A loopback proxy between AWS SDK clients and the emulator that injects faults: it cuts every
 * connection (the endpoint goes down), answers a fraction of calls with `400 ThrottlingException` or
 * `503`, adds latency, or forwards a call and drops its answer. It speaks HTTP/1.1 on a TCP socket
 * bound to 127.0.0.1 and forwards to the emulator with a keep-alive agent.
 * @example
 * const proxy = await FaultProxy.start({ target: emulatorEndpoint });
 * const sqs = new SQSClient({ endpoint: proxy.endpoint });
 * proxy.set({ throttleFraction: 0.05 });
 * proxy.cut(3_000); // endpoint down for 3 s
 * await proxy.close();
 */
export class FaultProxy {
  /** Counters since the start. */
  readonly stats: FaultProxyStats = {
    requests: 0,
    forwarded: 0,
    throttled: 0,
    unavailable: 0,
    delayed: 0,
    droppedResponses: 0,
    connectionsCut: 0,
    connectionsRefused: 0,
    upstreamErrors: 0,
  };
  private faults: FaultSettings = NO_FAULTS;
  private downUntil = 0;
  private restoreTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly target: URL;
  private readonly dynamodbTarget: URL;
  private readonly random: () => number;

  private constructor(
    private readonly server: http.Server,
    options: FaultProxyOptions,
  ) {
    this.target = new URL(options.target);
    this.dynamodbTarget = new URL(options.dynamodbTarget ?? options.target);
    this.random = options.random ?? Math.random;
  }

  /** Starts the proxy on 127.0.0.1. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = http.createServer({ keepAlive: true });
    const proxy = new FaultProxy(server, options);
    server.on('connection', (socket) => proxy.accept(socket));
    server.on('request', (request, response) => proxy.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** The proxy's endpoint, to give to AWS SDK clients (`endpoint`, or `AWS_ENDPOINT_URL`). */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** True while the endpoint is cut. */
  get isDown(): boolean {
    return Date.now() < this.downUntil;
  }

  /** Changes the faults applied to the next calls (unnamed settings keep their value). */
  set(faults: Partial<FaultSettings>): void {
    this.faults = { ...this.faults, ...faults };
  }

  /** Removes every fault and brings a cut endpoint back. */
  clear(): void {
    this.faults = NO_FAULTS;
    this.restore();
  }

  /**
   * Takes the endpoint down: destroys every open connection (calls in flight fail with a reset) and
   * refuses new ones until `restore()`, or for `durationMs` when given.
   */
  cut(durationMs?: number): void {
    this.downUntil = durationMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + durationMs;
    if (this.restoreTimer) clearTimeout(this.restoreTimer);
    this.restoreTimer = durationMs === undefined ? undefined : setTimeout(() => this.restore(), durationMs);
    for (const socket of this.sockets) {
      this.stats.connectionsCut += 1;
      socket.destroy();
    }
  }

  /** Brings a cut endpoint back. */
  restore(): void {
    this.downUntil = 0;
    if (this.restoreTimer) clearTimeout(this.restoreTimer);
    this.restoreTimer = undefined;
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    this.restore();
    for (const socket of this.sockets) socket.destroy();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (this.isDown) {
      this.stats.connectionsRefused += 1;
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('error', () => undefined);
    request.on('end', () => {
      void this.respond(request, Buffer.concat(chunks), response);
    });
  }

  private async respond(request: http.IncomingMessage, body: Buffer, response: http.ServerResponse): Promise<void> {
    this.stats.requests += 1;
    const faults = this.faults;
    if (this.isDown) {
      request.socket.destroy();
      return;
    }
    if (faults.throttleFraction > 0 && this.random() < faults.throttleFraction) {
      this.stats.throttled += 1;
      this.answerError(response, 400, 'ThrottlingException', 'Rate exceeded');
      return;
    }
    if (faults.unavailableFraction > 0 && this.random() < faults.unavailableFraction) {
      this.stats.unavailable += 1;
      this.answerError(response, 503, 'ServiceUnavailable', 'Service is unavailable, try again');
      return;
    }
    if (faults.latencyFraction > 0 && faults.latencyMs > 0 && this.random() < faults.latencyFraction) {
      this.stats.delayed += 1;
      await new Promise((resolve) => setTimeout(resolve, this.random() * faults.latencyMs));
      if (this.isDown) {
        request.socket.destroy();
        return;
      }
    }
    const dropAnswer = faults.dropResponses;
    const target = String(request.headers['x-amz-target'] ?? '').startsWith('DynamoDB') ? this.dynamodbTarget : this.target;
    const upstream = http.request(
      {
        agent: this.agent,
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        // The client's Host header is kept, so queue URLs the emulator builds point back at the proxy.
        headers: { ...request.headers, 'content-length': String(body.length) },
      },
      (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('error', () => request.socket.destroy());
        answer.on('end', () => {
          this.stats.forwarded += 1;
          if (dropAnswer || this.isDown) {
            this.stats.droppedResponses += dropAnswer ? 1 : 0;
            request.socket.destroy();
            return;
          }
          const headers = { ...answer.headers };
          delete headers['transfer-encoding'];
          const payload = Buffer.concat(parts);
          headers['content-length'] = String(payload.length);
          response.writeHead(answer.statusCode ?? 502, headers);
          response.end(payload);
        });
      },
    );
    upstream.on('error', () => {
      this.stats.upstreamErrors += 1;
      request.socket.destroy();
    });
    upstream.end(body);
  }

  /** An error answer in the AWS JSON protocol's shape (SQS and DynamoDB both read `__type`). */
  private answerError(response: http.ServerResponse, status: number, type: string, message: string): void {
    const payload = JSON.stringify({ __type: type, message: `${message} (injected fault)` });
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-errortype': type,
      'x-amzn-query-error': `${type};Sender`,
      'x-amzn-requestid': `fault-${this.stats.requests}`,
      'content-length': String(Buffer.byteLength(payload)),
    });
    response.end(payload);
  }
}
