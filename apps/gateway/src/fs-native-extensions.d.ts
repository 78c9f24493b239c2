// The package ships no types; these are the calls the outbox lock uses (see its README).
declare module 'fs-native-extensions' {
  /** An exclusive (or shared) lock on the open file description of `fd`; false when another holds it. */
  export function tryLock(fd: number, offset?: number, length?: number, options?: { shared?: boolean }): boolean;
  export function unlock(fd: number, offset?: number, length?: number): void;
}
