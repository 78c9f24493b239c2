import type { IngestDeletion, IngestMessage } from '@tp/ingest-contract';

/** The API keeps an `X-Request-Id` of at most this many characters (else it makes its own). */
export const MAX_REQUEST_ID_LENGTH = 200;

/**
 * Names one channel's messages of a request: `<channel>:<id>` for one (`@<edit epoch s>` for an
 * edited version), `<channel>:<first>-<last>+<count>` for several.
 */
function segment(channelId: string, messages: Array<Pick<IngestMessage, 'messageId' | 'editDate'>>): string {
  if (messages.length === 1) {
    const [m] = messages;
    return `${channelId}:${m.messageId}${m.editDate ? `@${Math.floor(Date.parse(m.editDate) / 1000)}` : ''}`;
  }
  const ids = messages.map((m) => m.messageId);
  return `${channelId}:${Math.min(...ids)}-${Math.max(...ids)}+${ids.length}`;
}

/** Joins segments under `prefix`; those that do not fit in the length limit are summarised as `/more+<count>`. */
function join(prefix: string, segments: Array<{ text: string; count: number }>): string {
  let id = prefix + segments.map((s) => s.text).join('/');
  if (id.length <= MAX_REQUEST_ID_LENGTH) return id;
  const kept: string[] = [];
  let rest = segments.reduce((n, s) => n + s.count, 0);
  for (const s of segments) {
    const candidate = prefix + [...kept, s.text].join('/') + `/more+${rest - s.count}`;
    if (candidate.length > MAX_REQUEST_ID_LENGTH) break;
    kept.push(s.text);
    rest -= s.count;
  }
  id = prefix + [...kept, `more+${rest}`].join('/');
  return id;
}

/**
 * The `X-Request-Id` of a publish, naming its messages so one can be followed from Telegram to the
 * API's log: `gw:-1001649127710:57`, `gw:-1001649127710:57-63+7`, channels joined by `/`. Only
 * characters the API's request context accepts, starting with a letter, at most 200.
 */
export function publishRequestId(messages: Array<Pick<IngestMessage, 'channelId' | 'messageId' | 'editDate'>>): string {
  const byChannel = new Map<string, Array<Pick<IngestMessage, 'messageId' | 'editDate'>>>();
  for (const m of messages) {
    const list = byChannel.get(m.channelId);
    if (list) list.push(m);
    else byChannel.set(m.channelId, [m]);
  }
  return join('gw:', [...byChannel].map(([channelId, list]) => ({ text: segment(channelId, list), count: list.length })));
}

/** The `X-Request-Id` of a deletion: `gw:del:<channel>:<id>` or `gw:del:<channel>:<first>-<last>+<count>`. */
export function deletionRequestId(deletion: Pick<IngestDeletion, 'channelId' | 'messageIds'>): string {
  return join('gw:del:', [{ text: segment(deletion.channelId, deletion.messageIds.map((messageId) => ({ messageId }))), count: deletion.messageIds.length }]);
}
