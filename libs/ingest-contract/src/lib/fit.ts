import { stripUnsafeText, truncateText } from '@tp/service-kit';
import { FORWARD_METHODS, MAX_FILE_UNIQUE_ID_LENGTH, MAX_MEDIA, MAX_MEDIA_GROUP_ID_LENGTH, MAX_NAME_LENGTH, MAX_PHOTOS, MEDIA_STATUSES, type IngestMessage, type MediaReference } from './schema';
import { toContractTimestamp } from './timestamp';

/** One change `fitToContract` made, e.g. `{ field: 'channelTitle', change: 'trimmed to 256 characters' }`. */
export interface FitChange {
  field: string;
  change: string;
}

export interface FitResult {
  message: IngestMessage;
  changes: FitChange[];
}

const CHANNEL_ID = /^-?[0-9]{1,20}$/;
const isPositiveInt32 = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 2_147_483_647;

/** Removes NUL and lone surrogates, the characters the contract refuses in text. */
export const stripUnsafeChars = stripUnsafeText;

/**
 * Fits a message built from a Telegram update to the ingest contract, so that nothing optional can
 * cause the API to refuse it: unsafe characters are stripped from every string, over-long metadata
 * (channel title, media group id, forward name, photo list) is trimmed, dates are rewritten as UTC
 * contract timestamps, and optional fields that cannot be represented are dropped. The text itself
 * is only ever cleaned of unsafe characters, never shortened; required fields are left for the
 * contract to judge. Fitting a fitted message changes nothing.
 */
export function fitToContract(input: IngestMessage): FitResult {
  const changes: FitChange[] = [];
  const note = (field: string, change: string) => changes.push({ field, change });
  const clean = (field: string, value: string): string => {
    const out = stripUnsafeChars(value);
    if (out !== value) note(field, 'removed NUL or lone surrogate characters');
    return out;
  };
  const name = (field: string, value: string, max: number): string => {
    const cleaned = clean(field, value);
    const out = truncateText(cleaned, max);
    if (out !== cleaned) note(field, `trimmed to ${max} characters`);
    return out;
  };
  const date = (field: string, value: string): string | null => {
    const out = toContractTimestamp(value);
    if (out !== value) note(field, out === null ? 'dropped: not a date-time between 1970 and 9999' : 'rewritten as a UTC timestamp');
    return out;
  };

  const message: IngestMessage = { ...input };
  if (typeof message.text === 'string') message.text = clean('text', message.text);
  if (typeof message.timestamp === 'string') message.timestamp = toContractTimestamp(message.timestamp) ?? message.timestamp;
  if (message.timestamp !== input.timestamp) note('timestamp', 'rewritten as a UTC timestamp');

  if (typeof message.channelTitle === 'string') message.channelTitle = name('channelTitle', message.channelTitle, MAX_NAME_LENGTH);
  if (message.editDate !== undefined) {
    const editDate = typeof message.editDate === 'string' ? date('editDate', message.editDate) : null;
    if (editDate === null) delete message.editDate;
    else message.editDate = editDate;
  }
  if (message.replyToMessageId !== undefined && !isPositiveInt32(message.replyToMessageId)) {
    delete message.replyToMessageId;
    note('replyToMessageId', 'dropped: not a message id');
  }
  if (message.mediaGroupId !== undefined) {
    const id = typeof message.mediaGroupId === 'string' ? name('mediaGroupId', message.mediaGroupId, MAX_MEDIA_GROUP_ID_LENGTH) : '';
    if (id === '') {
      delete message.mediaGroupId;
      note('mediaGroupId', 'dropped: empty');
    } else message.mediaGroupId = id;
  }
  if (message.photos !== undefined) message.photos = fitPhotos(message.photos, note);
  if (message.media !== undefined) message.media = fitMedia(message.media, note);
  if (message.forwardedFrom !== undefined) {
    const forwarded = fitForward(message.forwardedFrom, name, date, note);
    if (forwarded) message.forwardedFrom = forwarded;
    else delete message.forwardedFrom;
  }
  if (message.forwardedTo !== undefined) {
    const to = message.forwardedTo as { channelId?: unknown; method?: unknown } | null;
    const valid = typeof to === 'object' && to !== null && typeof to.channelId === 'string' && CHANNEL_ID.test(to.channelId) && (FORWARD_METHODS as readonly unknown[]).includes(to.method);
    if (valid) message.forwardedTo = { channelId: to.channelId as string, method: to.method as (typeof FORWARD_METHODS)[number] };
    else {
      delete message.forwardedTo;
      note('forwardedTo', 'dropped: not a channel id and forward method');
    }
  }
  return { message, changes };
}

