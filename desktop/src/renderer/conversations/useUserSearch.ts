import { useEffect, useState } from 'react';
import type { Person } from '../../shared/bridge';
import { useDebounced } from '../ui/hooks';

export interface UserSearch {
  results: Person[];
  searching: boolean;
  error: string | null;
}

/** Searches users as the user types, waiting for a pause so each keystroke is not a request. */
export function useUserSearch(query: string, delayMs = 250): UserSearch {
  const debounced = useDebounced(query.trim(), delayMs);
  const [state, setState] = useState<UserSearch>({ results: [], searching: false, error: null });

  useEffect(() => {
    if (debounced === '') {
      setState({ results: [], searching: false, error: null });
      return;
    }
    let current = true;
    setState((s) => ({ ...s, searching: true, error: null }));
    void window.chat.searchUsers({ q: debounced, limit: 20 }).then((result) => {
      // A slower answer to an older query must not replace a newer one.
      if (!current) return;
      if (result.ok) setState({ results: result.value, searching: false, error: null });
      else setState({ results: [], searching: false, error: result.error.message });
    });
    return () => {
      current = false;
    };
  }, [debounced]);

  return { ...state, searching: state.searching || debounced !== query.trim() };
}
