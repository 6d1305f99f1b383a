export { default } from '@shn/vitest-config';
