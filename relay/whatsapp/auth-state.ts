import {
  type AuthenticationCreds,
  type AuthenticationState,
  BufferJSON,
  initAuthCreds,
  proto,
  type SignalDataTypeMap,
} from "baileys";
import type { ObjectStore } from "../store.ts";

/** A Baileys auth state kept in an object store, so a restarted relay needs no new pairing. */
export interface StoredAuthState {
  readonly state: AuthenticationState;
  /** True when credentials were found (the account is paired). */
  readonly paired: boolean;
  /** Writes the credentials (call on Baileys' creds.update). */
  saveCreds(): Promise<void>;
  /** Deletes the credentials and every key (after a logout): the next connection pairs anew. */
  clear(): Promise<void>;
}

/**
 * Baileys' auth state over S3 keys, the layout of its own `useMultiFileAuthState`: `<prefix>creds.json`
 * and one object per signal key, `<prefix>keys/<type>/<id>.json`, in Baileys' Buffer-preserving JSON.
 * Writes to one key are serialized in call order; reads of a missing key give null.
 */
export async function storedAuthState(store: ObjectStore, prefix: string): Promise<StoredAuthState> {
  const chains = new Map<string, Promise<unknown>>();
  /** Runs `work` after the previous operation on the same key. */
  const serial = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const next = (chains.get(key) ?? Promise.resolve()).then(work, work);
    const settled = next.catch(() => undefined);
    chains.set(key, settled);
    settled.then(() => {
      if (chains.get(key) === settled) chains.delete(key);
    });
    return next;
  };
  const read = (key: string) =>
    serial(key, async () => {
      const text = await store.get(key);
      return text === undefined ? null : JSON.parse(text, BufferJSON.reviver);
    });
  const write = (key: string, value: unknown) =>
    serial(key, () => store.put(key, JSON.stringify(value, BufferJSON.replacer), "application/json"));
  const remove = (key: string) => serial(key, () => store.delete(key));
  const keyOf = (type: string, id: string) => `${prefix}keys/${type}/${encodeURIComponent(id)}.json`;
  const credsKey = `${prefix}creds.json`;

  const saved = (await read(credsKey)) as AuthenticationCreds | null;
  const creds = saved ?? initAuthCreds();
  return {
    paired: saved !== null,
    state: {
      creds,
      keys: {
        async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
          const out: { [id: string]: SignalDataTypeMap[T] } = {};
          await Promise.all(
            ids.map(async (id) => {
              let value = await read(keyOf(type, id));
              if (type === "app-state-sync-key" && value) {
                value = proto.Message.AppStateSyncKeyData.fromObject(value);
              }
              out[id] = value;
            }),
          );
          return out;
        },
        async set(data) {
          const tasks: Promise<unknown>[] = [];
          for (const [type, entries] of Object.entries(data)) {
            for (const [id, value] of Object.entries(entries ?? {})) {
              tasks.push(value ? write(keyOf(type, id), value) : remove(keyOf(type, id)));
            }
          }
          await Promise.all(tasks);
        },
      },
    },
    saveCreds: () => write(credsKey, creds),
    async clear() {
      await store.deletePrefix(prefix);
      Object.assign(creds, initAuthCreds());
    },
  };
}
