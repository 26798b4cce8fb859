import type { LocalModelConfig } from '../config.js';
import type { EmbeddingsRequest, ChatRequest } from '../openai/types.js';
import { OpenAiProvider } from '../providers/openai/provider.js';
import type { CallContext, ChatAttempt, EmbeddingsAttempt, Provider } from '../providers/provider.js';

/**
 * A vLLM server on this instance: OpenAI-compatible, so the OpenAI provider speaks to it, but its own type. It is
 * never a passthrough target (a caller the gateway cannot check does not get the instance's GPUs) and takes no raw
 * requests. No API key: it listens on loopback only.
 */
export class LocalProvider implements Provider {
  readonly type = 'vllm' as const;
  readonly name: string;
  private readonly inner: OpenAiProvider;

  constructor(model: LocalModelConfig, limits: { connectTimeoutMs: number }) {
    this.name = model.name;
    // Enough pooled sockets for every request the gateway lets in at once: queued ones wait for a slot, not a socket.
    const maxSockets = model.overflow.maxConcurrency;
    this.inner = new OpenAiProvider({ name: model.name, type: 'openai', baseUrl: model.baseUrl, maxSockets }, limits);
  }

  chat(request: ChatRequest, ctx: CallContext): Promise<ChatAttempt> {
    return this.inner.chat(request, ctx);
  }

  embeddings(request: EmbeddingsRequest, ctx: CallContext): Promise<EmbeddingsAttempt> {
    return this.inner.embeddings(request, ctx);
  }

  close(): void {
    this.inner.close();
  }
}
