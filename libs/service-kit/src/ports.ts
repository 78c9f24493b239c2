// Loads nothing but node:net: the embedded PostgreSQL server and the test helpers use it.
export { freePort } from './lib/ports';
