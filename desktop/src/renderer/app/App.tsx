import { useEffect } from 'react';
import { AuthScreen } from '../auth/AuthScreen';
import { connectStore, getAppStore, useChat } from '../store/store';
import { ChatShell } from './ChatShell';

export function App({ defaultServerUrl, web }: { defaultServerUrl: string; web: boolean }) {
  const ready = useChat((s) => s.ready);
  const session = useChat((s) => s.session);
  const sessionEnded = useChat((s) => s.sessionEnded);

  useEffect(() => {
    let unsubscribe: (() => void) | null = null;
    let cancelled = false;
    void connectStore(getAppStore(), window.chat).then((off) => {
      if (cancelled) off();
      else unsubscribe = off;
    });
    return () => {
      cancelled = true;
      unsubscribe?.();
    };
  }, []);

  if (!ready) {
    return (
      <div
        className="flex h-full items-center justify-center text-sm text-zinc-600 dark:text-zinc-400"
        role="status"
      >
        Loading…
      </div>
    );
  }
  if (session === null) {
    return (
      <AuthScreen
        defaultServerUrl={defaultServerUrl}
        serverField={!web}
        sessionEnded={sessionEnded}
      />
    );
  }
  return (
    <ChatShell key={`${session.serverUrl}|${session.user.id}`} session={session} addresses={web} />
  );
}
