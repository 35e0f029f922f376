import type { SqlExecutor } from '../../store/port.js';
import type { JetStream } from './jetstream.js';

/**
 * Tells the workers about committed events: one message per event on its partition's subject, with
 * Nats-Msg-Id = event id so JetStream drops a second publish of the same event within its window.
 * The database already holds the event (it was acknowledged after the commit); a message that never
 * gets out (a crash between commit and publish, the stream unreachable) only delays processing —
 * workers also sweep their partitions for pending events.
 */
export class EventPublisher {
  constructor(
    private readonly j: JetStream,
    private readonly read: SqlExecutor,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  async publishIds(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await this.read.all<{ id: string; p: number }>(
      `SELECT id, (hashtext(subject) & 2147483647) % ? AS p FROM events WHERE id IN (${ids.map(() => '?').join(', ')})`,
      [this.j.settings.partitions, ...ids],
    );
    return this.publish(rows.map((r) => ({ id: r.id, partition: Number(r.p) })));
  }

  async publish(items: ReadonlyArray<{ id: string; partition: number }>): Promise<number> {
    const sent = await Promise.allSettled(items.map((i) => this.j.js.publish(this.j.subjectFor(i.partition), new TextEncoder().encode(i.id), { msgID: i.id })));
    const failed = sent.filter((s) => s.status === 'rejected');
    if (failed.length > 0) this.onError((failed[0] as PromiseRejectedResult).reason);
    return sent.length - failed.length;
  }
}
