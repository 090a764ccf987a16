/**
 * The jobs that command clients one at a time or a topic's clients together: provisioning (a
 * link's keys), unlinking, reset, revocation and topic deletion.
 *
 * Public-key topics: a receiver checks each sender's signature, so it needs the sender's Ed25519
 * public key. Linking a public-key sender sends its key (SetPubKey) to the topic's public-key
 * receivers, linking a receiver sends it the senders' keys, both before the topic key; unlinking
 * and revoking send RemovePubKey to receivers that share no other topic with that sender.
 *
 * Revocation rotates the client's topics for the clients that remain, by the `rotateOnRevoke`
 * rules (rules.ts): with none defined every topic is rotated, the safe default, as a revoked
 * client that ignores its RemoveTopic keeps the key otherwise.
 */
import { cmdRemovePubKey, cmdRemoveTopic, cmdResetTopics, cmdSetPubKey } from '../c2.ts';
import { E4ErrorCode, isE4Error } from '../errors.ts';
import { fromHex } from '../utils.ts';
import type { TopicRole } from './api.ts';
import type { Send } from './commandSender.ts';
import { JobFailure, RECEIVES, receives, SENDS, sendsOn, sleep, type ClientRow, type JobContext, type JobRow } from './jobModel.ts';
import { insertRotation, setTopicKeyCommand, unconfirmed } from './rotation.ts';

interface RevokeParams {
  links: { topic: string; role: TopicRole }[];
  /** The rotation started for each topic. */
  rotations: Record<string, string>;
}

export async function runProvision(ctx: JobContext, job: JobRow): Promise<void> {
  const clientId = job.client_id as string;
  const topic = job.topic as string;
  const link = await ctx.db.get<{ role: TopicRole }>('SELECT role FROM topic_clients WHERE topic = ? AND client_id = ?', [topic, clientId]);
  const client = await ctx.clientRow(clientId);
  // Unlinked or revoked since: nothing is left to give it.
  if (link !== undefined && client?.status === 'active') {
    await sendPublicKeysOnLink(ctx, job, client, topic, link.role);
    await sendTopicKeys(ctx, job, clientId, topic, link.role);
  }
  await ctx.finish(job, 'done', null);
}

/**
 * Gives the client the topic's current key, then a pending rotation's key when its role may
 * hold it yet (receivers always; senders once every receiver has it), and again whatever a
 * rotation that ended meanwhile made current: until the last key sent is the one it must hold.
 */
async function sendTopicKeys(ctx: JobContext, job: JobRow, clientId: string, topic: string, role: TopicRole): Promise<void> {
  let last: number | null = null;
  for (let round = 0; round < 4; round++) {
    const versions = await keyVersions(ctx, topic);
    if (versions === null) return;
    const pendingAllowed = versions.pending !== null && (receives(role) || (await unconfirmed(ctx, topic, versions.pending, RECEIVES)).length === 0);
    const target = pendingAllowed ? (versions.pending as number) : versions.current;
    if (target === last) return;
    const wanted = last === null && target !== versions.current ? [versions.current, target] : [target];
    for (const version of wanted) {
      const command = await setTopicKeyCommand(ctx, topic, version);
      try {
        await ctx.sender.sendOrFail(job, [
          {
            step: { jobId: job.id, phase: 'key:' + topic + '@' + version, command: 'SetTopicKey', args: { topic, version } },
            clientId,
            keyHeld: { topic, version },
            send: (onPublished) => ctx.dispatcher.send(clientId, command, { onPublished }),
          },
        ]);
      } finally {
        command.fill(0);
      }
    }
    last = target;
  }
}

async function keyVersions(ctx: JobContext, topic: string): Promise<{ current: number; pending: number | null } | null> {
  const row = await ctx.db.get<{ current_version: number; pending: number | null }>(
    `SELECT t.current_version, (SELECT k.version FROM topic_keys k WHERE k.topic = t.name AND k.state = 'pending') AS pending
     FROM topics t WHERE t.name = ?`,
    [topic],
  );
  if (row === undefined) return null;
  return { current: Number(row.current_version), pending: row.pending === null ? null : Number(row.pending) };
}

/** Public-key clients of `topic` (active, other than `except`) whose role is in `roles`. */
function publicKeyPeers(ctx: JobContext, topic: string, roles: string, except: string): Promise<ClientRow[]> {
  return ctx.db.all<ClientRow>(
    `SELECT c.id, c.name, c.mode, c.public_key, c.status FROM topic_clients tc JOIN clients c ON c.id = tc.client_id
     WHERE tc.topic = ? AND tc.role IN ${roles} AND c.mode = 'publicKey' AND c.status = 'active' AND c.id <> ?
     ORDER BY c.id`,
    [topic, except],
  );
}

