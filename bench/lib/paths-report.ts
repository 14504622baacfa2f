import type { PathsResults, RunStamp } from '../paths';

export const PATHS_START = '<!-- bench:paths:start -->';
export const PATHS_END = '<!-- bench:paths:end -->';
const DATA = /<!-- bench:paths:data (.*?) -->/s;

/**
 * The rows with the figures they come from, kept in the document as a comment: a part run
 * alone (`BENCH_ONLY=push`) then replaces its own rows and keeps the others', even on a
 * machine whose `bench/results/latest.json` (not in git) never saw them.
 */
export function pathsBlock(paths: PathsResults | undefined): string {
  if (!paths) return '';
  // `--` cannot appear inside an HTML comment; in JSON it can only be inside a string.
  const data = JSON.stringify(paths).replace(/--/g, '-\\u002d');
  return `<!-- bench:paths:data ${data} -->\n${pathsTable(paths)}`;
}

/** The figures a document's paths block was written from, if it has them. */
export function pathsInDocument(doc: string): PathsResults | undefined {
  const data = DATA.exec(doc)?.[1];
  if (data === undefined) return undefined;
  try {
    return JSON.parse(data) as PathsResults;
  } catch {
    return undefined;
  }
}

const when = (s: RunStamp) =>
  `${s.date.slice(0, 16).replace('T', ' ')} UTC, load ${s.loadBefore[0] ?? '?'} → ${s.loadAfter[0] ?? '?'}`;

/** A figure, or a dash when there is none (NaN, which the JSON keeps as null). */
const n = (value: number | null) => (value === null || Number.isNaN(value) ? '—' : String(value));

const problems = (parts: [number, string][]) => {
  const said = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return said.length > 0 ? ` (${said.join(', ')})` : '';
};

/** The rows of the paths parts (issue #21), each with the time and load of its own run. */
export function pathsTable(paths: PathsResults | undefined): string {
  if (!paths) return '';
  const rows: string[][] = [];
  const { group, edits, reactions, push, processes } = paths;
  if (group) {
    rows.push([
      `${group.members}-member group, all online, ${group.perSecond} msg/s from ${group.senders} members: send → the last of the ${group.members - 1} others received it, p50 / p99 (ms)`,
      `${n(group.allP50)} / ${n(group.allP99)}` +
        problems([
          [group.incomplete, 'not complete within 3 s'],
          [group.errors, 'errors'],
        ]),
      `${group.cpuMicrosPerFrame} µs per delivered frame (${group.cpuMicrosPerMessage} µs per message)`,
      when(group),
    ]);
    rows.push([
      'The same group: send → one member received it (every frame), p50 / p99 (ms)',
      `${n(group.frameP50)} / ${n(group.frameP99)} over ${group.frames} frames`,
      '',
      when(group),
    ]);
  }
  for (const [name, r] of [
    ['Edits', edits],
    ['Reactions (toggled on and off)', reactions],
  ] as const) {
    if (!r) continue;
    rows.push([
      `${name} at ${r.offeredPerSecond}/s offered: send → \`message:updated\` at the other member, p50 / p99 (ms)`,
      `${n(r.p50)} / ${n(r.p99)}, ${r.deliveredPerSecond}/s delivered` +
        problems([
          [r.lost, 'lost'],
          [r.errors, `errors${r.firstError ? `: ${r.firstError}` : ''}`],
        ]),
      `${r.cpuMicrosPerChange} µs per change`,
      when(r),
    ]);
  }
  if (push) {
    const w = push.withSubscriptions;
    const without = push.withoutSubscriptions;
    rows.push(
      [
        `Online pairs' p50 / p99 (ms) at ${push.onlinePerSecond} msg/s, while ${without.offlineMessagesPerSecond} msg/s go to ${push.offlineUsers} offline users: without → with a push subscription each`,
        `${n(without.online.p50)} / ${n(without.online.p99)} → ${n(w.online.p50)} / ${n(w.online.p99)}`,
        `${without.cpuSeconds} → ${w.cpuSeconds} s over the run`,
        when(push),
      ],
      [
        'Web Push to a loopback push service at that rate: pushes/s, send → push received p50 / p99 (ms), queue',
        `${w.pushesPerSecond}/s (${w.pushes} pushes), ${n(w.pushP50)} / ${n(w.pushP99)}, queue max ${w.queueMax}, empty ${w.drainMs} ms after the last send` +
          problems([[push.pushServiceErrors, 'refused by the push service']]),
        `${w.cpuMicrosPerPush} µs per push (over the run without subscriptions)`,
        when(push),
      ],
      [
        `Push burst: ${push.burst.messages} messages at once, each to another subscribed user`,
        `${push.burst.pushesPerSecond} pushes/s (${push.burst.pushes} in ${push.burst.seconds} s), queue max ${push.burst.queueMax}`,
        `${push.burst.cpuMicrosPerPush} µs per push, messages included`,
        when(push),
      ],
    );
  }
  if (processes) {
    for (const run of processes.runs) {
      rows.push([
        run.processes === 1
          ? `One API process: msg/s at saturation; p50 / p99 (ms) at ${processes.ratePerSecond} msg/s`
          : `${run.processes} API processes on one host, one SQLite file, Redis: the same`,
        `${run.perSecond}; ${n(run.p50)} / ${n(run.p99)}` +
          problems([
            [run.lost, 'late'],
            [run.errors, 'errors'],
          ]),
        `${run.cpuMicrosPerMessage} µs per message over all processes`,
        when(processes),
      ]);
    }
  }
  if (rows.length === 0) return '';
  return [
    `Paths of issue #21 (store: ${paths.store}; each part stamped with its own run):`,
    '',
    '| Path | Figures | Server CPU | Run |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}
