/**
 * The rhythm every demo desk works to: one round every so often, until stopped. A round that fails
 * is handed to `failed` and the next one comes on time: a demo runs for hours, and a desk counts its
 * failures rather than stopping (or logging each one).
 */
export class PeriodicDesk {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly round: () => void | Promise<void>,
    private readonly failed: (e: unknown) => void = () => undefined,
  ) {}

  /** Starting again replaces the running rhythm, so a second start never leaves a timer nobody stops. */
  start(everyMs: number): void {
    this.stop();
    this.timer = setInterval(() => void Promise.resolve().then(this.round).catch(this.failed), everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
