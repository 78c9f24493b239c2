import { redactBotToken } from '../sources/bot-source';
import type { FloodWaitPolicy } from '../sources/flood-wait';
import { FileUnavailableError, type TelegramUserClient } from '../sources/user-client';
import { decodePhotoLocator } from '../sources/user-photos';
import type { MediaJob } from './media-queue';

/** A fetch that can never succeed (expired, deleted, too large): recorded as failed, not retried. */
export class PermanentMediaError extends Error {}

/** How the worker fetches a file from Telegram: the Bot API for the bot, MTProto for the user client. */
export interface TelegramFiles {
  /** The bytes of the file, refusing (permanently) more than `maxBytes`; `source` is the job's, for a router. */
  fetch(fileId: string, maxBytes: number, signal: AbortSignal, source?: MediaJob['source']): Promise<Buffer>;
}

/**
 * One TelegramFiles over several: each job is fetched by the client of the source that queued it,
 * so the worker itself never knows where a file comes from. A source with no client (the user
 * client not logged in, say) is retried, not failed: a restart with it may fetch the file.
 */
export function filesBySource(clients: Partial<Record<MediaJob['source'], TelegramFiles>>): TelegramFiles {
  return {
    fetch(fileId, maxBytes, signal, source) {
      const files = source ? clients[source] : undefined;
      if (!files) return Promise.reject(new Error(`no Telegram client to fetch a file of the ${source ?? 'unknown'} source`));
      return files.fetch(fileId, maxBytes, signal, source);
    },
  };
}

interface BotApiAnswer<T> {
  ok: boolean;
  result?: T;
  error_code?: number;
  description?: string;
}

/** Reads a body up to `max` bytes, aborting the download beyond it. */
async function readCapped(res: Response, max: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) throw new PermanentMediaError(`too large: ${declared} bytes, over MEDIA_MAX_BYTES (${max})`);
  const chunks: Buffer[] = [];
  let size = 0;
  if (!res.body) return Buffer.alloc(0);
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > max) throw new PermanentMediaError(`too large: over MEDIA_MAX_BYTES (${max})`);
    chunks.push(Buffer.from(chunk));
  }
  if (Number.isFinite(declared) && size !== declared) throw new Error(`download cut short: ${size} of ${declared} bytes`);
  return Buffer.concat(chunks, size);
}

/**
 * Bot API files: `getFile` for the path, then `<apiRoot>/file/bot<token>/<path>` (TELEGRAM_API_ROOT
 * honoured). A 400 from getFile (expired or unknown file, "file is too big") or a 404 download is
 * permanent; anything else is retried. Error texts never carry the token.
 */
export function botApiFiles(token: string, apiRoot = 'https://api.telegram.org', timeoutMs = 60_000): TelegramFiles {
  const root = apiRoot.replace(/\/+$/, '');
  return {
    async fetch(fileId, maxBytes, signal) {
      const timeout = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
      try {
        const res = await fetch(`${root}/bot${token}/getFile`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ file_id: fileId }),
          signal: timeout,
        });
        const answer = (await res.json().catch(() => ({ ok: false }))) as BotApiAnswer<{ file_path?: string; file_size?: number }>;
        if (!answer.ok || !answer.result?.file_path) {
          const what = `getFile: ${answer.error_code ?? res.status} ${answer.description ?? ''}`.trim();
          if (res.status === 400 || res.status === 404) throw new PermanentMediaError(what);
          throw new Error(what);
        }
        if (answer.result.file_size !== undefined && answer.result.file_size > maxBytes) {
          throw new PermanentMediaError(`too large: ${answer.result.file_size} bytes, over MEDIA_MAX_BYTES (${maxBytes})`);
        }
        const file = await fetch(`${root}/file/bot${token}/${answer.result.file_path}`, { signal: timeout });
        if (file.status === 404) throw new PermanentMediaError('download: 404 (the file is gone)');
        if (!file.ok) throw new Error(`download: HTTP ${file.status}`);
        return await readCapped(file, maxBytes);
      } catch (error) {
        const message = redactBotToken((error as Error).message);
        if (error instanceof PermanentMediaError) throw new PermanentMediaError(message);
        throw new Error(message);
      }
    },
  };
}

/**
 * User-client (MTProto) files: the photo size the job's locator names, downloaded through GramJS
 * with the message read again (a fresh file reference). FLOOD_WAIT is slept out by the one policy;
 * a file Telegram will never give (message deleted, photo replaced, file refused, too large) is
 * permanent; anything else (FILE_REFERENCE_EXPIRED, a dropped connection) is retried.
 */
export function userClientFiles(client: Pick<TelegramUserClient, 'downloadPhoto'>, floodWait: FloodWaitPolicy): TelegramFiles {
  return {
    async fetch(fileId, maxBytes, signal) {
      const locator = decodePhotoLocator(fileId);
      if (!locator) throw new PermanentMediaError(`not a user-client photo locator: ${JSON.stringify(fileId.slice(0, 80))}`);
      const download = client.downloadPhoto?.bind(client);
      if (!download) throw new Error('the user client cannot download files');
      try {
        const bytes = await floodWait.run('upload.getFile', () => download(locator, maxBytes), signal);
        if (bytes.length > maxBytes) throw new PermanentMediaError(`too large: ${bytes.length} bytes, over MEDIA_MAX_BYTES (${maxBytes})`);
        return bytes;
      } catch (error) {
        if (error instanceof FileUnavailableError) throw new PermanentMediaError(error.message);
        throw error;
      }
    },
  };
}
