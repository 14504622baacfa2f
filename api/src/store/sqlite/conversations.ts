import { randomUUID } from 'node:crypto';
import type {
  AvatarRecord,
  ConversationListHead,
  ConversationRecord,
  ConversationStore,
  ConversationSummary,
  MessageRecord,
  NotificationLevel,
} from '../types';
import type { SqliteContext } from './context';
import {
  avatarJson,
  avatarOf,
  CONVERSATION_COLUMNS,
  MESSAGE_FIELDS,
  toConversation,
  messageOfValues,
  toWatermark,
} from './rows';
import type { ConversationRow, MemberRow } from './rows';

/**
 * The conversation, the member's notification level and unread count, and its newest
 * message, in one pass. The unread count walks the (conversation_id, seq) index from the
 * member's read watermark, so it costs what is unread, not the conversation's length.
 *
 * Each row crosses as one string, a `json_array` of its values in this column order, parsed
 * here: better-sqlite3 pays about 100 ns for every value it hands over, and a list of 200
 * has 200 × 28 of them (a named object per row, as first read, cost twice that again).
 */
const SUMMARY_SELECT = `
  SELECT json_array(
         c.id, c.type, c.title, c.created_at, c.last_seq, c.last_activity_at, c.rev, c.avatar,
         me.notifications,
         (SELECT count(*) FROM messages u
           WHERE u.conversation_id = c.id AND u.seq > me.read_seq AND u.sender_id <> me.user_id
         ),
         ${MESSAGE_FIELDS.map((field) => `m.${field}`).join(', ')})
  FROM conversation_members me
  JOIN conversations c ON c.id = me.conversation_id
  LEFT JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq`;
/** Where the message's columns begin in a SUMMARY_SELECT row. */
const SUMMARY_MESSAGE_AT = 10;
/** A column every stored message has: NULL there means the LEFT JOIN found none. */
const SUMMARY_MESSAGE_FOUND = SUMMARY_MESSAGE_AT + MESSAGE_FIELDS.indexOf('conversation_id');

type SummaryRow = unknown[];

interface SummaryParts {
  conversation: ConversationRow;
  notifications: NotificationLevel;
  unreadCount: number;
  lastMessage: MessageRecord | null;
}

function summaryParts(row: SummaryRow): SummaryParts {
  const conversation: ConversationRow = {
    id: row[0] as string,
    type: row[1] as ConversationRow['type'],
    title: row[2] as string | null,
    created_at: row[3] as number,
    last_seq: row[4] as number,
    last_activity_at: row[5] as number,
    rev: row[6] as number,
    avatar: row[7] as string | null,
  };
  return {
    conversation,
    notifications: row[8] as NotificationLevel,
    unreadCount: row[9] as number,
    lastMessage:
      row[SUMMARY_MESSAGE_FOUND] === null ? null : messageOfValues(row, SUMMARY_MESSAGE_AT),
  };
}

/** A row of MEMBERS_SELECT (a JSON array, as the summaries): conversation_id, user_id, delivered_seq, read_seq, admin. */
type MemberTuple = [string, string, number, number, number];

const MEMBERS_SELECT = `
  SELECT json_array(cm.conversation_id, cm.user_id, cm.delivered_seq, cm.read_seq, cm.admin)
  FROM conversation_members me
  JOIN conversation_members cm ON cm.conversation_id = me.conversation_id`;

/**
 * The list's part read on every request by a caller that keeps the shared views
 * (`ConversationStore.listHeadsForMember`), from the conversation rows alone. A
 * conversation's version is its rev (every message appended, edited, deleted or reacted
 * to moves it, so it covers the last message's view), its last seq and its view_rev
 * (migration 15: the title, the avatar, the members and admins, files attached after an
 * append). The last column sums the members' watermarks: they only ever move forward
 * (ReceiptStore.advance) and the members only change with view_rev, so an unchanged sum
 * under an unchanged view_rev means unchanged receipts.
 */
