import { LRUCache } from 'lru-cache';
import type { AvatarRecord } from '../store/types';
import { toUser } from '../auth/service';

/**
 * A conversation's view as JSON text around the parts that differ between members or
 * change with every receipt, in the view's field order (`conversationWith`):
 * `head` members `middle` lastReadSeq `,"unreadCount":` n `,"receipts":` […] `tail`
 * notifications `end`.
 */
export interface SharedViewText {
  /** `{"id":…,"type":…,"title":…,"members":` */
  head: string;
  /** `,"createdAt":…,"lastMessage":…,"lastReadSeq":` */
  middle: string;
  /** `,"rev":…,"admins":[…],"notifications":` */
  tail: string;
  /** `,"avatar":…}` */
  end: string;
}

/** What the list keeps of one conversation between requests, valid for one `version`. */
export interface ListEntry {
  version: string;
  /** Where it sits in the list: its last activity (epoch ms), then its id. */
  at: number;
  id: string;
  memberIds: readonly string[];
  /**
   * The view's text as UTF-8, ready to be copied into an answer: written out once, an
   * answer of 200 conversations is a copy of its pieces, not a string of a few thousand
   * parts that the write would flatten and encode again.
   */
  bytes: {
    head: Buffer;
    /** `head`, the member ids as JSON (the `members=ids` form) and `middle`, together. */
    headWithIds: Buffer;
    middle: Buffer;
    tail: Buffer;
    end: Buffer;
  };
}

export function listEntry(
  version: string,
  key: { at: number; id: string },
  memberIds: readonly string[],
  text: SharedViewText,
): ListEntry {
  return {
    version,
    at: key.at,
    id: key.id,
    memberIds,
    bytes: {
      head: Buffer.from(text.head),
      headWithIds: Buffer.from(`${text.head}${JSON.stringify(memberIds)}${text.middle}`),
      middle: Buffer.from(text.middle),
      tail: Buffer.from(text.tail),
      end: Buffer.from(text.end),
    },
  };
}

/** Pieces of an answer, text or UTF-8, copied into one buffer at the end. */
export class JsonPieces {
  private readonly pieces: (Buffer | string)[] = [];
  /**
   * At most the answer's bytes: a string's UTF-16 length times 3 is at least its UTF-8
   * length, so no piece is measured until it is written (`Buffer.byteLength` on each of
   * the few hundred text pieces was 6-8 % of the answer's CPU).
   */
  private bound = 0;

  push(piece: Buffer | string): void {
    this.pieces.push(piece);
    this.bound += typeof piece === 'string' ? piece.length * 3 : piece.length;
  }

  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.bound);
    let at = 0;
    for (const piece of this.pieces) {
      if (typeof piece === 'string') at += out.write(piece, at);
      else {
        out.set(piece, at);
        at += piece.length;
      }
    }
    return out.subarray(0, at);
  }
}

/** A user's view as JSON, valid while the store reports `version` for it. */
interface UserEntry {
  version: number;
  view: Buffer;
}

/** The values of a `UserStore.viewRowsByIds` row. */
type UserViewRow = [string, string, string, number, number | null, AvatarRecord | null];

/**
 * Conversation views and members' user views kept between requests of the conversation
 * list (issue #21), each checked on every request against a version the store reads in
 * the same snapshot as the list's fresh parts, so an instance sharing the database with
 * others never answers from a view another one has changed. Bounded by their text's size.
 */
export class ConversationListViews {
  private readonly conversations: LRUCache<string, ListEntry>;
  private readonly users: LRUCache<string, UserEntry>;

  constructor(
    options: {
      /** About the bytes of conversation views kept (their UTF-8, versions, member ids). */
      conversationBytes?: number;
      userBytes?: number;
    } = {},
  ) {
    this.conversations = new LRUCache({
      maxSize: options.conversationBytes ?? 16_000_000,
      sizeCalculation: entryBytes,
    });
    this.users = new LRUCache({
      maxSize: options.userBytes ?? 4_000_000,
      sizeCalculation: (entry) => entry.view.length + 64,
    });
  }

  /** The view of conversation `id` made at `version`, if kept. */
  conversation(id: string, version: string): ListEntry | undefined {
    const entry = this.conversations.get(id);
    return entry?.version === version ? entry : undefined;
  }

  keep(entry: ListEntry): void {
    this.conversations.set(entry.id, entry);
  }

  /** The user's view made at `version`, if kept. */
  userView(id: string, version: number): Buffer | undefined {
    const entry = this.users.get(id);
    return entry?.version === version ? entry.view : undefined;
  }

  /** The user's view as UTF-8 JSON made from `row` (see `UserStore.viewRowsByIds`), kept. */
  keepUserView(id: string, version: number, row: string): Buffer {
    const [, username, displayName, createdAt, deletedAt, avatar] = JSON.parse(row) as UserViewRow;
    const view = Buffer.from(
      JSON.stringify(
        toUser({
          id,
          username,
          displayName,
          passwordHash: '',
          createdAt: new Date(createdAt),
          lastSeenAt: null,
          deletedAt: deletedAt === null ? null : new Date(deletedAt),
          avatar,
        }),
      ),
    );
    this.users.set(id, { version, view });
    return view;
  }
}

function entryBytes(entry: ListEntry): number {
  const { head, headWithIds, middle, tail, end } = entry.bytes;
  return (
    entry.version.length +
    head.length +
    headWithIds.length +
    middle.length +
    tail.length +
    end.length +
    entry.memberIds.length * 40 +
    256
  );
}
