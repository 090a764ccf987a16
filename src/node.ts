/**
 * The Node.js entry: everything of the main entry, plus what only Node can do (a file store
 * that never leaves a half-written state).
 */
export * from './index.ts';
export { createFileStore, type FileStoreOptions } from './stores/file.ts';
