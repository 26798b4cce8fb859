// In-memory view of all parameters, backed by one durable file per parameter.
// Mutations run through a serial queue and reach memory only after they are on disk.
import { fsyncDir } from './fsutil.js';
import { deleteRecords, loadAll, parametersDir, saveRecord } from './persistence.js';
import { SerialQueue } from './serial-queue.js';
import type { ParameterRecord } from './types.js';

export class ParameterStore {
  private readonly queue = new SerialQueue();
  private sortedNames: string[] | undefined;

  private constructor(
    private readonly dir: string,
    private readonly records: Map<string, ParameterRecord>,
  ) {}

  static async open(dataDir: string): Promise<ParameterStore> {
    const dir = parametersDir(dataDir);
    const records = await loadAll(dir);
    // Makes the (possibly just created) parameters directory itself durable.
    await fsyncDir(dataDir);
    return new ParameterStore(dir, records);
  }

  get size(): number {
    return this.records.size;
  }

  get(name: string): ParameterRecord | undefined {
    return this.records.get(name);
  }

  /** All parameters ordered by name, which keeps pagination stable. */
  all(): ParameterRecord[] {
    this.sortedNames ??= [...this.records.keys()].sort();
    return this.sortedNames.flatMap((name) => this.records.get(name) ?? []);
  }

  /** Runs a read-modify-write task exclusively. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.run(task);
  }

  /** Persists then publishes a record; call inside exclusive(). */
  async save(record: ParameterRecord): Promise<void> {
    await saveRecord(this.dir, record);
    if (!this.records.has(record.name)) this.sortedNames = undefined;
    this.records.set(record.name, record);
  }

  /** Durably removes parameters; call inside exclusive(). */
  async remove(names: string[]): Promise<void> {
    if (names.length === 0) return;
    await deleteRecords(this.dir, names);
    for (const name of names) this.records.delete(name);
    this.sortedNames = undefined;
  }

  async drain(): Promise<void> {
    await this.queue.drain();
  }
}