const HEADS_SELECT = `
  SELECT c.id, c.rev, c.last_seq, c.view_rev, me.notifications, me.read_seq,
         (SELECT sum(r.delivered_seq + r.read_seq) FROM conversation_members r
           WHERE r.conversation_id = c.id)
  FROM conversation_members me
  JOIN conversations c ON c.id = me.conversation_id
  WHERE me.user_id = ? AND (c.last_seq > 0 OR me.opened = 1)`;

type HeadRow = [string, number, number, number, NotificationLevel, number, number | null];

/** As SUMMARY_SELECT counts them: messages from others after the member's read watermark. */
const UNREAD_SELECT = `
  SELECT count(*) FROM messages
  WHERE conversation_id = ? AND seq > ? AND sender_id <> ?`;

/**
 * How many unread counts (by conversation and member) and receipts (by conversation) the
 * store keeps, each while what it follows from is unchanged; past this it starts over.
 */
const KEPT_MAX = 50_000;

/** The view's `receipts` as JSON, from a conversation's member rows in position order. */
function receiptsJsonOf(members: readonly MemberTuple[]): string {
  let json = '[';
  for (let i = 0; i < members.length; i++) {
    const [, userId, deliveredSeq, readSeq] = members[i] as MemberTuple;
    json += `${i === 0 ? '' : ','}{"userId":${JSON.stringify(userId)},"deliveredSeq":${deliveredSeq},"readSeq":${readSeq}}`;
  }
  return `${json}]`;
}

/** The unordered pair as one key, the same whichever side asks. */
export function directKey(userA: string, userB: string): string {
  return JSON.stringify(userA < userB ? [userA, userB] : [userB, userA]);
}

