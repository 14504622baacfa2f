import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { cancelled, type UploadSender } from '../../core/api-client';
import { clientError } from '../../core/errors';

/** How much of the body goes out between two progress reports. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Uploads from the main process with Node's own client: unlike fetch it says how much of
 * the request body went out (each chunk is reported once the socket took it, so the bar
 * follows the link, not the memory copy) and a cancel destroys the request at once, so the
 * server stops reading and keeps nothing.
 */
export const nodeUploadSender: UploadSender = async ({
  url,
  headers,
  form,
  cancel,
  onProgress,
}) => {
  // The multipart encoding of the form, with its boundary, as fetch would send it.
  const encoded = new Response(form);
  const body = new Uint8Array(await encoded.arrayBuffer());
  const contentType = encoded.headers.get('content-type') ?? 'multipart/form-data';
  if (cancel?.cancelled === true) throw cancelled();

  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, {
      method: 'POST',
      headers: { ...headers, 'content-type': contentType, 'content-length': body.byteLength },
    });
    let settled = false;
    // The server may answer before the whole body went out (413, 429): then stop sending.
    let answered = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    cancel?.onCancel(() => {
      fail(cancelled());
      req.destroy();
    });
    req.on('error', () => {
      // After an answer, the rest of the body being refused is no failure: the answer is.
      if (!answered) fail(clientError('network', 'The server could not be reached.'));
    });
    req.on('response', (response: IncomingMessage) => {
      answered = true;
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('error', () => fail(clientError('network', 'The server could not be reached.')));
      response.on('end', () => {
        if (settled) return;
        settled = true;
        const retryAfter = response.headers['retry-after'];
        resolve({
          status: response.statusCode ?? 0,
          retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
          text: Buffer.concat(parts).toString('utf8'),
        });
      });
    });

    // One chunk at a time, each reported when written out (and waiting for 'drain').
    let offset = 0;
    const next = () => {
      if (settled || answered) return;
      if (offset >= body.byteLength) {
        req.end();
        return;
      }
      const end = Math.min(offset + CHUNK_BYTES, body.byteLength);
      const chunk = body.subarray(offset, end);
      offset = end;
      req.write(chunk, (err) => {
        if (err) return;
        onProgress?.(end, body.byteLength);
        next();
      });
    };
    next();
  });
};
