/**
 * What the semantic cache needs of an embedding model: one text in, one vector out. The gateway implements it over
 * its providers (`local/…` via vLLM, Bedrock Titan, an OpenAI-compatible endpoint). A rejection is a plain cache
 * miss for the caller, never an error for the client.
 */
export interface Embedder {
  /** The model's name in the model table: entries stored under another model are not compared with its vectors. */
  readonly model: string;
  embed(text: string, signal: AbortSignal): Promise<Float32Array>;
}

/**
 * A copy of `vector` scaled to unit length, so a dot product is the cosine similarity; undefined for an empty vector,
 * a zero vector or one holding a non-finite number (nothing sensible can be compared with those).
 */
export function unitVector(vector: ArrayLike<number>): Float32Array | undefined {
  let squares = 0;
  for (let i = 0; i < vector.length; i++) squares += vector[i]! * vector[i]!;
  const norm = Math.sqrt(squares);
  if (vector.length === 0 || norm === 0 || !Number.isFinite(norm)) return undefined;
  const unit = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) unit[i] = vector[i]! / norm;
  return unit;
}

/** Whether `vector` is of unit length (as unitVector makes them), to a float's rounding. */
export function isUnitLength(vector: Float32Array): boolean {
  let squares = 0;
  for (let i = 0; i < vector.length; i++) squares += vector[i]! * vector[i]!;
  return Math.abs(squares - 1) < 1e-4;
}