/** A public-key client linked to a topic: its receivers get its public key, it gets its senders'. */
async function sendPublicKeysOnLink(ctx: JobContext, job: JobRow, client: ClientRow, topic: string, role: TopicRole): Promise<void> {
  if (client.mode !== 'publicKey') return;
  const sends: Send[] = [];
  if (sendsOn(role)) {
    const command = cmdSetPubKey(client.public_key as Uint8Array, { id: fromHex(client.id, 'id') });
    for (const receiver of await publicKeyPeers(ctx, topic, RECEIVES, client.id)) {
      sends.push(pubKeySend(ctx, job, 'SetPubKey', client.id, receiver.id, command));
    }
  }
  if (receives(role)) {
    for (const sender of await publicKeyPeers(ctx, topic, SENDS, client.id)) {
      const command = cmdSetPubKey(sender.public_key as Uint8Array, { id: fromHex(sender.id, 'id') });
      sends.push(pubKeySend(ctx, job, 'SetPubKey', sender.id, client.id, command));
    }
  }
  await ctx.sender.sendOrFail(job, sends);
}

/**
 * A public-key client no longer on a topic in `role`: RemovePubKey of its key to the
 * receivers that share no other topic where it sends, and of its senders' keys to it.
 */
async function removePublicKeysOnUnlink(ctx: JobContext, job: JobRow, client: ClientRow, topic: string, role: TopicRole, toClient: boolean): Promise<void> {
  if (client.mode !== 'publicKey') return;
  const sends: Send[] = [];
  if (sendsOn(role)) {
    const command = cmdRemovePubKey({ id: fromHex(client.id, 'id') });
    for (const receiver of await publicKeyPeers(ctx, topic, RECEIVES, client.id)) {
      if (await stillNeedsKey(ctx, receiver.id, client.id)) continue;
      sends.push(pubKeySend(ctx, job, 'RemovePubKey', client.id, receiver.id, command));
    }
  }
  if (toClient && receives(role)) {
    for (const sender of await publicKeyPeers(ctx, topic, SENDS, client.id)) {
      if (await stillNeedsKey(ctx, client.id, sender.id)) continue;
      sends.push(pubKeySend(ctx, job, 'RemovePubKey', sender.id, client.id, cmdRemovePubKey({ id: fromHex(sender.id, 'id') })));
    }
  }
  await ctx.sender.sendOrFail(job, sends);
}

function pubKeySend(ctx: JobContext, job: JobRow, name: 'SetPubKey' | 'RemovePubKey', ofClient: string, to: string, command: Uint8Array): Send {
  return {
    step: { jobId: job.id, phase: 'pubkey:' + ofClient, command: name, args: { client: ofClient } },
    clientId: to,
    send: (onPublished) => ctx.dispatcher.send(to, command, { onPublished }),
    alreadyDone: name === 'RemovePubKey' ? [E4ErrorCode.PubKeyNotFound] : [],
  };
}

/** Whether `receiver` still reads a topic `sender` sends on. */
async function stillNeedsKey(ctx: JobContext, receiver: string, sender: string): Promise<boolean> {
  const row = await ctx.db.get(
    `SELECT 1 AS shared FROM topic_clients s JOIN topic_clients r ON r.topic = s.topic
     WHERE s.client_id = ? AND s.role IN ${SENDS} AND r.client_id = ? AND r.role IN ${RECEIVES} LIMIT 1`,
    [sender, receiver],
  );
  return row !== undefined;
}

export async function runUnlink(ctx: JobContext, job: JobRow): Promise<void> {
  const clientId = job.client_id as string;
  const topic = job.topic as string;
  const { role } = JSON.parse(job.params) as { role: TopicRole };
  const client = await ctx.clientRow(clientId);
  if (client !== undefined) {
    const active = client.status === 'active';
    if (active) await ctx.sender.sendOrFail(job, [removeTopicSend(ctx, job, clientId, topic, false)]);
    await removePublicKeysOnUnlink(ctx, job, client, topic, role, active);
  }
  await ctx.finish(job, 'done', null);
}

function removeTopicSend(ctx: JobContext, job: JobRow, clientId: string, topic: string, bestEffort: boolean): Send {
  const command = cmdRemoveTopic(topic);
  return {
    step: { jobId: job.id, phase: 'remove:' + topic, command: 'RemoveTopic', args: { topic } },
    clientId,
    bestEffort,
    send: (onPublished) => ctx.dispatcher.send(clientId, command, { onPublished }),
  };
}

