import { randomUUID } from 'node:crypto';
import type { AttachmentRecord, AttachmentStore, AttachmentUse } from '../types';
import type { SqliteContext } from './context';

interface AttachmentRow {
  id: string;
  uploader_id: string;
  name: string;
  content_type: string;
  size: number;
  width: number | null;
  height: number | null;
  storage_key: string;
  thumbnail_key: string | null;
  thumbnail_content_type: string | null;
  created_at: number;
  use_kind: 'message' | 'avatar' | null;
  conversation_id: string | null;
  message_id: string | null;
  position: number | null;
}

const COLUMNS = `id, uploader_id, name, content_type, size, width, height, storage_key,
  thumbnail_key, thumbnail_content_type, created_at, use_kind, conversation_id, message_id,
  position`;

function useOf(row: AttachmentRow): AttachmentUse | null {
  if (row.use_kind === 'avatar') return { kind: 'avatar' };
  if (row.use_kind === 'message' && row.conversation_id !== null && row.message_id !== null) {
    return { kind: 'message', conversationId: row.conversation_id, messageId: row.message_id };
  }
  return null;
}

function toAttachment(row: AttachmentRow): AttachmentRecord {
  return {
    id: row.id,
    uploaderId: row.uploader_id,
    name: row.name,
    contentType: row.content_type,
    size: row.size,
    width: row.width,
    height: row.height,
    storageKey: row.storage_key,
    thumbnailKey: row.thumbnail_key,
    thumbnailContentType: row.thumbnail_content_type,
    createdAt: new Date(row.created_at),
    use: useOf(row),
  };
}

export function createAttachmentStore({ db, run, group }: SqliteContext): AttachmentStore {
  const insert = db.prepare<[AttachmentRow]>(
    `INSERT INTO attachments (${COLUMNS}) VALUES (@id, @uploader_id, @name, @content_type,
       @size, @width, @height, @storage_key, @thumbnail_key, @thumbnail_content_type,
       @created_at, @use_kind, @conversation_id, @message_id, @position)`,
  );
  const byId = db.prepare<[string], AttachmentRow>(
    `SELECT ${COLUMNS} FROM attachments WHERE id = ?`,
  );
  const claimable = db.prepare<[string, string], { id: string }>(
    'SELECT id FROM attachments WHERE id = ? AND uploader_id = ? AND use_kind IS NULL',
  );
  const claim = db.prepare<
    [
      {
        id: string;
        use_kind: string;
        conversation_id: string | null;
        message_id: string | null;
        position: number | null;
      },
    ]
  >(
    `UPDATE attachments SET use_kind = @use_kind, conversation_id = @conversation_id,
       message_id = @message_id, position = @position
     WHERE id = @id AND use_kind IS NULL`,
  );
  // One statement for a whole history page (the ids as one JSON array) instead of one per
  // message: most messages have no files, and each execution cost more than the lookup.
  const forMessages = db.prepare<[string], AttachmentRow>(
    `SELECT ${COLUMNS} FROM attachments
     WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY message_id, position`,
  );
  const deleteForMessage = db.prepare<[string], AttachmentRow>(
    `DELETE FROM attachments WHERE message_id = ? RETURNING ${COLUMNS}`,
  );
  const looseBefore = db.prepare<[number, number], AttachmentRow>(
    `SELECT ${COLUMNS} FROM attachments WHERE use_kind IS NULL AND created_at < ?
     ORDER BY created_at LIMIT ?`,
  );
  const deleteLoose = db.prepare<[string]>(
    'DELETE FROM attachments WHERE id = ? AND use_kind IS NULL',
  );
  const deleteAny = db.prepare<[string]>('DELETE FROM attachments WHERE id = ?');

  return {
    create: (input) =>
      group.write(() => {
        const row: AttachmentRow = {
          id: randomUUID(),
          uploader_id: input.uploaderId,
          name: input.name,
          content_type: input.contentType,
          size: input.size,
          width: input.width,
          height: input.height,
          storage_key: input.storageKey,
          thumbnail_key: input.thumbnailKey,
          thumbnail_content_type: input.thumbnailContentType,
          created_at: input.createdAt.getTime(),
          use_kind: null,
          conversation_id: null,
          message_id: null,
          position: null,
        };
        insert.run(row);
        return toAttachment(row);
      }),

    findById: (id) =>
      run(() => {
        const row = byId.get(id);
        return row ? toAttachment(row) : null;
      }),

    // Checked before anything is written, inside the write's own savepoint: the group
    // commit runs one write at a time, so nothing can claim an upload in between.
    attach: (ids, uploaderId, use) =>
      group.write(() => {
        if (ids.length === 0 || new Set(ids).size !== ids.length) return false;
        if (!ids.every((id) => claimable.get(id, uploaderId))) return false;
        ids.forEach((id, position) => {
          claim.run({
            id,
            use_kind: use.kind,
            conversation_id: use.kind === 'message' ? use.conversationId : null,
            message_id: use.kind === 'message' ? use.messageId : null,
            position: use.kind === 'message' ? position : null,
          });
        });
        return true;
      }),

    listForMessages: (messageIds) =>
      run(() => {
        if (messageIds.length === 0) return [];
        const byMessage = new Map<string, AttachmentRecord[]>();
        for (const row of forMessages.all(JSON.stringify(messageIds))) {
          const id = row.message_id ?? '';
          const list = byMessage.get(id);
          if (list) list.push(toAttachment(row));
          else byMessage.set(id, [toAttachment(row)]);
        }
        if (byMessage.size === 0) return [];
        // Grouped by message in the order asked, each message's in the order attached.
        return [...new Set(messageIds)].flatMap((id) => byMessage.get(id) ?? []);
      }),

    deleteForMessage: (messageId) =>
      group.write(() =>
        deleteForMessage
          .all(messageId)
          .sort((a, b) => (a.position ?? 0) - (b.position ?? 0))
          .map(toAttachment),
      ),

    listLooseBefore: (before, limit) =>
      run(() =>
        looseBefore.all(before.getTime(), Math.max(0, Math.floor(limit))).map(toAttachment),
      ),

    deleteLoose: (id) => group.write(() => deleteLoose.run(id).changes === 1),
    delete: (id) => group.write(() => deleteAny.run(id).changes === 1),
  };
}
