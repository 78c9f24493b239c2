import type { IngestMessage, MediaReference } from '@tp/ingest-contract';
import type { Logger } from '@tp/observability';
import { queuePhotos, type PhotoIntake } from '../media/photo-intake';
import { pickPhotoSize, type PhotoJob } from './bot-updates';
import { userMessageToIngest, type PhotoLocator, type UserClientMessage } from './user-client';

/**
 * The user client's name for one photo size, stable across reads of the message (MTProto gives no
 * file_unique_id): `mtp_<photo id>_<size type>`, within the queue's safe file-name alphabet.
 */
export const userPhotoUniqueId = (photoId: string, sizeType: string) => `mtp_${photoId.replace('-', 'n')}_${sizeType.replace(/[^A-Za-z0-9]/g, '')}`;

/** The job's file id: where the size lives, read again at download time for a fresh file reference. */
export const encodePhotoLocator = (l: PhotoLocator) => [l.channelId, l.messageId, l.photoId, l.sizeType].join(':');

export function decodePhotoLocator(fileId: string): PhotoLocator | null {
  const [channelId, messageId, photoId, sizeType, ...rest] = fileId.split(':');
  if (rest.length || !/^-?\d+$/.test(channelId ?? '') || !/^\d+$/.test(messageId ?? '') || !/^-?\d+$/.test(photoId ?? '') || !sizeType) return null;
  return { channelId, messageId: Number(messageId), photoId, sizeType };
}

/**
 * The photo of a user-client message as the bot names it: the largest size up to `maxBytes` as a
 * pending media reference with its job, or a failed reference with the reason when none fits.
 */
export function userPhotoOf(m: UserClientMessage, maxBytes: number): { ref: MediaReference; job: PhotoJob | null } | null {
  const photo = m.photo;
  if (!photo?.sizes.length) return null;
  const sizes = photo.sizes.map((s) => ({
    file_id: encodePhotoLocator({ channelId: m.channelId, messageId: m.messageId, photoId: photo.photoId, sizeType: s.type }),
    file_unique_id: userPhotoUniqueId(photo.photoId, s.type),
    width: s.width,
    height: s.height,
    ...(s.size === undefined ? {} : { file_size: s.size }),
  }));
  const pick = pickPhotoSize(sizes, maxBytes);
  if ('size' in pick) {
    const size = { ...pick.size, file_unique_id: pick.size.file_unique_id as string };
    return {
      ref: { fileUniqueId: size.file_unique_id, kind: 'photo', status: 'pending', width: size.width, height: size.height },
      job: { fileUniqueId: size.file_unique_id, fileId: size.file_id, ...(size.file_size === undefined ? {} : { fileSize: size.file_size }) },
    };
  }
  const largest = sizes.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
  return { ref: { fileUniqueId: largest.file_unique_id, kind: 'photo', status: 'failed', reason: pick.reason, width: largest.width, height: largest.height }, job: null };
}

/** The contract message with its photo named in `media` (as pending, or failed with why). */
export function withUserPhoto(message: IngestMessage, m: UserClientMessage, maxBytes: number): { message: IngestMessage; job: PhotoJob | null } {
  const photo = userPhotoOf(m, maxBytes);
  if (!photo) return { message, job: null };
  return { message: { ...message, media: [photo.ref] }, job: photo.job };
}

/**
 * User-client messages as contract messages, each photo named in `media` and queued for the media
 * worker before the messages are appended (off without `media`: the messages as before).
 */
export async function ingestWithPhotos(messages: UserClientMessage[], source: IngestMessage['source'], media: PhotoIntake | undefined, logger: Logger): Promise<IngestMessage[]> {
  if (!media) return messages.map((m) => userMessageToIngest(m, source));
  const jobs: PhotoJob[] = [];
  const out = messages.map((m) => {
    const { message, job } = withUserPhoto(userMessageToIngest(m, source), m, media.maxBytes);
    if (job) jobs.push(job);
    return message;
  });
  await queuePhotos(media, jobs.map((job) => ({ ...job, source: 'user_client' as const })), logger);
  return out;
}