export async function runReset(ctx: JobContext, job: JobRow): Promise<void> {
  const clientId = job.client_id as string;
  const client = await ctx.clientRow(clientId);
  if (client?.status === 'active') {
    // ResetTopics takes the ack key away with every other: it is confirmed by the
    // acknowledgement of the ack key sent right after it (see SendOptions in src/mqtt/c2.ts).
    await ctx.sender.sendOrFail(job, [
      {
        step: { jobId: job.id, phase: 'reset', command: 'ResetTopics', args: {} },
        clientId,
        send: async (onPublished) => {
          await ctx.dispatcher.send(clientId, cmdResetTopics(), { acknowledged: false, onPublished });
          return ctx.dispatcher.reenroll(clientId);
        },
      },
    ]);
    const links = await ctx.db.all<{ topic: string; role: TopicRole }>(
      'SELECT topic, role FROM topic_clients WHERE client_id = ? ORDER BY topic',
      [clientId],
    );
    for (const link of links) await sendTopicKeys(ctx, job, clientId, link.topic, link.role);
  }
  await ctx.finish(job, 'done', null);
}

export async function runRevoke(ctx: JobContext, job: JobRow): Promise<void> {
  const clientId = job.client_id as string;
  const params = JSON.parse(job.params) as RevokeParams;
  const client = await ctx.clientRow(clientId);
  ctx.dispatcher.forget(clientId);
  if (client !== undefined) {
    // Best effort: a revoked client may be gone or hostile; the rotations below are what
    // takes the keys away from it.
    await ctx.sender.sendAll(job, params.links.map((l) => removeTopicSend(ctx, job, clientId, l.topic, true)));
    for (const link of params.links) await removePublicKeysOnUnlink(ctx, job, client, link.topic, link.role, false);
  }
  for (const { topic } of params.links) {
    if (!(await ctx.rotatesOnRevoke(topic))) continue;
    let rotation: string | null | undefined = params.rotations[topic];
    while (rotation === undefined) {
      ctx.checkStopping();
      rotation = await startRotationFor(ctx, job, params, topic);
      if (rotation === undefined) await sleep(200);
    }
    if (rotation === null) continue;
    const child = await ctx.finished(rotation);
    if (child.state === 'failed') throw new JobFailure(child.error_code ?? 'RotationAborted', 'rotation of "' + topic + '": ' + child.error_message);
  }
  await ctx.finish(job, 'done', null);
}

/**
 * A rotation of `topic` for a revocation, recorded in the revocation's row in the same
 * transaction; undefined while another rotation of the topic runs (its key may have reached
 * the revoked client: the revocation's own comes after it); null for a topic deleted since.
 */
async function startRotationFor(ctx: JobContext, job: JobRow, params: RevokeParams, topic: string): Promise<string | null | undefined> {
  try {
    const rotation = await ctx.db.transaction((q) =>
      insertRotation(ctx, q, topic, 'revoke', async (tq, child) => {
        await tq.run('UPDATE jobs SET params = ?, updated_at = ? WHERE id = ?', [
          JSON.stringify({ ...params, rotations: { ...params.rotations, [topic]: child.id } }),
          ctx.clock(),
          job.id,
        ]);
      }),
    );
    params.rotations[topic] = rotation.id;
    ctx.launch(rotation);
    return rotation.id;
  } catch (e) {
    if (isE4Error(e, E4ErrorCode.Conflict)) return undefined;
    if (isE4Error(e, E4ErrorCode.NotFound)) return null;
    throw e;
  }
}

export async function runDeleteTopic(ctx: JobContext, job: JobRow): Promise<void> {
  const topic = job.topic as string;
  const rows = await ctx.db.all<{ client_id: string }>(
    `SELECT tc.client_id FROM topic_clients tc JOIN clients c ON c.id = tc.client_id WHERE tc.topic = ? AND c.status = 'active' ORDER BY tc.client_id`,
    [topic],
  );
  await ctx.sender.sendOrFail(job, rows.map((r) => removeTopicSend(ctx, job, r.client_id, topic, false)));
  await ctx.finish(job, 'done', null, async (q) => {
    await q.run('DELETE FROM topics WHERE name = ?', [topic]);
    await q.run('DELETE FROM rules WHERE topic = ?', [topic]);
    await q.run('DELETE FROM topic_stats WHERE topic = ?', [topic]);
    return [await ctx.events.append(q, 'topic.deleted', topic, { job: job.id })];
  });
}
