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
  /** `memberIds` as JSON, the `members` of the `members=ids` form. */
  memberIdsJson: string;
  text: SharedViewText;
}

/** A user's view as JSON, valid while the store's row for it reads `row`. */
interface UserEntry {
  row: string;
  json: string;
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
      /** Characters of conversation views kept, about half the bytes they take. */
      conversationChars?: number;
      userChars?: number;
    } = {},
  ) {
    this.conversations = new LRUCache({
      maxSize: options.conversationChars ?? 16_000_000,
      sizeCalculation: entryChars,
    });
    this.users = new LRUCache({
      maxSize: options.userChars ?? 4_000_000,
      sizeCalculation: (entry) => entry.row.length + entry.json.length + 64,
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

  /** The user's view as JSON, made from `row` (see `UserStore.viewRowsByIds`) or kept. */
  userJson(id: string, row: string): string {
    const kept = this.users.get(id);
    if (kept?.row === row) return kept.json;
    const [, username, displayName, createdAt, deletedAt, avatar] = JSON.parse(row) as UserViewRow;
    const json = JSON.stringify(
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
    );
    this.users.set(id, { row, json });
    return json;
  }
}

function entryChars(entry: ListEntry): number {
  const { head, middle, tail, end } = entry.text;
  return (
    entry.version.length +
    entry.memberIdsJson.length * 2 +
    head.length +
    middle.length +
    tail.length +
    end.length +
    128
  );
}
