import { cancelled, type UploadSender } from '../core/api-client';
import { clientError } from '../core/errors';

/**
 * Uploads from the page with XMLHttpRequest: unlike fetch it reports how much of the
 * request body went out (the progress bar) and stops at once when cancelled.
 */
export const xhrUploadSender: UploadSender = ({ url, headers, form, cancel, onProgress }) =>
  new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded, event.total);
    };
    xhr.onload = () =>
      resolve({
        status: xhr.status,
        retryAfter: xhr.getResponseHeader('retry-after'),
        text: xhr.responseText,
      });
    xhr.onerror = () => reject(clientError('network', 'The server could not be reached.'));
    xhr.onabort = () => reject(cancelled());
    cancel?.onCancel(() => xhr.abort());
    xhr.send(form);
  });
