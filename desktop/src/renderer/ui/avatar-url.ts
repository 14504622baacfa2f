import { useEffect, useState } from 'react';

/** Whose avatar, and which one (its attachment id: a new avatar is a new picture). */
export interface AvatarSource {
  kind: 'user' | 'conversation';
  /** The user's or the conversation's id. */
  id: string;
  avatarId: string;
}

/**
 * Blob URLs of avatars, one per picture for the whole window: the same face is shown in
 * many rows, and fetching it once per row would be wasteful. A failed fetch is forgotten
 * so a later render may try again. Bounded: the oldest are revoked past the limit.
 */
const MAX_CACHED = 200;
const cache = new Map<string, Promise<string | null>>();

function keyOf(source: AvatarSource): string {
  return `${source.kind}:${source.id}:${source.avatarId}`;
}

function load(source: AvatarSource): Promise<string | null> {
  const key = keyOf(source);
  const cached = cache.get(key);
  if (cached) return cached;
  const loading = window.chat.avatarBytes(source).then((result) => {
    if (!result.ok) {
      cache.delete(key);
      return null;
    }
    return URL.createObjectURL(
      new Blob([result.value.bytes as Uint8Array<ArrayBuffer>], {
        type: result.value.contentType,
      }),
    );
  });
  cache.set(key, loading);
  while (cache.size > MAX_CACHED) {
    const [oldestKey, oldest] = cache.entries().next().value ?? [];
    if (oldestKey === undefined || oldest === undefined) break;
    cache.delete(oldestKey);
    void oldest.then((url) => url !== null && URL.revokeObjectURL(url));
  }
  return loading;
}

/** The avatar's blob URL once loaded; null while loading, without one, or when it failed. */
export function useAvatarUrl(source: AvatarSource | null | undefined): string | null {
  const key = source ? keyOf(source) : null;
  const [loaded, setLoaded] = useState<{ key: string; url: string | null } | null>(null);
  useEffect(() => {
    if (!source || key === null) return;
    let live = true;
    void load(source).then((url) => {
      if (live) setLoaded({ key, url });
    });
    return () => {
      live = false;
    };
    // `key` names the source entirely.
  }, [key]);
  return loaded !== null && loaded.key === key ? loaded.url : null;
}
