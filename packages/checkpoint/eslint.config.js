export { default } from '@shn/eslint-config';
