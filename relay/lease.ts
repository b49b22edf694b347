/** The object in the state bucket that says which relay task may write the state (see `acquireLease`). */
export const LEASE_KEY = "lease.json";
