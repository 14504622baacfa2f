/**
 * The slice of electron-store the adapters use. electron-store satisfies it; tests use a
 * Map. Values read back are untrusted (the file may be old, edited or corrupted), so each
 * adapter validates what it loads.
 */
export interface KeyValueStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

export function createMemoryKeyValueStore(): KeyValueStore & {
  readonly data: Map<string, unknown>;
} {
  const data = new Map<string, unknown>();
  return {
    data,
    get: (key) => data.get(key),
    set: (key, value) => {
      // What a JSON file would keep: a copy, not a live reference.
      data.set(key, JSON.parse(JSON.stringify(value)) as unknown);
    },
    delete: (key) => {
      data.delete(key);
    },
  };
}
