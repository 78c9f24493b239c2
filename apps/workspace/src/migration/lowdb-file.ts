import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { WORKSPACE_PRIORITIES, WORKSPACE_STATUSES } from '@tp/db-schema';
import type { FieldError } from '../http/errors';
import { unstorableTextErrors } from '../http/text-safety';
import { CATEGORY_MAX_LENGTH, TITLE_MAX_LENGTH } from '../items/validation';

export class MigrationError extends Error {}

/** What a LowDB `library.json` holds: `{items}` in early versions, `{items, categories}` later. */
export interface LowDbFile {
  items: unknown[];
  /** The file's own category list, when it has one. */
  categories?: unknown[];
}

/** A LowDB item checked and converted to what the table stores. */
export interface MigratableItem {
  index: number;
  id: string;
  /** The item had no id in the file; `id` was derived from its content. */
  idDerived: boolean;
  title: string;
  description: string;
  category: string;
  priority: string;
  status: string;
  tags: string[];
  metadata: Record<string, unknown>;
  createdBy: string | null;
  updatedBy: string | null;
  createdAt: Date;
  /** Null for a never-updated item, as LowDB wrote it. */
  updatedAt: Date | null;
}

export interface InvalidItem {
  index: number;
  id?: unknown;
  title?: unknown;
  errors: FieldError[];
}

export interface CheckedItems {
  items: MigratableItem[];
  invalid: InvalidItem[];
  /** Entries repeating an earlier item exactly (same id and content): already covered by it. */
  duplicates: number;
  /** Fields present in the file that the table has no column for, with how many items carry each. */
  unmappedFields: Record<string, number>;
}

