/** Option validation lives in `@shn/core` (one copy for every package). @internal */
export { invalidOption as invalid, checkInt, checkPositive, checkFunction } from '@shn/core';
