import type { App } from '../app.js';
import { eventById } from '../store/repos/events.js';

/**
 * Runs this process's dispatcher until the given events are no longer pending. Safe beside a
 * running server on the same store: batches are claimed inside write transactions (SQLite's
 * writer lock, PostgreSQL's advisory lock), so an event is never processed by both.
 */
export async function settle(app: App, ids: string[], timeoutMs = 120_000): Promise<{ processed: number; dead: number; pending: number }> {
  app.dispatcher.start();
  const deadline = Date.now() + timeoutMs;
  const counts = { processed: 0, dead: 0, pending: 0 };
  for (const id of ids) {
    for (;;) {
      const e = await eventById(app.store.read, id);
      if (!e || e.status !== 'pending' || Date.now() > deadline) {
        if (e?.status === 'processed') counts.processed++;
        else if (e?.status === 'dead') counts.dead++;
        else counts.pending++;
        break;
      }
      await app.waiters.wait(id, 100);
    }
  }
  await app.dispatcher.stop();
  return counts;
}
