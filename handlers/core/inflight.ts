/**
 * Work started beside the main line that must be over before the process moves on: the relay's enqueues
 * and sends before it exits, the worker's indicator calls before an invocation ends (Lambda freezes
 * what is still running).
 */
export class Inflight {
  readonly #pending = new Set<Promise<unknown>>();

  /** Tracks `work` until it settles; returns it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#pending.add(work);
    const forget = () => this.#pending.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** How much is still running. */
  get size(): number {
    return this.#pending.size;
  }

  /** Resolves when everything tracked (also what is added meanwhile) settled, or after `timeoutMs`: true when all did. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#pending.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([...this.#pending]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, left);
        }),
      ]);
      clearTimeout(timer);
    }
    return true;
  }
}
