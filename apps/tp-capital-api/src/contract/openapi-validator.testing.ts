import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const pointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Validates real responses against the response schemas of the served OpenAPI document: the document is
 * loaded once into ajv and each `(method, path, status)` compiles to a `$ref` into it.
 */
export function openApiValidator(doc: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>> }) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema(doc as object, 'openapi');
  const cache = new Map<string, ValidateFunction>();

  function schemaFor(method: string, path: string, status: number): ValidateFunction {
    const key = `${method} ${path} ${status}`;
    let validate = cache.get(key);
    if (!validate) {
      const operation = doc.paths[path]?.[method];
      if (!operation) throw new Error(`the OpenAPI document has no operation ${method.toUpperCase()} ${path}`);
      const response = operation.responses[String(status)];
      if (!response?.content?.['application/json']?.schema) throw new Error(`${method.toUpperCase()} ${path} documents no JSON schema for status ${status}`);
      validate = ajv.compile({ $ref: `openapi#/paths/${pointer(path)}/${method}/responses/${status}/content/application~1json/schema` });
      cache.set(key, validate);
    }
    return validate;
  }

  return {
    schemaFor,
    /** Throws, naming every violation, unless `body` matches the documented schema of that response. */
    check(method: string, path: string, status: number, body: unknown): void {
      const validate = schemaFor(method, path, status);
      if (!validate(body)) {
        throw new Error(`${method.toUpperCase()} ${path} ${status} does not match its OpenAPI schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
      }
    },
  };
}
