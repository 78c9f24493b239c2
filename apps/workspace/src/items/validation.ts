import { WORKSPACE_PRIORITIES, WORKSPACE_STATUSES } from '@tp/db-schema';
import { describeAjvErrors, int, json, obj, type DescribeErrors } from '@tp/service-kit';

/** Categories are dynamic, as in the original service: any lowercase slug up to 100 characters. */
/** The 200 answer of a list route: `{ success: true, count, data: [...] }`, as the dashboard reads it. */
export const listResponse = (description: string, item: object) =>
  json(description, obj({ success: { const: true }, count: int, data: { type: 'array', items: item } }));

export const CATEGORY_PATTERN = '^[a-z0-9-]+$';
export const CATEGORY_MAX_LENGTH = 100;
/** The database column is varchar(255). */
export const TITLE_MAX_LENGTH = 255;

/** The dashboard asks for the list without a limit and expects every item, as LowDB gave it. */
export const DEFAULT_LIST_LIMIT = 1000;

const fields = {
  title: { type: 'string', minLength: 1, maxLength: TITLE_MAX_LENGTH, pattern: String.raw`\S` },
  description: { type: 'string', minLength: 1, maxLength: 10_000, pattern: String.raw`\S` },
  category: { type: 'string', minLength: 1, maxLength: CATEGORY_MAX_LENGTH, pattern: CATEGORY_PATTERN },
  priority: { type: 'string', enum: WORKSPACE_PRIORITIES },
  status: { type: 'string', enum: WORKSPACE_STATUSES },
  tags: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 50 } },
  metadata: { type: 'object', maxProperties: 100 },
  createdBy: { type: ['string', 'null'], minLength: 1, maxLength: 100 },
  updatedBy: { type: ['string', 'null'], minLength: 1, maxLength: 100 },
} as const;

const { status, updatedBy, ...createFields } = fields;

/** Create ignores fields it does not know (status, id, dates), as both original versions did. */
export const createItemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'description', 'category', 'priority'],
  properties: createFields,
};

export const updateItemSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { ...createFields, status, updatedBy },
};

export const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    category: fields.category,
    status: fields.status,
    priority: fields.priority,
    search: { type: 'string', maxLength: 200 },
    /** Older name of `search` in this service. */
    q: { type: 'string', maxLength: 200 },
    tag: { type: 'string', minLength: 1, maxLength: 50 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: DEFAULT_LIST_LIMIT },
    offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
  },
};

export const CATEGORY_ORDERS = ['display_order', 'name', 'created_at', 'updated_at'] as const;
export const categoriesQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    active_only: { type: 'boolean', default: false },
    order_by: { type: 'string', enum: CATEGORY_ORDERS, default: 'display_order' },
  },
};

/** Ajv errors in the original service's words (`is required`, `must be one of: …`). */
export const describeItemErrors: DescribeErrors = (errors) =>
  describeAjvErrors(errors).map((detail, i) => {
    const e = (errors ?? [])[i];
    const message =
      e.keyword === 'minProperties' ? 'at least one field must be given'
      : e.keyword === 'pattern' && detail.path === 'category' ? 'must be lowercase letters, numbers and hyphens only'
      : e.keyword === 'pattern' ? 'must not be blank'
      : detail.message;
    return { ...detail, message };
  });
