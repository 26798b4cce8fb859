import http from 'node:http';
import https from 'node:https';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
} from '@aws-sdk/client-bedrock-runtime';
// The client's default handler speaks HTTP/2 (for the bidirectional stream the gateway does not use); Converse,
// ConverseStream and InvokeModel work over HTTP/1.1, where a keep-alive agent bounds the pool per upstream.
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ProviderConfig } from '../../config.js';
import type { ChatRequest, EmbeddingsRequest } from '../../openai/types.js';
import type { CallContext, ChatAttempt, EmbeddingsAttempt, Provider } from '../provider.js';
import { assumeRoleCredentials, type AssumedRole, type AwsCredentials } from './credentials.js';
import { embed, type Invoke } from './embeddings.js';
import { bedrockFailure } from './errors.js';
import { startStream } from './stream.js';
import { InvalidRequest } from './translate-messages.js';
import { translateRequest } from './translate-request.js';
import { translateResponse, type ReplyMeta } from './translate-response.js';
import { once } from '../../once.js';

export interface BedrockProviderOptions {
  /** TCP (and TLS) connection set-up deadline; the config's limits.connectTimeoutMs. */
  connectTimeoutMs?: number;
  /** The external id the trust policy of `roleArn` requires (operational roles do). */
  externalId?: string;
  /** Tests only: static credentials in the default chain's place (used directly, or to assume `roleArn`). */
  credentials?: AwsCredentials;
  /** Tests only: the STS endpoint used to assume `roleArn`. */
  stsEndpoint?: string;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
/** AssumeRole answers in well under a second; a silent STS must not hold every Bedrock call. */
const STS_REQUEST_TIMEOUT_MS = 5_000;

/**
 * Amazon Bedrock through Converse / ConverseStream (chat) and InvokeModel (Titan and Cohere embeddings). One SDK
 * client per provider entry: SigV4 with the instance role (default chain) or an assumed role, no SDK retries (the
 * dispatcher retries and falls back), and every call bound to the caller's signal.
 */
export class BedrockProvider implements Provider {
  readonly name: string;
  readonly type = 'bedrock' as const;
  private readonly client: BedrockRuntimeClient;
  private readonly role?: AssumedRole;
  private inFlight = 0;
  private closing = false;

  constructor(config: ProviderConfig, options: BedrockProviderOptions = {}) {
    if (!config.region) throw new Error(`Bedrock provider "${config.name}" needs a region`);
    this.name = config.name;
    const connectionTimeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    if (config.roleArn) {
      this.role = assumeRoleCredentials({
        roleArn: config.roleArn,
        region: config.region,
        externalId: options.externalId,
        stsEndpoint: options.stsEndpoint,
        sourceCredentials: options.credentials,
        connectTimeoutMs: connectionTimeout,
        requestTimeoutMs: STS_REQUEST_TIMEOUT_MS,
      });
    }
    const credentials = this.role?.provider ?? options.credentials;
    this.client = new BedrockRuntimeClient({
      region: config.region,
      maxAttempts: 1,
      ...(config.baseUrl ? { endpoint: config.baseUrl } : {}),
      ...(credentials ? { credentials } : {}),
      requestHandler: new NodeHttpHandler({
        httpAgent: new http.Agent({ keepAlive: true, maxSockets: config.maxSockets }),
        httpsAgent: new https.Agent({ keepAlive: true, maxSockets: config.maxSockets }),
        connectionTimeout,
      }),
    });
  }

  async chat(request: ChatRequest, ctx: CallContext): Promise<ChatAttempt> {
    const translated = translateRequest(request);
    if (!translated.ok) return translated;
    const meta: ReplyMeta = {
      id: `chatcmpl-${ctx.requestId}`,
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      ...(translated.jsonTool === undefined ? {} : { jsonTool: translated.jsonTool }),
    };
    const release = this.hold();
    if (request.stream) {
      return startStream(
        (signal) => this.client.send(new ConverseStreamCommand(translated.input), { abortSignal: signal }),
        meta,
        ctx.signal,
        release,
      );
    }
    try {
      const out = await this.client.send(new ConverseCommand(translated.input), { abortSignal: ctx.signal });
      return { ok: true, completion: translateResponse(out, meta) };
    } catch (err) {
      return { ok: false, failure: bedrockFailure(err) };
    } finally {
      release();
    }
  }

  async embeddings(request: EmbeddingsRequest, ctx: CallContext): Promise<EmbeddingsAttempt> {
    const release = this.hold();
    try {
      return { ok: true, response: await embed(request, this.invoke(ctx.signal)) };
    } catch (err) {
      if (!(err instanceof InvalidRequest)) return { ok: false, failure: bedrockFailure(err) };
      return {
        ok: false,
        failure: { status: 400, type: 'invalid_request_error', code: err.code, message: err.message, retryable: false },
      };
    } finally {
      release();
    }
  }

  /** Calls in flight (streams included) finish on their connections; the pool goes when the last one ends. */
  close(): void {
    this.closing = true;
    if (this.inFlight === 0) this.destroy();
  }

  private hold(): () => void {
    this.inFlight++;
    return once(() => {
      this.inFlight--;
      if (this.closing && this.inFlight === 0) this.destroy();
    });
  }

  private destroy(): void {
    this.client.destroy();
    this.role?.close();
  }

  /** InvokeModel, keeping the response headers: Cohere's token count comes only in one. */
  private invoke(signal: AbortSignal): Invoke {
    return async (modelId, body) => {
      const command = new InvokeModelCommand({
        modelId,
        body: new TextEncoder().encode(body),
        contentType: 'application/json',
        accept: 'application/json',
      });
      let headers: Record<string, string> = {};
      command.middlewareStack.add(
        (next) => async (args) => {
          const result = await next(args);
          headers = (result.response as { headers?: Record<string, string> }).headers ?? {};
          return result;
        },
        { step: 'deserialize', name: 'csgwResponseHeaders' },
      );
      const out = await this.client.send(command, { abortSignal: signal });
      return { body: new TextDecoder().decode(out.body), headers };
    };
  }
}
