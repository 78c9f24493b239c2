import { defineEnv } from '@tp/service-kit';

/** What `npm start` reads; the root README's table for it is generated from this schema. */
export const stackEnv = defineEnv({
  properties: {
    DATA_DIR: { type: 'string', defaultText: '`.data` in the checkout', description: 'everything the stack keeps: the embedded server, the outbox, the session, the generated secrets' },
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://', secret: true, description: 'a PostgreSQL server to use instead of starting the embedded one' },
    POSTGRES_PORT: { type: 'integer', minimum: 1, maximum: 65_535, defaultText: 'a free port', description: "the embedded server's port" },
    HOST: { type: 'string', default: '127.0.0.1', description: 'bind address of tp-capital-api and workspace' },
    API_PORT: { type: 'integer', minimum: 1, maximum: 65_535, default: 4005, description: "tp-capital-api's port (the gateway publishes to it)" },
    WORKSPACE_PORT: { type: 'integer', minimum: 1, maximum: 65_535, default: 3200, description: "workspace's port" },
    GATEWAY_PORT: { type: 'integer', minimum: 1, maximum: 65_535, default: 4006, description: "the gateway's port" },
    STACK_SKIP_BUILD: { type: 'boolean', default: false, description: 'run what `dist/` holds instead of building first' },
  },
});