/** Reads and parses the file; never changes it. */
export async function readLowDbFile(file: string): Promise<LowDbFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MigrationError(code === 'ENOENT' ? `file not found: ${file}` : `cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MigrationError(`${file} is not valid JSON (${(error as Error).message}); nothing was migrated`);
  }
  const { items, categories } = (parsed ?? {}) as { items?: unknown; categories?: unknown };
  if (!Array.isArray(items)) throw new MigrationError(`${file} has no "items" array; expected { "items": [ ... ] } or { "items": [ ... ], "categories": [ ... ] }`);
  if (categories !== undefined && !Array.isArray(categories)) throw new MigrationError(`${file} has a "categories" field that is not an array`);
  return { items, categories };
}

/** Ids the original service gave: UUID v4, `item-<ms>-<random>`, or a nanoid; all fit this. */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const CATEGORY = /^[a-z0-9-]+$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const KNOWN_FIELDS = new Set(['id', 'title', 'description', 'category', 'priority', 'status', 'tags', 'metadata', 'createdBy', 'updatedBy', 'createdAt', 'updatedAt']);

/** JSON with object keys sorted, so equal content always serialises the same way. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Fixed namespace of the v5 ids given to LowDB items that had none. */
const LOWDB_ITEM_NAMESPACE = '3f6f2a4e-6c1b-4f43-9a55-1d0b8e1c7a21';

/** RFC 4122 version-5 UUID (SHA-1 of namespace and name). */
export function uuidV5(name: string, namespace = LOWDB_ITEM_NAMESPACE): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id of an item the file stores without one (the original create route of late October 2025
 * wrote none): a UUID v5 of its whole content, createdAt included, so a rerun finds the same id.
 */
export function derivedItemId(raw: Record<string, unknown>): string {
  const { id: _id, ...content } = raw;
  return uuidV5(canonicalJson(content));
}

/** A timestamp both JavaScript and PostgreSQL accept, or the reason it is not one. */
function timestamp(value: unknown): Date | string {
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value)) return 'must be an ISO 8601 date-time such as 2025-10-30T12:00:00.000Z';
  const date = new Date(value);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1 || year > 9999) return 'is not a valid date-time';
  return date;
}

function optionalUser(value: unknown, field: string, errors: FieldError[]): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.length > 0) return value;
  errors.push({ field, message: 'must be null or a non-empty string' });
  return null;
}

/** Checks one item of the file and converts it, or lists every reason it cannot be stored. */
export function checkLowDbItem(raw: unknown, index: number): { item: MigratableItem } | { invalid: InvalidItem } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { invalid: { index, errors: [{ field: 'item', message: 'is not a JSON object' }] } };
  }
  const r = raw as Record<string, unknown>;
  const errors: FieldError[] = unstorableTextErrors(r, '');

  let id: string;
  const idDerived = r.id === undefined || r.id === null;
  if (idDerived) id = derivedItemId(r);
  else if (typeof r.id === 'string' && ID_PATTERN.test(r.id)) id = r.id;
  else {
    id = '';
    errors.push({ field: 'id', message: 'must be a UUID, item-<ms>-<suffix> or another id of 1–64 letters, digits, _ or -' });
  }

  if (typeof r.title !== 'string' || !/\S/.test(r.title)) errors.push({ field: 'title', message: 'must be a non-blank string' });
  else if (r.title.trim().length > TITLE_MAX_LENGTH) errors.push({ field: 'title', message: `must not be longer than ${TITLE_MAX_LENGTH} characters` });
  if (typeof r.description !== 'string') errors.push({ field: 'description', message: 'must be a string' });
  if (typeof r.category !== 'string' || !CATEGORY.test(r.category) || r.category.length > CATEGORY_MAX_LENGTH) {
    errors.push({ field: 'category', message: `must be a slug of lowercase letters, digits and hyphens, at most ${CATEGORY_MAX_LENGTH} characters` });
  }
  if (!WORKSPACE_PRIORITIES.includes(r.priority as never)) errors.push({ field: 'priority', message: `must be one of: ${WORKSPACE_PRIORITIES.join(', ')}` });
  if (!WORKSPACE_STATUSES.includes(r.status as never)) errors.push({ field: 'status', message: `must be one of: ${WORKSPACE_STATUSES.join(', ')}` });

  const tags = r.tags === undefined || r.tags === null ? [] : r.tags;
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) errors.push({ field: 'tags', message: 'must be an array of strings' });
  const metadata = r.metadata === undefined || r.metadata === null ? {} : r.metadata;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) errors.push({ field: 'metadata', message: 'must be an object' });

  const createdBy = optionalUser(r.createdBy, 'createdBy', errors);
  const updatedBy = optionalUser(r.updatedBy, 'updatedBy', errors);
  const createdAt = timestamp(r.createdAt);
  if (typeof createdAt === 'string') errors.push({ field: 'createdAt', message: r.createdAt === undefined ? 'is required' : createdAt });
  let updatedAt: Date | null = null;
  if (r.updatedAt !== undefined && r.updatedAt !== null) {
    const parsed = timestamp(r.updatedAt);
    if (typeof parsed === 'string') errors.push({ field: 'updatedAt', message: `${parsed}, or null` });
    else updatedAt = parsed;
  }

  if (errors.length) return { invalid: { index, id: r.id, title: r.title, errors } };
  return {
    item: {
      index,
      id,
      idDerived,
      title: (r.title as string).trim(),
      description: r.description as string,
      category: r.category as string,
      priority: r.priority as string,
      status: r.status as string,
      tags: tags as string[],
      metadata: metadata as Record<string, unknown>,
      createdBy,
      updatedBy,
      createdAt: createdAt as Date,
      updatedAt,
    },
  };
}

/** Checks every item; an id seen again is the same item when the content matches, else the later one is invalid. */
export function checkLowDbItems(raw: unknown[], onProgress?: (done: number, total: number) => void): CheckedItems {
  const result: CheckedItems = { items: [], invalid: [], duplicates: 0, unmappedFields: {} };
  const seen = new Map<string, { index: number; content: string }>();
  raw.forEach((entry, index) => {
    const checked = checkLowDbItem(entry, index);
    if ('invalid' in checked) {
      result.invalid.push(checked.invalid);
    } else {
      const content = canonicalJson({ ...(entry as object), id: undefined });
      const first = seen.get(checked.item.id);
      if (!first) {
        seen.set(checked.item.id, { index, content });
        result.items.push(checked.item);
      } else if (first.content === content) {
        result.duplicates++;
      } else {
        result.invalid.push({ index, id: checked.item.id, title: checked.item.title, errors: [{ field: 'id', message: `is also the id of item #${first.index}, whose content differs` }] });
      }
      for (const key of Object.keys(entry as object)) {
        if (!KNOWN_FIELDS.has(key)) result.unmappedFields[key] = (result.unmappedFields[key] ?? 0) + 1;
      }
    }
    if (onProgress && ((index + 1) % 1000 === 0 || index + 1 === raw.length)) onProgress(index + 1, raw.length);
  });
  return result;
}

/** The names of the categories in the file's own list (`{ id }` or `{ name }` objects, or plain strings). */
export function fileCategoryNames(categories: unknown[] | undefined): string[] {
  return (categories ?? [])
    .map((c) => (typeof c === 'string' ? c : ((c as { id?: unknown; name?: unknown })?.id ?? (c as { name?: unknown })?.name)))
    .filter((name): name is string => typeof name === 'string');
}
