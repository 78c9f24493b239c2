// The same probe the embedded PostgreSQL server uses; `@tp/service-kit/ports` loads only node:net.
export { freePort } from '@tp/service-kit/ports';
