import { closeSync, openSync, writeSync } from 'node:fs';
import { ShnError } from '@shn/core';

/** Where a recorder writes its lines (each a complete JSON line without the `\n`). */
export interface RecordingSink {
  /** Appends one line; should be synchronous so a killed thread loses at most the line being written. */
  write(line: string): void;
}

/** A sink that keeps lines in memory. */
export interface MemoryRecordingSink extends RecordingSink {
  readonly lines: readonly string[];
  /** The recording as text, ready for `parseRecording`. */
  text(): string;
}

/** Creates an in-memory sink (for tests and for sending a recording elsewhere). */
export function memoryRecordingSink(): MemoryRecordingSink {
  const lines: string[] = [];
  return {
    lines,
    write: (line) => {
      lines.push(line);
    },
    text: () => (lines.length === 0 ? '' : `${lines.join('\n')}\n`),
  };
}

/** A sink appending to a file. */
export interface FileRecordingSink extends RecordingSink {
  readonly path: string;
  /** Closes the file; later writes are ignored. Idempotent. */
  close(): void;
}

/**
 * Creates a sink that appends every line to `path` with a synchronous write, so the lines
 * written before a thread is killed are on disk. The file is created (truncated) on open.
 * @throws ShnError `STORE_FAILED` if the file cannot be opened; a failed write later is
 *   also thrown as `STORE_FAILED` (the recording would otherwise have a silent hole).
 */
export function fileRecordingSink(path: string): FileRecordingSink {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w');
  } catch (cause) {
    throw new ShnError('STORE_FAILED', `cannot open recording file ${path}: ${(cause as Error).message}`, { cause });
  }
  return {
    path,
    write: (line) => {
      if (fd === undefined) return;
      try {
        writeSync(fd, `${line}\n`);
      } catch (cause) {
        throw new ShnError('STORE_FAILED', `cannot write recording file ${path}: ${(cause as Error).message}`, { cause });
      }
    },
    close: () => {
      if (fd === undefined) return;
      const f = fd;
      fd = undefined;
      closeSync(f);
    },
  };
}
