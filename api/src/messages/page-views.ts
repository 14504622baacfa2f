import { LRUCache } from 'lru-cache';
import type {
  AttachmentStore,
  HistoryRange,
  MessageRecord,
  MessageStore,
  MessageVersion,
} from '../store/types';
import { attachmentsByMessage, toMessage, withAttachments } from './views';

/** How much JSON the views of history pages keep by default (UTF-16 code units × 2). */
export const PAGE_VIEWS_BYTES = 32 * 1024 * 1024;

/** A message's view as JSON, kept for as long as the message's rev is the same. */
interface KeptView {
  rev: number;
  id: string;
  /**
   * `JSON.stringify(toMessage(record))` up to and including `"attachments":` (the view's
   * last field, the one part not decided by the record at this rev: an upload can be
   * attached after the message was stored, with no new rev), as UTF-8. A page is these
   * bytes joined: a string holding a single character beyond Latin-1 (an emoji) is two
   * bytes a character in V8, and the socket write converted a whole page of them to
   * UTF-8 on every request (~30 µs for 50 messages).
   */
  head: Buffer;
  /** A text message not deleted: the only kind whose attachments are shown. */
  showsAttachments: boolean;
}

/**
 * The last page built for a (conversation, range), as long as none of its messages showed
 * attachments (those are read each time). Used again when the store reports the very same
 * messages at the same revs, in the same order, still showing none: then not one of its
 * views is looked up, and its bytes are not joined again.
 */
interface KeptPage {
  seqs: number[];
  messages: { seq: number; view: KeptView }[];
  json: Buffer;
}

/**
 * What the kept pages may hold besides the views (UTF-8 bytes): a page's JSON, and its
 * views' heads again for those the views' own bound has let go of, about as many bytes.
 */
export const PAGES_BYTES = 8 * 1024 * 1024;

const ATTACHMENTS_TAIL = '[]}';
const NO_ATTACHMENTS = Buffer.from(ATTACHMENTS_TAIL);
const PAGE_OPEN = Buffer.from('{"messages":[');
const PAGE_CLOSE = Buffer.from(']}');
const COMMA = Buffer.from(',');

/** The JSON a history answer carries: `{"messages":[…]}`, byte for byte as Koa would. */
export interface HistoryPage {
  /** Ascending seq (rev for changedAfter), as `MessagesService.history` returns them. */
  seqs: number[];
  /** The JSON, as UTF-8 (or as a string when no views are kept). */
  json: Buffer | string;
}

/**
 * History pages built from the views of messages kept as JSON by (conversation, seq) and
 * used again only while the store reports the same rev for them (`listKnown`), so a page
 * of unchanged messages is neither rebuilt by SQLite, nor parsed, nor stringified.
 * Several processes may share the database and any of them may change a message: every
 * page asks the store for the revs of its messages, in the snapshot it reads the others
 * from. Bounded by the size of the JSON kept (least recently used first out).
 */
export class PageViews {
  private readonly views: LRUCache<string, KeptView>;
  private readonly pages = new LRUCache<string, KeptPage>({
    maxSize: PAGES_BYTES,
    // The JSON twice (its own bytes and the views' heads it holds), 16 bytes a message for
    // its seq, rev and view, and about 200 for the entry and its key.
    sizeCalculation: (page, key) =>
      page.json.length * 2 + page.seqs.length * 16 + key.length * 2 + 200,
  });

  constructor(
    private readonly messages: Pick<MessageStore, 'list' | 'listKnown'>,
    private readonly attachments: Pick<AttachmentStore, 'listForMessages'> | undefined,
    maxBytes: number = PAGE_VIEWS_BYTES,
  ) {
    this.views = new LRUCache<string, KeptView>({
      maxSize: maxBytes,
      // The head's bytes, two a code unit of the strings, and about 200 for the entry, its
      // Buffer's own backing store and the LRU's slots.
      sizeCalculation: (view, key) => view.head.length + (view.id.length + key.length) * 2 + 200,
    });
  }

  /** How many views are kept and the bytes counted for them (for tests and the bench). */
  get kept(): { views: number; bytes: number } {
    return { views: this.views.size, bytes: this.views.calculatedSize };
  }