export function createConversationStore({ db, run }: SqliteContext): ConversationStore {
  const insert = db.prepare<[ConversationRow & { direct_key: string | null }]>(
    `INSERT INTO conversations
       (id, type, title, direct_key, created_at, last_seq, last_activity_at, rev)
     VALUES (@id, @type, @title, @direct_key, @created_at, @last_seq, @last_activity_at, @rev)
     ON CONFLICT (direct_key) DO NOTHING`,
  );
  const insertMember = db.prepare<[string, string, number, number, number]>(
    `INSERT INTO conversation_members (conversation_id, user_id, position, admin, opened)
     VALUES (?, ?, ?, ?, ?)`,
  );
  const markOpened = db.prepare<[string, string]>(
    `UPDATE conversation_members SET opened = 1
     WHERE conversation_id = ? AND user_id = ? AND opened = 0`,
  );
  const byId = db.prepare<[string], ConversationRow>(
    `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = ?`,
  );
  const byDirectKey = db.prepare<[string], ConversationRow>(
    `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE direct_key = ?`,
  );
  const memberIdsOf = db.prepare<[string], { user_id: string; admin: number }>(
    'SELECT user_id, admin FROM conversation_members WHERE conversation_id = ? ORDER BY position',
  );
  const summariesFor = db
    .prepare<[string], string>(
      `${SUMMARY_SELECT}
       WHERE me.user_id = ? AND (c.last_seq > 0 OR me.opened = 1)
       ORDER BY c.last_activity_at DESC, c.created_at DESC, c.id DESC`,
    )
    .pluck(true);
  const membersForUser = db
    .prepare<[string], string>(
      `${MEMBERS_SELECT} WHERE me.user_id = ? ORDER BY cm.conversation_id, cm.position`,
    )
    .pluck(true);
  const headsFor = db.prepare<[string], HeadRow>(HEADS_SELECT).raw(true);
  // The conversations whose views the caller does not hold, their ids as one JSON array.
  const summariesIn = db
    .prepare<[string, string], string>(
      `${SUMMARY_SELECT}
       WHERE me.user_id = ? AND me.conversation_id IN (SELECT value FROM json_each(?))`,
    )
    .pluck(true);
  const membersIn = db
    .prepare<[string], string>(
      `SELECT json_array(cm.conversation_id, cm.user_id, cm.delivered_seq, cm.read_seq, cm.admin)
       FROM conversation_members cm
       WHERE cm.conversation_id IN (SELECT value FROM json_each(?))
       ORDER BY cm.conversation_id, cm.position`,
    )
    .pluck(true);
  const summaryOne = db
    .prepare<[string, string], string>(
      `${SUMMARY_SELECT} WHERE me.conversation_id = ? AND me.user_id = ?`,
    )
    .pluck(true);
  const membersOne = db
    .prepare<[string], MemberTuple>(
      `SELECT conversation_id, user_id, delivered_seq, read_seq, admin
       FROM conversation_members WHERE conversation_id = ? ORDER BY position`,
    )
    .raw(true);
  const peers = db.prepare<[string, string], { user_id: string }>(
    `SELECT DISTINCT cm.user_id
     FROM conversation_members me
     JOIN conversation_members cm ON cm.conversation_id = me.conversation_id
     WHERE me.user_id = ? AND cm.user_id <> ?`,
  );

  const load = (row: ConversationRow): ConversationRecord => {
    const members = memberIdsOf.all(row.id);
    return toConversation(
      row,
      members.map((m) => m.user_id),
      members.filter((m) => m.admin === 1).map((m) => m.user_id),
    );
  };

  const create = (
    type: ConversationRecord['type'],
    title: string | null,
    key: string | null,
    memberIds: readonly string[],
    /** Members who see it listed while it has no messages. */
    openedBy: readonly string[],
  ): ConversationRecord | null => {
    const now = Date.now();
    const row: ConversationRow = {
      id: randomUUID(),
      type,
      title,
      created_at: now,
      last_seq: 0,
      last_activity_at: now,
      rev: 0,
      avatar: null,
    };
    if (insert.run({ ...row, direct_key: key }).changes === 0) return null;
    // The creator of a group (first in memberIds) is its first admin.
    const adminIds = type === 'group' ? memberIds.slice(0, 1) : [];
    memberIds.forEach((userId, position) =>
      insertMember.run(
        row.id,
        userId,
        position,
        adminIds.includes(userId) ? 1 : 0,
        openedBy.includes(userId) ? 1 : 0,
      ),
    );
    return toConversation(row, [...memberIds], adminIds);
  };

  // BEGIN IMMEDIATE serialises writers across processes; the unique direct_key (with
  // ON CONFLICT DO NOTHING) stays the last word should two ever get past the lookup.
  const findOrCreateDirect = db.transaction((userA: string, userB: string) => {
    const key = directKey(userA, userB);
    // Only the one who asks sees it listed before its first message (issue #13).
    const existing = byDirectKey.get(key);
    if (existing) {
      markOpened.run(existing.id, userA);
      return { conversation: load(existing), created: false };
    }
    const created = create('direct', null, key, [userA, userB], [userA]);
    if (created) return { conversation: created, created: true };
    const winner = byDirectKey.get(key);
    if (!winner) throw new Error('direct conversation vanished while being created');
    markOpened.run(winner.id, userA);
    return { conversation: load(winner), created: false };
  });

  const createGroup = db.transaction((title: string, memberIds: readonly string[]) => {
    const created = create('group', title, null, memberIds, memberIds);
    if (!created) throw new Error('group conversation could not be inserted');
    return created;
  });

  /** `rows`: SUMMARY_SELECT's, each the JSON array of its values. */
  const assemble = (rows: string[], members: MemberTuple[]): ConversationSummary[] => {
    const byConversation = new Map<string, MemberRow[]>();
    for (const [conversation_id, user_id, delivered_seq, read_seq, admin] of members) {
      const member: MemberRow = { conversation_id, user_id, delivered_seq, read_seq, admin };
      const list = byConversation.get(conversation_id);
      if (list) list.push(member);
      else byConversation.set(conversation_id, [member]);
    }
    return rows.map((row) => {
      const parts = summaryParts(JSON.parse(row) as SummaryRow);
      const memberRows = byConversation.get(parts.conversation.id) ?? [];
      return {
        conversation: toConversation(
          parts.conversation,
          memberRows.map((m) => m.user_id),
          memberRows.filter((m) => m.admin === 1).map((m) => m.user_id),
        ),
        lastMessage: parts.lastMessage,
        watermarks: memberRows.map(toWatermark),
        unreadCount: parts.unreadCount,
        notifications: parts.notifications,
      };
    });
  };

  // A read transaction gives both queries the same snapshot (WAL keeps readers consistent
  // while other connections write).
  const listForMember = db.transaction((userId: string) =>
    assemble(
      summariesFor.all(userId),
      membersForUser.all(userId).map((row) => JSON.parse(row) as MemberTuple),
    ),
  );
  const unreadCount = db.prepare<[string, number, string], number>(UNREAD_SELECT).pluck(true);
  const unreadKept = new Map<string, { rev: number; readSeq: number; count: number }>();
  const unreadOf = (
    conversationId: string,
    userId: string,
    rev: number,
    lastSeq: number,
    readSeq: number,
  ): number => {
    if (readSeq >= lastSeq) return 0;
    const key = `${conversationId} ${userId}`;
    const kept = unreadKept.get(key);
    if (kept?.rev === rev && kept.readSeq === readSeq) return kept.count;
    const count = unreadCount.get(conversationId, readSeq, userId) ?? 0;
    if (unreadKept.size >= KEPT_MAX) unreadKept.clear();
    unreadKept.set(key, { rev, readSeq, count });
    return count;
  };
  const receiptsKept = new Map<string, { viewRev: number; sum: number | null; json: string }>();
  const listHeadsForMember = db.transaction(
    (userId: string, known: (conversationId: string, version: string) => boolean) => {
      const rows = headsFor.all(userId);
      const receipts = new Map<string, string>();
      const unknownReceipts: string[] = [];
      for (const [conversationId, , , viewRev, , , sum] of rows) {
        const kept = receiptsKept.get(conversationId);
        if (kept?.viewRev === viewRev && kept.sum === sum) receipts.set(conversationId, kept.json);
        else unknownReceipts.push(conversationId);
      }
      const heads = rows.map(([conversationId, rev, lastSeq, viewRev, notifications, readSeq]) => ({
        conversationId,
        version: `${rev}:${lastSeq}:${viewRev}`,
        notifications,
        unreadCount: unreadOf(conversationId, userId, rev, lastSeq, readSeq),
        readSeq,
        receiptsJson: '[]',
        summary: null as ConversationSummary | null,
      }));
      const missing = heads.filter((head) => !known(head.conversationId, head.version));
      // The member rows of both the receipts to make and the summaries to read, in one read.
      const memberIds = new Set([...unknownReceipts, ...missing.map((h) => h.conversationId)]);
      const members =
        memberIds.size === 0
          ? []
          : membersIn
              .all(JSON.stringify([...memberIds]))
              .map((row) => JSON.parse(row) as MemberTuple);
      if (unknownReceipts.length > 0) {
        const byConversation = new Map<string, MemberTuple[]>();
        for (const member of members) {
          const list = byConversation.get(member[0]);
          if (list) list.push(member);
          else byConversation.set(member[0], [member]);
        }
        if (receiptsKept.size + unknownReceipts.length > KEPT_MAX) receiptsKept.clear();
        for (const [conversationId, , , viewRev, , , sum] of rows) {
          if (receipts.has(conversationId)) continue;
          const json = receiptsJsonOf(byConversation.get(conversationId) ?? []);
          receipts.set(conversationId, json);
          receiptsKept.set(conversationId, { viewRev, sum, json });
        }
      }
      for (const head of heads) head.receiptsJson = receipts.get(head.conversationId) ?? '[]';
      if (missing.length > 0) {
        const ids = JSON.stringify(missing.map((head) => head.conversationId));
        const summaries = new Map(
          assemble(summariesIn.all(userId, ids), members).map((s) => [s.conversation.id, s]),
        );
        for (const head of missing) head.summary = summaries.get(head.conversationId) ?? null;
      }
      return heads satisfies ConversationListHead[];
    },
  );
  const summaryFor = db.transaction((conversationId: string, userId: string) => {
    const row = summaryOne.get(conversationId, userId);
    return row ? (assemble([row], membersOne.all(conversationId))[0] ?? null) : null;
  });
  const findById = db.transaction((id: string) => {
    const row = byId.get(id);
    return row ? load(row) : null;
  });

  const groupById = db.prepare<[string], ConversationRow>(
    `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = ? AND type = 'group'`,
  );
  const updateTitle = db.prepare<[string, string]>(
    `UPDATE conversations SET title = ? WHERE id = ? AND type = 'group'`,
  );
  const nextPosition = db.prepare<[string], { next: number }>(
    `SELECT coalesce(max(position), -1) + 1 AS next
     FROM conversation_members WHERE conversation_id = ?`,
  );
  const deleteMember = db.prepare<[string, string]>(
    'DELETE FROM conversation_members WHERE conversation_id = ? AND user_id = ?',
  );
  const updateAdmin = db.prepare<[number, string, string]>(
    'UPDATE conversation_members SET admin = ? WHERE conversation_id = ? AND user_id = ?',
  );

  const updateNotifications = db.prepare<[NotificationLevel, string, string]>(
    `UPDATE conversation_members SET notifications = ? WHERE conversation_id = ? AND user_id = ?`,
  );

  const updateAvatar = db.prepare<[string | null, string]>(
    `UPDATE conversations SET avatar = ? WHERE id = ? AND type = 'group'`,
  );
  const setAvatar = db.transaction((id: string, avatar: AvatarRecord | null) => {
    const before = groupById.get(id);
    if (!before) return null;
    updateAvatar.run(avatarJson(avatar), id);
    const after = groupById.get(id);
    return after ? { conversation: load(after), previous: avatarOf(before.avatar) } : null;
  });

  const setTitle = db.transaction((id: string, title: string) => {
    updateTitle.run(title, id);
    const row = groupById.get(id);
    return row ? load(row) : null;
  });

  const addMembers = db.transaction(
    (id: string, userIds: readonly string[], maxMembers: number) => {
      const row = groupById.get(id);
      if (!row) return null;
      const current = load(row);
      const added = [...new Set(userIds)].filter((userId) => !current.memberIds.includes(userId));
      if (current.memberIds.length + added.length > maxMembers) return 'full' as const;
      let position = nextPosition.get(id)?.next ?? 0;
      for (const userId of added) insertMember.run(id, userId, position++, 0, 1);
      return load(row);
    },
  );

  const removeMember = db.transaction((id: string, userId: string) => {
    const row = groupById.get(id);
    if (!row) return null;
    deleteMember.run(id, userId);
    const after = load(row);
    const [longestStanding] = after.memberIds;
    if (after.adminIds.length === 0 && longestStanding !== undefined) {
      updateAdmin.run(1, id, longestStanding);
      return load(row);
    }
    return after;
  });

  const setAdmin = db.transaction((id: string, userId: string, admin: boolean) => {
    const row = groupById.get(id);
    if (!row) return null;
    updateAdmin.run(admin ? 1 : 0, id, userId);
    return load(row);
  });

  return {
    setTitle: (id, title) => run(() => setTitle.immediate(id, title)),
    setAvatar: (id, avatar) => run(() => setAvatar.immediate(id, avatar)),
    addMembers: (id, userIds, maxMembers) =>
      run(() => addMembers.immediate(id, userIds, maxMembers)),
    removeMember: (id, userId) => run(() => removeMember.immediate(id, userId)),
    setAdmin: (id, userId, admin) => run(() => setAdmin.immediate(id, userId, admin)),
    setNotifications: (id, userId, level) =>
      run(() => updateNotifications.run(level, id, userId).changes > 0),
    findOrCreateDirect: (userA, userB) =>
      run(() => {
        if (userA === userB) throw new Error('a direct conversation needs two distinct users');
        return findOrCreateDirect.immediate(userA, userB);
      }),
    createGroup: ({ title, memberIds }) =>
      run(() => {
        if (new Set(memberIds).size !== memberIds.length) {
          throw new Error('group member ids must not repeat');
        }
        return createGroup.immediate(title, memberIds);
      }),
    findById: (id) => run(() => findById(id)),
    listForMember: (userId) => run(() => listForMember(userId)),
    listHeadsForMember: (userId, known) => run(() => listHeadsForMember(userId, known)),
    summaryFor: (conversationId, userId) => run(() => summaryFor(conversationId, userId)),
    peerIds: (userId) => run(() => peers.all(userId, userId).map((p) => p.user_id)),
  };
}
