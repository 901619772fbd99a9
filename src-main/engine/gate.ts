/** The pause gate: closed, the training loop waits at its next step until it is opened. */
export class Gate {
  private waiting: (() => void) | null = null;
  private closed = false;
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.closed = false;
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }
  get isClosed(): boolean {
    return this.closed;
  }
  async pass(): Promise<void> {
    if (!this.closed) return;
    await new Promise<void>((resolve) => (this.waiting = resolve));
  }
}

/** The training clock in milliseconds: performance.now() where there is one (Node, browsers, workers), else Date.now(). */
export function now(): number {
  return globalThis.performance ? globalThis.performance.now() : Date.now();
}
