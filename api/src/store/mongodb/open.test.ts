import { createServer, type Server, type Socket } from 'node:net';
import mongoose from 'mongoose';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreUnavailable } from '../types';
import {
  connectionOptions,
  databaseNameOf,
  isTransactional,
  openMongoStore,
  redactUrl,
} from './index';
import { compileModels } from './models';

describe('openMongoStore without a server', () => {
  it('rejects with StoreUnavailable naming the URL when nothing listens', async () => {
    // Nothing listens on port 1; the configured timeout bounds the wait far below the
    // test timeout.
    const opening = openMongoStore('mongodb://127.0.0.1:1/x', { connectTimeoutMs: 500 });
    await expect(opening).rejects.toBeInstanceOf(StoreUnavailable);
    await expect(opening).rejects.toThrow(
      /cannot connect to MongoDB at mongodb:\/\/127\.0\.0\.1:1\/x/,
    );
  }, 10_000);

  it('keeps the password out of the error', async () => {
    const opening = openMongoStore('mongodb://chat:s3cret@127.0.0.1:1/x', {
      connectTimeoutMs: 300,
    });
    const err: unknown = await opening.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailable);
    expect((err as Error).message).toContain('chat:***@127.0.0.1:1');
    expect((err as Error).message).not.toContain('s3cret');
  }, 10_000);

  describe('against a TCP server that is not MongoDB', () => {
    let server: Server | undefined;
    const sockets = new Set<Socket>();
    afterEach(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    });

    it('rejects with StoreUnavailable instead of hanging', async () => {
      // Accepts connections and answers garbage, like a port taken by something else.
      server = createServer((socket) => {
        sockets.add(socket);
        socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      });
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      if (!address || typeof address === 'string') throw new Error('no port');
      const opening = openMongoStore(`mongodb://127.0.0.1:${address.port}/x`, {
        connectTimeoutMs: 500,
      });
      await expect(opening).rejects.toBeInstanceOf(StoreUnavailable);
    }, 10_000);
  });

  it('rejects a malformed URL with StoreUnavailable and a reason', async () => {
    const opening = openMongoStore('mongodb://', { connectTimeoutMs: 300 });
    await expect(opening).rejects.toBeInstanceOf(StoreUnavailable);
  });
});

describe('MongoDB connection settings', () => {
  it('sanitizes filters, waits for majority + journal, and fails fast', () => {
    const options = connectionOptions(1234);
    expect(options).toMatchObject({
      sanitizeFilter: true,
      autoIndex: false,
      bufferCommands: false,
      serverSelectionTimeoutMS: 1234,
      writeConcern: { w: 'majority', journal: true },
    });
  });

  it('reads with majority, and bounds selection above an election and each socket wait', () => {
    const options = connectionOptions(15_000);
    expect(options.readConcern).toEqual({ level: 'majority' });
    expect(options.serverSelectionTimeoutMS).toBeGreaterThanOrEqual(12_000);
    expect(options.socketTimeoutMS).toBeGreaterThan(15_000);
    expect(options.writeConcern).toMatchObject({ wtimeoutMS: 15_000 });
    expect(options.retryWrites).toBe(true);
  });

  it('accepts a replica set or mongos, and refuses a standalone server (no transactions)', () => {
    expect(isTransactional({ isWritablePrimary: true, setName: 'rs0' })).toBe(true);
    expect(isTransactional({ isWritablePrimary: true, msg: 'isdbgrid' })).toBe(true);
    expect(isTransactional({ isWritablePrimary: true })).toBe(false);
    expect(isTransactional(undefined)).toBe(false);
  });

  it('reads the database name from the URL path', () => {
    expect(databaseNameOf('mongodb://localhost:27017/chat')).toBe('chat');
    expect(databaseNameOf('mongodb://u:p@h1,h2/prod?replicaSet=rs0')).toBe('prod');
    expect(databaseNameOf('mongodb+srv://cluster.example.net/app%2Dx?w=1')).toBe('app-x');
    expect(databaseNameOf('mongodb://localhost:27017')).toBeNull();
    expect(databaseNameOf('mongodb://localhost:27017/')).toBeNull();
    expect(databaseNameOf('mongodb://localhost?authSource=a/b')).toBeNull();
  });

  it('redacts only the password', () => {
    expect(redactUrl('mongodb://chat:pw@h:27017/db')).toBe('mongodb://chat:***@h:27017/db');
    expect(redactUrl('mongodb+srv://chat:p%40w@c.example.net/db')).toBe(
      'mongodb+srv://chat:***@c.example.net/db',
    );
    expect(redactUrl('mongodb://h:27017/db')).toBe('mongodb://h:27017/db');
  });

  it('declares the unique indexes the contract relies on', async () => {
    const connection = mongoose.createConnection();
    try {
      const models = compileModels(connection);
      const unique = (model: mongoose.Model<never>) =>
        model.schema
          .indexes()
          .filter(([, options]) => options.unique === true)
          .map(([keys, options]) => [Object.keys(keys), options.partialFilterExpression ?? null]);
      // Twice: as stored, and case-insensitively (collation).
      expect(unique(models.users as never)).toEqual([
        [['username'], null],
        [['username'], null],
      ]);
      expect(unique(models.conversations as never)).toEqual([[['directKey'], { type: 'direct' }]]);
      expect(unique(models.messages as never)).toEqual([
        [['conversationId', 'seq'], null],
        [['conversationId', 'senderId', 'clientId'], null],
      ]);
      expect(unique(models.watermarks as never)).toEqual([[['conversationId', 'userId'], null]]);
    } finally {
      await connection.close();
    }
  });
});
