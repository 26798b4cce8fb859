// In-memory view of all parameters, backed by one durable file per parameter.
// Mutations run through a serial queue and reach memory only after they are on disk.
import type { ChangeNotice, ChangeSink } from './changes.js';
import { fsyncDir } from './fsutil.js';
import { deleteRecords, loadAll, parametersDir, saveRecord } from './persistence.js';
import { SerialQueue } from './serial-queue.js';
import { latestVersion } from './render.js';
import type { ParameterRecord } from './types.js';

export class ParameterStore {
  private readonly queue = new SerialQueue();
  private sortedNames: string[] | undefined;

  private constructor(
    private readonly dir: string,
    private readonly records: Map<string, ParameterRecord>,
    private readonly onChange: ChangeSink | undefined,
  ) {}

  /** onChange hears every mutation once it is durable, in write order. */
  static async open(dataDir: string, onChange?: ChangeSink): Promise<ParameterStore> {
    const dir = parametersDir(dataDir);
    const records = await loadAll(dir);
    // Makes the (possibly just created) parameters directory itself durable.
    await fsyncDir(dataDir);
    return new ParameterStore(dir, records, onChange);
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

  /** Persists then publishes a record and reports the change; call inside exclusive(). */
  async save(record: ParameterRecord, notice: ChangeNotice): Promise<void> {
    await saveRecord(this.dir, record);
    if (!this.records.has(record.name)) this.sortedNames = undefined;
    this.records.set(record.name, record);
    this.report(record, notice);
  }

  /** Durably removes parameters and reports one Delete each; call inside exclusive(). */
  async remove(names: string[], region: string): Promise<void> {
    if (names.length === 0) return;
    const removed = names.flatMap((name) => this.records.get(name) ?? []);
    await deleteRecords(this.dir, names);
    for (const name of names) this.records.delete(name);
    this.sortedNames = undefined;
    for (const record of removed) this.report(record, { operation: 'Delete', region });
  }

  private report(record: ParameterRecord, notice: ChangeNotice): void {
    const latest = latestVersion(record);
    this.onChange?.({
      ...notice,
      name: record.name,
      type: latest.type,
      ...(latest.description !== undefined ? { description: latest.description } : {}),
    });
  }

  async drain(): Promise<void> {
    await this.queue.drain();
  }
}
