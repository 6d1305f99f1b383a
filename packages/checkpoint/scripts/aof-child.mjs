// AOF crash-test child: replays the log in DIR, then appends records `n` (continuing the count)
// forever with the given fsync policy, printing `ack <n>` after each append resolves.
import { AppendLog, replayAppendLog } from '../dist/index.js';

const [dir, policy] = process.argv.slice(2);
let last = 0;
await replayAppendLog(dir, 'aof', 0, (rec) => {
  last = Number(new TextDecoder().decode(rec));
});
const log = await AppendLog.open(dir, 'aof', { fsync: policy });
process.stdout.write(`ready ${last}\n`);
let n = last;
for (;;) {
  // A few appends in flight at once (group commit), acknowledged in order.
  const batch = [];
  for (let i = 0; i < 4; i++) {
    const v = ++n;
    batch.push(log.append(new TextEncoder().encode(String(v))).then(() => process.stdout.write(`ack ${v}\n`)));
  }
  await Promise.all(batch);
}
