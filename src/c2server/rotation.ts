/**
 * The rotation of a topic's key, the crash-safe heart:
 * 1. one transaction writes the new key, sealed, as the topic's `pending` key and the job row
 *    (`receivers`): the key exists before any command, and a resumed job reads the same key back;
 *    a rotation that failed leaves its pending key, and the next rotation of the topic reuses it
 *    (receivers that confirmed it keep it; never a second new key on top of a half-done one);
 * 2. every active receiver not confirmed for the version gets it (journal intent → publish at
 *    QoS 2 → acknowledgement → journal confirmed with `key_version`, one commit);
 * 3. then the senders, the same way; 4. one transaction makes the pending key current.
 * A receiver that does not confirm after its retries fails the job with `RotationAborted`
 * before any sender is touched; a sender, with `RotationIncomplete`.
 *
 * One rotation (or topic deletion) per topic at a time: starting another is a Conflict.
 */
import { cmdSetTopicKey } from '../c2.ts';
import { E4ErrorCode, e4Error } from '../errors.ts';
import { wipe } from '../utils.ts';
import { describeFailures } from './commandSender.ts';
import type { Queryable } from './db/database.ts';
import { faultPoint } from './faultPoints.ts';
import type { JournalStep } from './journal.ts';
import { JobFailure, RECEIVES, type JobContext, type JobRow } from './jobModel.ts';

/** The points of a rotation the crash suite kills C2 at, in order. */
export const ROTATION_POINTS = [
  'rotate:pending',
  'rotate:receivers:intent',
  'rotate:receivers:published',
  'rotate:receivers:confirmed',
  'rotate:receivers-done',
  'rotate:senders',
  'rotate:senders:intent',
  'rotate:senders:published',
  'rotate:before-commit',
  'rotate:committed',
] as const;

/** The unfinished rotation or deletion of the topic, if any. */
async function activeTopicJob(q: Queryable, topic: string): Promise<JobRow | undefined> {
  return q.get<JobRow>(
    "SELECT * FROM jobs WHERE topic = ? AND kind IN ('rotate', 'deleteTopic') AND state NOT IN ('done', 'failed') ORDER BY created_at LIMIT 1",
    [topic],
  );
}

/** Step 1 within `q`: the pending key (a new one, or a failed rotation's) and the job's row. */
export async function insertRotation(ctx: JobContext, q: Queryable, topic: string, origin: string, also?: (q: Queryable, job: JobRow) => Promise<void>) {
  // Touching the topic's row first takes its row lock on PostgreSQL: two processes starting a
  // rotation of one topic at once are serialised here, and the second sees the first's job.
  const touched = await q.run('UPDATE topics SET rotated_at = rotated_at WHERE name = ?', [topic]);
  if (touched.changes === 0) throw e4Error(E4ErrorCode.NotFound, 'no topic with that name');
  const active = await activeTopicJob(q, topic);
  if (active !== undefined) throw e4Error(E4ErrorCode.Conflict, 'a ' + active.kind + ' job is running for that topic: ' + active.id);
  const pending = await q.get<{ version: number }>("SELECT version FROM topic_keys WHERE topic = ? AND state = 'pending'", [topic]);
  let version: number;
  if (pending !== undefined) version = Number(pending.version);
  else {
    const key = await ctx.registry.insertPendingKey(topic, q);
    wipe(key.key);
    version = key.version;
  }
  const job = await ctx.insertJob(q, 'rotate', { topic, state: 'receivers', keyVersion: version, params: { origin } });
  if (also !== undefined) await also(q, job);
  return job;
}

export async function runRotation(ctx: JobContext, job: JobRow): Promise<void> {
  const topic = job.topic as string;
  const version = job.key_version as number;
  const command = await setTopicKeyCommand(ctx, topic, version);
  try {
    const phases: { state: 'receivers' | 'senders'; roles: string; code: string }[] = [
      { state: 'receivers', roles: RECEIVES, code: 'RotationAborted' },
      { state: 'senders', roles: "('sender')", code: 'RotationIncomplete' },
    ];
    for (const phase of phases) {
      if (job.state === 'senders' && phase.state === 'receivers') continue;
      const step: JournalStep = { jobId: job.id, phase: phase.state, command: 'SetTopicKey', args: { topic, version } };
      // Until none is left: a client linked while the phase ran is caught by the next round.
      for (let round = 0; ; round++) {
        const ids = await unconfirmed(ctx, topic, version, phase.roles);
        if (ids.length === 0) break;
        if (round >= 5) throw new JobFailure(phase.code, 'clients of "' + topic + '" kept needing the key');
        const result = await ctx.sender.sendAll(
          job,
          ids.map((clientId) => ({
            step,
            clientId,
            keyHeld: { topic, version },
            send: (onPublished) => ctx.dispatcher.send(clientId, command, { onPublished }),
          })),
        );
        if (result.failures.length > 0) {
          const what = phase.state === 'receivers' ? 'stopped before any sender' : 'every receiver has the new key, but';
          throw new JobFailure(phase.code, 'rotation of "' + topic + '" ' + what + ': ' + describeFailures(result, phase.state));
        }
      }
      if (phase.state === 'receivers') {
        faultPoint('rotate:receivers-done');
        await ctx.setState(job, 'senders');
        faultPoint('rotate:senders');
      }
    }
  } finally {
    command.fill(0);
  }
  faultPoint('rotate:before-commit');
  await ctx.finish(job, 'done', null, async (q) => {
    await ctx.registry.promotePendingKey(topic, version, q);
    await q.run('UPDATE topic_stats SET since_rotation = 0, updated_at = ? WHERE topic = ?', [ctx.clock(), topic]);
    return [await ctx.events.append(q, 'topic.rotated', topic, { version, job: job.id })];
  });
}

/** Active clients of the topic in `roles` not confirmed holding `version`. */
export async function unconfirmed(ctx: JobContext, topic: string, version: number, roles: string): Promise<string[]> {
  const rows = await ctx.db.all<{ client_id: string }>(
    `SELECT tc.client_id FROM topic_clients tc JOIN clients c ON c.id = tc.client_id
     WHERE tc.topic = ? AND tc.role IN ${roles} AND c.status = 'active' AND (tc.key_version IS NULL OR tc.key_version < ?)
     ORDER BY tc.client_id`,
    [topic, version],
  );
  return rows.map((r) => r.client_id);
}

/** SetTopicKey of a version of the topic's key (the caller wipes it once sent). */
export async function setTopicKeyCommand(ctx: JobContext, topic: string, version: number): Promise<Uint8Array> {
  const key = await ctx.registry.topicKey(topic, version);
  if (key === null) throw new JobFailure(E4ErrorCode.InvalidState, 'no key version ' + version + ' for "' + topic + '"');
  try {
    return cmdSetTopicKey(key.key, topic);
  } finally {
    wipe(key.key);
  }
}
