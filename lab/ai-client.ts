// `OPENAI_BASE_URL=http://<gateway>:8090/v1 OPENAI_API_KEY=<gateway key> node dist/lab/ai-client.js <model> <prompt>`:
// one chat completion made with the official openai SDK exactly as any application makes it (only the base URL
// points at the gateway). The lab runs it in its client namespace and prints what it says: one JSON line.
import OpenAI from 'openai';
import type { LabChatResult } from './ai-steps.js';

const [model = '', prompt = ''] = process.argv.slice(2);
// No SDK retries: the lab shows each request the gateway saw, once.
const client = new OpenAI({ maxRetries: 0, timeout: 15_000 });
try {
  const { data, response } = await client.chat.completions
    .create({ model, messages: [{ role: 'user', content: prompt }] })
    .withResponse();
  const result: LabChatResult = {
    content: data.choices[0]?.message.content ?? '',
    cache: response.headers.get('x-csgw-cache'),
    promptTokens: data.usage?.prompt_tokens ?? 0,
    completionTokens: data.usage?.completion_tokens ?? 0,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
