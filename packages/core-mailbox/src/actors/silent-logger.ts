/** The silent logger lives in `@shn/core`. */
export { silentLogger } from '@shn/core';
