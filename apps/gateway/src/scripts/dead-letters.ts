// Kept for publisher/replay-dead-letters.spec.ts until its import points at ../cli/dead-letters.
export { deadLettersProgram, type DeadLettersDeps } from '../cli/dead-letters';
