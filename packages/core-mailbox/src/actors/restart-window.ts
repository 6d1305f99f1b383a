/** The one sliding restart window lives in `@shn/core`. */
export { RestartWindow } from '@shn/core';