type Note = (field: string, change: string) => void;
type Photo = NonNullable<IngestMessage['photos']>[number];

function fitPhotos(photos: IngestMessage['photos'], note: Note): Photo[] {
  const list = Array.isArray(photos) ? photos : [];
  const clamp = (n: unknown) => (Number.isFinite(n) ? Math.min(100_000, Math.max(0, Math.round(n as number))) : 0);
  const out: Photo[] = [];
  for (const photo of list) {
    const fileId = typeof photo?.fileId === 'string' ? stripUnsafeChars(photo.fileId) : '';
    // A truncated file id names no file: drop the photo rather than send a wrong reference.
    if (fileId.length < 1 || fileId.length > MAX_NAME_LENGTH) continue;
    out.push({ fileId, width: clamp(photo.width), height: clamp(photo.height) });
  }
  const kept = out.slice(0, MAX_PHOTOS);
  if (JSON.stringify(kept) !== JSON.stringify(list)) note('photos', `kept ${kept.length} of ${list.length} photos, with valid file ids and sizes`);
  return kept;
}

const FILE_UNIQUE_ID = /^[A-Za-z0-9_-]+$/;
const SHA256 = /^[0-9a-f]{64}$/;
const MAX_MEDIA_REASON_LENGTH = 500;

/** Keeps the media references the contract accepts, in order; one with an unusable file id is dropped. */
function fitMedia(media: IngestMessage['media'], note: Note): MediaReference[] {
  const list = Array.isArray(media) ? media : [];
  const size = (n: unknown) => (Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 100_000 ? (n as number) : undefined);
  const out: MediaReference[] = [];
  for (const m of list) {
    if (typeof m?.fileUniqueId !== 'string' || !FILE_UNIQUE_ID.test(m.fileUniqueId) || m.fileUniqueId.length > MAX_FILE_UNIQUE_ID_LENGTH) continue;
    const status = (MEDIA_STATUSES as readonly string[]).includes(m.status) ? m.status : 'pending';
    const ref: MediaReference = { fileUniqueId: m.fileUniqueId, kind: 'photo', status };
    if (typeof m.sha256 === 'string' && SHA256.test(m.sha256)) ref.sha256 = m.sha256;
    const width = size(m.width);
    const height = size(m.height);
    if (width !== undefined) ref.width = width;
    if (height !== undefined) ref.height = height;
    if (typeof m.reason === 'string') ref.reason = truncateText(stripUnsafeChars(m.reason), MAX_MEDIA_REASON_LENGTH);
    out.push(ref);
  }
  const kept = out.slice(0, MAX_MEDIA);
  if (JSON.stringify(kept) !== JSON.stringify(list)) note('media', `kept ${kept.length} of ${list.length} media references`);
  return kept;
}

function fitForward(
  forwarded: NonNullable<IngestMessage['forwardedFrom']>,
  name: (field: string, value: string, max: number) => string,
  date: (field: string, value: string) => string | null,
  note: Note,
): IngestMessage['forwardedFrom'] | null {
  if (typeof forwarded !== 'object' || forwarded === null) {
    note('forwardedFrom', 'dropped: not an object');
    return null;
  }
  const out: NonNullable<IngestMessage['forwardedFrom']> = {};
  if (forwarded.channelId !== undefined) {
    if (typeof forwarded.channelId === 'string' && CHANNEL_ID.test(forwarded.channelId)) out.channelId = forwarded.channelId;
    else note('forwardedFrom.channelId', 'dropped: not a chat id');
  }
  if (forwarded.messageId !== undefined) {
    if (isPositiveInt32(forwarded.messageId)) out.messageId = forwarded.messageId;
    else note('forwardedFrom.messageId', 'dropped: not a message id');
  }
  if (typeof forwarded.name === 'string') out.name = name('forwardedFrom.name', forwarded.name, MAX_NAME_LENGTH);
  if (forwarded.date !== undefined) {
    const d = typeof forwarded.date === 'string' ? date('forwardedFrom.date', forwarded.date) : null;
    if (d !== null) out.date = d;
  }
  return out;
}
