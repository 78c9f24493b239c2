import { WORKSPACE_CATEGORIES, WORKSPACE_PRIORITIES, WORKSPACE_STATUSES } from '@tp/db-schema';
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';

/** One rejected field, in the original API's shape. */
export interface FieldError {
  field: string;
  message: string;
}

const tag = { type: 'string', minLength: 1, maxLength: 50, pattern: String.raw`^[^\s,][^,]*$` };
const fields = {
  title: { type: 'string', minLength: 1, maxLength: 255, pattern: String.raw`\S` },
  description: { type: 'string', minLength: 1, maxLength: 10_000 },
  category: { type: 'string', enum: WORKSPACE_CATEGORIES },
  priority: { type: 'string', enum: WORKSPACE_PRIORITIES },
  status: { type: 'string', enum: WORKSPACE_STATUSES },
  tags: { type: 'array', maxItems: 30, uniqueItems: true, items: tag },
  metadata: { type: 'object', maxProperties: 50 },
  createdBy: { type: 'string', minLength: 1, maxLength: 100 },
  updatedBy: { type: 'string', minLength: 1, maxLength: 100 },
} as const;

const { status: _status, updatedBy: _updatedBy, ...createFields } = fields;

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
  properties: { ...createFields, status: fields.status, updatedBy: fields.updatedBy },
};

export const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: fields.status,
    category: fields.category,
    priority: fields.priority,
    tag: tag,
    q: { type: 'string', minLength: 1, maxLength: 200 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
  },
};

/** A LowDB `library.json` item, as the old service wrote it. */
export const lowDbItemSchema = {
  type: 'object',
  required: ['id', 'title', 'description', 'category', 'priority', 'status', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    ...createFields,
    status: fields.status,
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false });
const coercing = new Ajv({ allErrors: true, strict: false, coerceTypes: true, useDefaults: true });
addFormats(ajv);

function toFieldErrors(errors: ErrorObject[] | null | undefined): FieldError[] {
  return (errors ?? []).map((e) => {
    const path = e.instancePath.split('/').slice(1);
    if (e.keyword === 'required') path.push(String(e.params.missingProperty));
    if (e.keyword === 'additionalProperties') path.push(String(e.params.additionalProperty));
    const message =
      e.keyword === 'required' ? 'is required'
      : e.keyword === 'additionalProperties' ? 'is not an allowed field'
      : e.keyword === 'enum' ? `must be one of: ${(e.params.allowedValues as string[]).join(', ')}`
      : e.keyword === 'minProperties' ? 'at least one field must be given'
      : (e.message ?? 'is invalid');
    return { field: path.join('.') || 'body', message };
  });
}

function compile(instance: Ajv, schema: object) {
  const validate = instance.compile(schema);
  return (value: unknown): FieldError[] => (validate(value) ? [] : toFieldErrors(validate.errors));
}

export const validateCreate = compile(ajv, createItemSchema);
export const validateUpdate = compile(ajv, updateItemSchema);
export const validateListQuery = compile(coercing, listQuerySchema);
export const validateLowDbItem = compile(ajv, lowDbItemSchema);
