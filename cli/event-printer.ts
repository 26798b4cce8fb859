import type { StatusEvent } from '../runtime/status-types.js';
import type { Writer } from './context.js';
import { columnWidths, formatAge, formatRow } from './format.js';

const HEADERS = ['LAST', 'TYPE', 'REASON', 'OBJECT', 'COUNT', 'MESSAGE'];

/**
 * Prints status events as `csgw events` shows them. In table form the replayed events are held until `synced`
 * so they come out as one aligned table; later (watched) events reuse that table's column widths.
 * In json form every event is printed at once as one JSON object per line.
 */
export class EventPrinter {
  private replay: StatusEvent[] | undefined = [];
  private widths: number[] = HEADERS.map((h) => h.length);

  constructor(
    private readonly out: Writer,
    private readonly format: 'table' | 'json',
    private readonly now: () => Date,
  ) {}

  event(e: StatusEvent): void {
    if (this.format === 'json') this.out.write(`${JSON.stringify(e)}\n`);
    else if (this.replay) this.replay.push(e);
    else this.out.write(`${formatRow(eventRow(e, this.now()), this.widths)}\n`);
  }

  /** The replay is complete: print it. notes gets the "nothing yet" remark so stdout stays data only. */
  synced(notes: Writer, watching: boolean): void {
    const replay = this.replay;
    if (!replay || this.format === 'json') {
      this.replay = undefined;
      return;
    }
    this.replay = undefined;
    if (replay.length === 0 && !watching) {
      notes.write('No events.\n');
      return;
    }
    const rows = replay.map((e) => eventRow(e, this.now()));
    this.widths = columnWidths(HEADERS, rows).map((w, i) => Math.max(w, MIN_WIDTHS[i] ?? 0));
    for (const row of [HEADERS, ...rows]) this.out.write(`${formatRow(row, this.widths)}\n`);
  }
}

/** Room for typical values so events streamed after the table mostly stay aligned with it. */
const MIN_WIDTHS = [4, 7, 16, 20, 5];

export function eventRow(e: StatusEvent, now: Date): string[] {
  const object = `${e.object.kind.toLowerCase()}/${e.object.name}`;
  return [formatAge(new Date(e.lastTimestamp), now), e.type, e.reason, object, String(e.count), e.message];
}