  async page(conversationId: string, range: HistoryRange): Promise<HistoryPage> {
    const { listKnown } = this.messages;
    if (listKnown === undefined) {
      const messages = await withAttachments(
        await this.messages.list(conversationId, range),
        this.attachments,
      );
      return { seqs: messages.map((m) => m.seq), json: JSON.stringify({ messages }) };
    }
    const held = new Map<number, KeptView>();
    const prefix = `${conversationId}:`;
    const pageKey = prefix + pageKeyOf(range);
    const kept = this.pages.get(pageKey);
    // How many of the kept page's messages the store has reported unchanged so far, in
    // order; once one differs, the others are looked up one by one.
    let same = 0;
    let allSame = kept !== undefined;
    const entries = await listKnown.call(this.messages, conversationId, range, (seq, rev) => {
      if (allSame && kept !== undefined) {
        const next = kept.messages[same];
        if (next?.seq === seq && next.view.rev === rev) {
          same += 1;
          return true;
        }
        allSame = false;
        for (const known of kept.messages.slice(0, same)) held.set(known.seq, known.view);
      }
      const view = this.views.get(prefix + String(seq));
      if (view?.rev !== rev) return false;
      held.set(seq, view);
      return true;
    });
    if (kept !== undefined && allSame) {
      // The same messages at the same revs, and none of them shows attachments now either
      // (one can be attached with no new rev).
      const unchanged =
        same === kept.messages.length &&
        same === entries.length &&
        entries.every(
          (e, i) =>
            !isRecord(e) &&
            !(e.hasAttachments && kept.messages[i]?.view.showsAttachments !== false),
        );
      if (unchanged) return { seqs: kept.seqs, json: kept.json };
      for (const known of kept.messages.slice(0, same)) held.set(known.seq, known.view);
    }
    const page = entries.map((entry) =>
      isRecord(entry)
        ? { seq: entry.seq, view: this.keep(prefix, entry), files: entry.hasAttachments !== false }
        : { seq: entry.seq, view: held.get(entry.seq) as KeptView, files: entry.hasAttachments },
    );
    const showing = page.filter((p) => p.files && p.view.showsAttachments);
    const files = await this.filesOf(showing.map((p) => p.view.id));
    const parts: Buffer[] = [PAGE_OPEN];
    page.forEach(({ view }, i) => {
      if (i > 0) parts.push(COMMA);
      parts.push(view.head, files.get(view.id) ?? NO_ATTACHMENTS);
    });
    parts.push(PAGE_CLOSE);
    const seqs = entries.map((entry) => entry.seq);
    const json = Buffer.concat(parts);
    if (showing.length === 0) {
      this.pages.set(pageKey, {
        seqs,
        messages: page.map(({ seq, view }) => ({ seq, view })),
        json,
      });
    } else {
      this.pages.delete(pageKey);
    }
    return { seqs, json };
  }

  /** The view of a record read now, kept under its (conversation, seq). */
  private keep(prefix: string, record: MessageRecord): KeptView {
    const json = JSON.stringify(toMessage(record));
    // The view's last field is its attachments, empty without any given.
    if (!json.endsWith(`"attachments":${ATTACHMENTS_TAIL}`)) {
      throw new Error('a message view no longer ends with its attachments');
    }
    const head = json.slice(0, -ATTACHMENTS_TAIL.length);
    // A buffer of its own: a slice of Node's shared pool would keep the whole 8 KiB pool
    // alive for as long as the view is kept.
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(head));
    bytes.write(head);
    const view: KeptView = {
      rev: record.rev,
      id: record.id,
      head: bytes,
      showsAttachments: record.kind === 'text' && record.deletedAt === null,
    };
    this.views.set(prefix + String(record.seq), view);
    return view;
  }

  /**
   * The attachments of these messages as each one's JSON list and the closing brace of
   * its view, read in one lookup.
   */
  private async filesOf(messageIds: readonly string[]): Promise<Map<string, Buffer>> {
    const json = new Map<string, Buffer>();
    for (const [id, list] of await attachmentsByMessage(messageIds, this.attachments)) {
      json.set(id, Buffer.from(`${JSON.stringify(list)}}`));
    }
    return json;
  }
}

/** A range as a key: which of HistoryRange's fields are given, and their values. */
function pageKeyOf(range: HistoryRange): string {
  return JSON.stringify(range);
}

function isRecord(entry: MessageRecord | MessageVersion): entry is MessageRecord {
  return 'id' in entry;
}
