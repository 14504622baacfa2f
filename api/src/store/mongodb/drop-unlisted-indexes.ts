/**
 * The explicit index migration step (see `dropUnlistedIndexes` in models.ts and
 * docs/mongodb.md): creates the indexes this version declares, then drops the ones it no
 * longer declares. Run it once every API instance runs this version:
 *
 *   DATABASE_URL=mongodb://… npm run mongodb:drop-unlisted-indexes -w @chat/api
 *
 * An API start never drops an index; only this does.
 */
import mongoose from 'mongoose';
import { DEFAULT_DATABASE, connectionOptions, databaseNameOf, redactUrl } from './index';
import { compileModels, dropUnlistedIndexes } from './models';

/** Connects to `url`, runs the step, and resolves with the dropped `collection.index` names. */
export async function dropUnlistedMongoIndexes(url: string): Promise<string[]> {
  const connection = mongoose.createConnection(url, {
    ...connectionOptions(15_000),
    ...(databaseNameOf(url) === null ? { dbName: DEFAULT_DATABASE } : {}),
  });
  try {
    await connection.asPromise();
    return await dropUnlistedIndexes(compileModels(connection));
  } finally {
    await connection.close();
  }
}

const url = process.env.DATABASE_URL;
if (process.argv[1]?.endsWith('drop-unlisted-indexes.ts')) {
  if (!url?.startsWith('mongodb')) {
    console.error('Set DATABASE_URL to the mongodb:// or mongodb+srv:// URL of the database.');
    process.exitCode = 2;
  } else {
    dropUnlistedMongoIndexes(url).then(
      (dropped) => {
        console.log(
          dropped.length === 0
            ? `No index to drop in ${redactUrl(url)}.`
            : `Dropped from ${redactUrl(url)}: ${dropped.join(', ')}`,
        );
      },
      (err: unknown) => {
        console.error(`Failed on ${redactUrl(url)}:`, err);
        process.exitCode = 1;
      },
    );
  }
}
