import { imageSize } from 'image-size';

/** The image types the API stores and serves; anything else is refused with 415. */
export const MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

const startsWith = (bytes: Buffer, magic: number[], at = 0) => bytes.length >= at + magic.length && magic.every((b, i) => bytes[at + i] === b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** The real type from the magic bytes, whatever the client claims; null for anything else. */
export function detectImageType(bytes: Buffer): MediaType | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  return null;
}

const SIZE_TYPE: Record<MediaType, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif' };

/**
 * Width and height read from the header only (image-size parses the header, it never decodes
 * pixels), or null when the header is unreadable or names another format than the magic bytes.
 */
export function readDimensions(bytes: Buffer, type: MediaType): { width: number; height: number } | null {
  try {
    const size = imageSize(bytes);
    if (size.type !== SIZE_TYPE[type] || !size.width || !size.height) return null;
    // A JPEG rotated by its EXIF orientation (5–8) shows with width and height swapped.
    const swapped = typeof size.orientation === 'number' && size.orientation >= 5;
    return swapped ? { width: size.height, height: size.width } : { width: size.width, height: size.height };
  } catch {
    return null;
  }
}
