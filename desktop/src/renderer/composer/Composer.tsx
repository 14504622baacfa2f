import {
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type SyntheticEvent,
} from 'react';
import { LIMITS } from '@chat/protocol';
import { setComposerIntent, useComposerIntent } from '../conversation/message-actions';
import { getAppStore, useChat } from '../store/store';
import { insertMention, matchMembers, mentionQuery, type MentionQuery } from './mentions';
import { SendIcon } from '../ui/icons';
import { draftsFor } from './drafts';
import { composerLimit } from './limit';
import { useTypingSignal } from './useTypingSignal';
import { PendingFilesStrip, usePendingFiles } from './attachments';

export function Composer({
  conversationId,
  title,
  selfId,
}: {
  conversationId: string;
  title: string;
  selfId: string;
}) {
  const drafts = draftsFor(selfId);
  const [text, setText] = useState(() => drafts.get(conversationId));
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const counterId = useId();
  const typing = useTypingSignal(conversationId);
  const limit = composerLimit(text);
  // (version 2) Replying to or editing a message, chosen from the message's actions.
  const intent = useComposerIntent(conversationId);
  const editingSeq = intent?.kind === 'edit' ? intent.seq : null;
  // Before the browser paints: the "Editing message" bar and the message's text appear in
  // one frame, so nothing typed (or read) in between lands in a composer about to be
  // overwritten.
  useLayoutEffect(() => {
    if (intent?.kind !== 'edit') return;
    setText(intent.body);
    inputRef.current?.focus();
  }, [editingSeq]);
  useEffect(() => {
    if (intent?.kind === 'reply') inputRef.current?.focus();
  }, [intent]);
  const cancelIntent = () => {
    if (intent?.kind === 'edit') setText(drafts.get(conversationId));
    setComposerIntent(conversationId, null);
  };
  // (version 2) The `@` member picker: open while the caret ends an `@word`.
  const members = useChat((s) => s.conversations[conversationId]?.members);
  const [mention, setMention] = useState<MentionQuery | null>(null);
  const [mentionIndex, setMentionIndex] = useState(0);
  const candidates =
    mention === null || members === undefined ? [] : matchMembers(members, mention.query, selfId);
  const pickerOpen = candidates.length > 0;
  const followCaret = (value: string, caret: number | null) => {
    const next = caret === null ? null : mentionQuery(value, caret);
    setMention((current) =>
      current?.start === next?.start && current?.query === next?.query ? current : next,
    );
    if (next?.query !== mention?.query) setMentionIndex(0);
  };
  // Where the caret goes once the text a pick produced is in the field. Put there in the
  // same commit as that text, before the browser handles another key: a caret placed on a
  // later frame would pull back whatever was typed meanwhile (on a busy machine frames come
  // late, and the next characters landed before the ones typed first).
  const caretAfterPick = useRef<number | null>(null);
  useLayoutEffect(() => {
    const caret = caretAfterPick.current;
    const input = inputRef.current;
    if (caret === null || input === null) return;
    caretAfterPick.current = null;
    input.focus();
    input.setSelectionRange(caret, caret);
  });
  const pickMention = (username: string) => {
    const input = inputRef.current;
    if (mention === null || input === null) return;
    const next = insertMention(text, mention, input.selectionStart, username);
    change(next.text);
    // Closing the picker re-renders even when the text comes out the same.
    setMention(null);
    caretAfterPick.current = next.caret;
  };
  const pending = usePendingFiles();
  const fileInputRef = useRef<HTMLInputElement>(null);
  const withFiles = pending.files.length > 0;
  // Files alone make a message; they must all be uploaded first.
  const canSend = withFiles ? pending.ready && !limit.tooLong : limit.canSend;

  useEffect(() => {
    inputRef.current?.focus();
  }, [conversationId]);

  const change = (value: string) => {
    setText(value);
    setError(null);
    // An edit is not a draft: the draft comes back when the edit ends.
    if (intent?.kind === 'edit') return;
    drafts.set(conversationId, value);
    typing.typed(value);
  };

  const send = async () => {
    if (!canSend || sending) return;
    setSending(true);
    typing.stop();
    const body = text;
    if (intent?.kind === 'edit') {
      const edited = await window.chat.editMessage({ conversationId, seq: intent.seq, body });
      setSending(false);
      if (!edited.ok) {
        setError(`Not saved: ${edited.error.message}`);
        return;
      }
      setComposerIntent(conversationId, null);
      setText(drafts.get(conversationId));
      inputRef.current?.focus();
      return;
    }
    const replyToSeq = intent?.kind === 'reply' ? intent.seq : undefined;
    const attachments = pending.attachments;
    const result = await window.chat.sendMessage(
      attachments.length > 0
        ? { conversationId, body, attachments, replyToSeq }
        : { conversationId, body, replyToSeq },
    );
    setSending(false);
    if (result.ok && replyToSeq !== undefined) setComposerIntent(conversationId, null);
    if (!result.ok) {
      // The text stays in the field: nothing the user wrote is dropped.
      setError(`Not sent: ${result.error.message}`);
      return;
    }
    if (attachments.length > 0) pending.clear();
    // Only clear what was sent; anything typed meanwhile stays.
    setText((current) => {
      const rest = current === body ? '' : current;
      drafts.set(conversationId, rest);
      return rest;
    });
    inputRef.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (pickerOpen) {
      const count = candidates.length;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setMentionIndex((i) => (Math.min(i, count - 1) + step + count) % count);
        return;
      }
      if ((event.key === 'Enter' || event.key === 'Tab') && !event.nativeEvent.isComposing) {
        event.preventDefault();
        const chosen = candidates[Math.min(mentionIndex, count - 1)];
        if (chosen) pickMention(chosen.username);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        setMention(null);
        return;
      }
    }
    // Up in an empty composer edits the user's last message, as in other chat apps.
    if (event.key === 'ArrowUp' && text === '' && intent === null) {
      const last = getAppStore()
        .getState()
        .messages[conversationId]?.items.findLast(
          (m) => m.mine && m.seq !== null && m.deletedAt === null && m.kind === 'text',
        );
      if (last?.seq != null) {
        event.preventDefault();
        setComposerIntent(conversationId, { kind: 'edit', seq: last.seq, body: last.body });
        return;
      }
    }
    if (event.key === 'Escape' && intent !== null) {
      event.preventDefault();
      cancelIntent();
      return;
    }
    // Enter sends; Shift+Enter is a new line; Enter while composing (IME) is the IME's.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  const onSubmit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    void send();
  };

  const over = limit.tooLong;
  return (
    <form
      onSubmit={onSubmit}
      onDragOver={(event) => {
        if (event.dataTransfer.types.includes('Files')) event.preventDefault();
      }}
      onDrop={(event) => {
        if (event.dataTransfer.files.length === 0) return;
        event.preventDefault();
        pending.add([...event.dataTransfer.files]);
      }}
      className="border-t border-zinc-200 bg-white px-4 py-3 dark:border-zinc-800 dark:bg-zinc-900"
    >
      {(error !== null || over) && (
        <p role="alert" className="mb-2 text-sm text-red-600 dark:text-red-400">
          {over
            ? `This message is ${-limit.remaining} character${limit.remaining === -1 ? '' : 's'} over the ${LIMITS.messageBodyMax}-character limit. Shorten it to send.`
            : error}
        </p>
      )}
      {intent !== null && (
        <div
          data-testid="composer-intent"
          className="mb-2 flex items-start gap-2 border-l-2 border-blue-500 pl-2 text-xs text-zinc-600 dark:text-zinc-300"
        >
          <p className="min-w-0 flex-1">
            <span className="block font-semibold">
              {intent.kind === 'edit' ? 'Editing message' : `Replying to ${intent.senderName}`}
            </span>
            {intent.kind === 'reply' && <span className="line-clamp-1">{intent.excerpt}</span>}
          </p>
          <button
            type="button"
            onClick={cancelIntent}
            aria-label={intent.kind === 'edit' ? 'Cancel editing' : 'Cancel reply'}
            className="rounded px-1.5 py-0.5 hover:bg-zinc-100 dark:hover:bg-zinc-800"
          >
            Cancel
          </button>
        </div>
      )}
      {pickerOpen && (
        <ul
          id={`${counterId}-mentions`}
          role="listbox"
          aria-label="Members"
          data-testid="mention-picker"
          className="mb-2 max-h-56 overflow-y-auto rounded-lg bg-white p-1 shadow-lg ring-1 ring-zinc-200 dark:bg-zinc-800 dark:ring-zinc-700"
        >
          {candidates.map((member, i) => {
            const active = i === Math.min(mentionIndex, candidates.length - 1);
            return (
              <li
                key={member.id}
                id={`${counterId}-mention-${i}`}
                role="option"
                aria-selected={active}
                // Pointer down, not click: the textarea keeps focus (and its caret).
                onPointerDown={(event) => {
                  event.preventDefault();
                  pickMention(member.username);
                }}
                onPointerEnter={() => setMentionIndex(i)}
                className={`flex cursor-pointer items-baseline gap-2 rounded-md px-2 py-1 text-sm ${
                  active
                    ? 'bg-blue-600 text-white'
                    : 'text-zinc-800 hover:bg-zinc-100 dark:text-zinc-100 dark:hover:bg-zinc-700'
                }`}
              >
                <span className="font-medium">{member.displayName}</span>
                <span className={active ? 'text-blue-100' : 'text-zinc-600 dark:text-zinc-400'}>
                  @{member.username}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      <PendingFilesStrip files={pending.files} onRemove={pending.remove} onRetry={pending.retry} />
      <div className="flex items-end gap-2">
        <input
          ref={fileInputRef}
          type="file"
          multiple
          hidden
          data-testid="attach-input"
          onChange={(event) => {
            pending.add([...(event.target.files ?? [])]);
            event.target.value = '';
          }}
        />
        <button
          type="button"
          aria-label="Attach files"
          title="Attach files"
          onClick={() => fileInputRef.current?.click()}
          className="inline-flex size-10 shrink-0 items-center justify-center rounded-full text-xl text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800"
        >
          +
        </button>
        <label className="sr-only" htmlFor={`${counterId}-input`}>
          Message {title}
        </label>
        <textarea
          id={`${counterId}-input`}
          ref={inputRef}
          rows={1}
          value={text}
          onChange={(e) => {
            change(e.target.value);
            followCaret(e.target.value, e.target.selectionStart);
          }}
          onSelect={(e) => followCaret(e.currentTarget.value, e.currentTarget.selectionStart)}
          onKeyDown={onKeyDown}
          // A textbox with a suggestion list (aria-autocomplete), not a combobox: it is first
          // of all the message field.
          aria-autocomplete="list"
          aria-controls={pickerOpen ? `${counterId}-mentions` : undefined}
          aria-activedescendant={
            pickerOpen
              ? `${counterId}-mention-${Math.min(mentionIndex, candidates.length - 1)}`
              : undefined
          }
          onPaste={(event) => {
            // A pasted image (a screenshot) becomes a file to send; pasted text stays text.
            const files = [...event.clipboardData.files];
            if (files.length === 0) return;
            event.preventDefault();
            pending.add(files);
          }}
          onBlur={() => {
            typing.stop();
            setMention(null);
          }}
          placeholder={`Message ${title}`}
          aria-invalid={over}
          aria-describedby={limit.showCounter ? counterId : undefined}
          className="field-sizing-content max-h-48 min-h-10 flex-1 resize-none rounded-2xl border border-zinc-300 bg-zinc-50 px-4 py-2 text-[15px] leading-snug placeholder:text-zinc-500 focus:border-blue-500 focus:ring-2 focus:ring-blue-500/30 focus:outline-none focus-visible:outline-none dark:border-zinc-700 dark:bg-zinc-800 dark:placeholder:text-zinc-600 dark:text-zinc-400"
        />
        <button
          type="submit"
          disabled={!canSend || sending}
          aria-label={intent?.kind === 'edit' ? 'Save edit' : 'Send'}
          title={over ? 'Too long to send' : 'Send (Enter)'}
          className="inline-flex size-10 shrink-0 items-center justify-center rounded-full bg-blue-600 text-white hover:bg-blue-700 disabled:cursor-not-allowed disabled:bg-zinc-200 disabled:text-zinc-400 dark:disabled:bg-zinc-800 dark:disabled:text-zinc-600"
        >
          <SendIcon />
        </button>
      </div>
      {limit.showCounter && (
        <p
          id={counterId}
          aria-live="polite"
          className={`mt-1 text-right text-xs tabular-nums ${over ? 'font-semibold text-red-600 dark:text-red-400' : 'text-zinc-600 dark:text-zinc-400'}`}
        >
          {limit.length} / {LIMITS.messageBodyMax}
        </p>
      )}
    </form>
  );
}
