/* global process, TextEncoder */
// Child process of the kill -9 test: appends entries with fsync 'always' and prints "ack N" only
// after each write returned (so every printed N is durable).
import { DiskRaftStorage } from '../../dist/wal/disk-storage.js';

const dir = process.argv[2];
const s = DiskRaftStorage.open({ dir, nodeId: 'w', fsync: 'always' });
s.bootstrap({ voters: ['w'], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false });
const enc = new TextEncoder();
for (let i = 2; ; i++) {
  s.save({ term: 1, vote: 'w', commit: i - 1 }, [{ index: i, term: 1, type: 'normal', data: enc.encode(`e${i}`) }], undefined);
  process.stdout.write(`ack ${i}\n`);
}
