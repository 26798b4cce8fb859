import { createHash } from 'node:crypto';

/**
 * TEST ONLY: a deterministic stand-in for an embedding model, so semantic-cache tests need no weights and no network.
 * It is a bag of normalised words hashed into a fixed number of dimensions and scaled to unit length: a paraphrase
 * that uses the same content words (after folding case, contractions, plurals, stop words and a few synonyms) gets a
 * cosine near 1, a question about something else gets a low one. It knows nothing of meaning beyond that word list;
 * never configure it for real traffic.
 */
export const TEST_EMBEDDING_DIMENSIONS = 256;

const STOP_WORDS = new Set(
  (
    'a an the is are was were be been am do does did of in on at to for from by with about as into ' +
    'what whats which who how please tell me i you your my it its this that these those can could would will ' +
    'and or but so if then than there their they we us our just some any'
  ).split(' '),
);

/** Folds a few everyday synonyms onto one word, so the paraphrase pairs in tests read naturally. */
const SYNONYMS: Record<string, string> = {
  city: 'capital',
  metropolis: 'capital',
  explain: 'describe',
  define: 'describe',
  meaning: 'describe',
  automobile: 'car',
  vehicle: 'car',
  quick: 'fast',
  rapid: 'fast',
  big: 'large',
  huge: 'large',
  biggest: 'largest',
  reply: 'answer',
  respond: 'answer',
};

export function testEmbedding(text: string, dimensions = TEST_EMBEDDING_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  // Each word counts once: "capital city" folds to one word twice, and a paraphrase should not weigh it double.
  for (const word of new Set(contentWords(text))) {
    const digest = createHash('sha256').update(word).digest();
    const slot = digest.readUInt32BE(0) % dimensions;
    vector[slot]! += digest[4]! & 1 ? 1 : -1;
  }
  const norm = Math.hypot(...vector);
  // An input of stop words only still gets a unit vector: one fixed direction, as a real model answers something.
  if (norm === 0) return vector.map((_, i) => (i === 0 ? 1 : 0));
  return vector.map((v) => v / norm);
}

export function contentWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/['’]s\b/g, '')
    .replace(/n['’]t\b/g, ' not')
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '' && !STOP_WORDS.has(w))
    .map((w) => SYNONYMS[w] ?? singular(w))
    .map((w) => SYNONYMS[w] ?? w);
}

function singular(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** Cosine similarity of two vectors of one length. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
