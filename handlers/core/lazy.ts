/**
 * Values made on first use and kept for the life of the container (a warm Lambda keeps them between
 * invocations): AWS clients, the channel secret, the bot's own identity.
 */

/**
 * A promise made on first use and kept for the life of the container — unless it fails: then the
 * next call makes it again. `reset()` forgets it (a rotated secret, a token the platform refused).
 * @example const me = lazyAsync(() => api("getMe")); await me();
 */
export function lazyAsync<T>(make: () => Promise<T>): (() => Promise<T>) & { reset(): void } {
  let kept: Promise<T> | undefined;
  const get = () => {
    if (!kept) {
      const made = make().catch((error: unknown) => {
        if (kept === made) kept = undefined;
        throw error;
      });
      kept = made;
    }
    return kept;
  };
  return Object.assign(get, {
    reset: () => {
      kept = undefined;
    },
  });
}

/** A value computed on first use and kept for the life of the container. */
export function lazy<T>(make: () => T): () => T {
  let made = false;
  let value: T;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value;
  };
}
