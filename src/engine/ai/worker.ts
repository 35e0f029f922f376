import type { Store } from '../../store/port.js';
import type { Intake } from '../intake/intake.js';
import type { AiPort, AiResult } from '../../domain/ai/port.js';
import { RETURN_REASON_CATEGORIES, type ReturnReasonCategory } from '../../domain/ai/labels.js';
import type { AiRecord } from '../../domain/returns/events.js';
import { dueAiWork, finishAiWork, retryAiWork, returnCaseById, ticketById, type AiTask } from '../../store/repos/returns.js';
import { returnCaseFacts } from '../returns/facts.js';
import { askAi, type ConfiguredAi } from './provider.js';

export interface AiWorkerSettings {
  timeoutMs: number;
  pollMs: number;
  maxAttempts: number;
}

/**
 * Asks the model, outside every transaction, for what handlers queued (`ai_work`), and appends the
 * answer — or why there is none — as a decided event. Handlers then decide on the recorded answer,
 * so a replay of the log reads it instead of asking again, and a slow or broken model never holds
 * a transaction open. The event's source id is the work item, so two workers (or a restart between
 * append and bookkeeping) append it once.
 */
export class AiWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly store: Store,
    private readonly intake: Intake,
    private readonly ai: ConfiguredAi,
    private readonly settings: AiWorkerSettings,
    private readonly clock: () => number = Date.now,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.runOnce().catch((e) => (this.onError(e), 0)).finally(() => (this.running = null));
    }, this.settings.pollMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One round over due work; returns how many items were answered. */
  async runOnce(limit = 20): Promise<number> {
    const due = await dueAiWork(this.store.read, this.clock(), limit);
    let done = 0;
    for (const w of due) {
      try {
        await this.work(w.task, w.subjectRef);
        await this.store.transaction((tx) => finishAiWork(tx, w.id));
        done++;
      } catch (e) {
        const attempts = w.attempts + 1;
        const delay = Math.min(60_000, 500 * 2 ** attempts);
        await this.store.transaction((tx) => retryAiWork(tx, w.id, attempts, this.clock() + delay, e instanceof Error ? e.message : String(e), attempts >= this.settings.maxAttempts));
        this.onError(e);
      }
    }
    return done;
  }

  private ask<L extends string>(task: string, input: unknown, call: (port: AiPort) => Promise<AiResult<L>>, fallback: boolean): Promise<AiRecord> {
    return askAi(this.ai, this.settings.timeoutMs, task, input, call, fallback);
  }

  private async work(task: AiTask, ref: string): Promise<void> {
    if (task === 'classify_return') {
      const c = await returnCaseById(this.store.read, ref);
      if (!c || c.state !== 'requested') return;
      const context = { channel: c.doc.orderRef.source, ...(c.doc.reasonCode ? { marketplaceReasonCode: c.doc.reasonCode } : {}) };
      const classification = await this.ask('return-reason', { text: c.doc.reason, context }, (p) => p.classifyReturnReason(c.doc.reason, context), true);
      const category: ReturnReasonCategory =
        classification.status === 'answered' && (RETURN_REASON_CATEGORIES as readonly string[]).includes(classification.label ?? '') ? (classification.label as ReturnReasonCategory) : 'other';
      const facts = await returnCaseFacts(this.store.read, c, category);
      // No fallback here: when the configured model cannot recommend, the deterministic rules decide.
      const recommendation = await this.ask('disposition', facts, (p) => p.recommendDisposition(facts), false);
      await this.append('return.classified', `return.classified:${c.id}`, { caseId: c.id, classification, recommendation, facts });
    } else {
      const t = await ticketById(this.store.read, ref);
      if (!t || t.state !== 'open') return;
      const context = { channel: t.source, ...(typeof t.doc.previousContacts === 'number' ? { previousContacts: t.doc.previousContacts } : {}) };
      const classification = await this.ask('ticket-triage', { text: t.doc.text, context }, (p) => p.triageTicket(t.doc.text, context), true);
      await this.append('ticket.triaged', `ticket.triaged:${t.id}`, { ticketId: t.id, classification });
    }
  }

  private async append(type: string, sourceEventId: string, payload: Record<string, unknown>): Promise<void> {
    const r = await this.intake.submit(
      { source: 'ai', sourceEventId, type, occurredAt: new Date(this.clock()).toISOString(), payload },
      { internal: true, actor: 'ai-worker', actorRole: 'system' },
    );
    // Already answered (a restart after the append): the first answer stands.
    if (!r.ok && r.error.code !== 'E_IDEMPOTENCY_MISMATCH') throw r.error;
  }
}
