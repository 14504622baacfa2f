import { describe, expect, it } from 'vitest';
import type { LocalMessage, SystemEvent } from '../../shared/bridge';
import { adminDirections, systemText } from './system-text';

const NAMES: Record<string, string> = { a: 'Alice', b: 'Bob', c: 'Cara' };
const nameOf = (id: string) => NAMES[id] ?? 'Someone';
/** Without the isolation marks, to read the sentence. */
const plain = (text: string) => text.replace(/[\u2068\u2069]/gu, '');
const say = (system: SystemEvent, selfId = 'me', madeAdmin?: boolean) =>
  plain(systemText(system, nameOf, selfId, madeAdmin));
const event = (e: Partial<SystemEvent> & Pick<SystemEvent, 'event'>): SystemEvent => ({
  actorId: 'a',
  userIds: [],
  title: null,
  ...e,
});

describe('group changes as lines of the history', () => {
  it('says who did what to whom', () => {
    expect(say(event({ event: 'member_added', userIds: ['b'] }))).toBe('Alice added Bob');
    expect(say(event({ event: 'member_added', userIds: ['b', 'c', 'x'] }))).toBe(
      'Alice added Bob, Cara and Someone',
    );
    expect(say(event({ event: 'member_removed', userIds: ['b'] }))).toBe('Alice removed Bob');
    expect(say(event({ event: 'member_left', actorId: 'b', userIds: ['b'] }))).toBe('Bob left');
    expect(say(event({ event: 'title_changed', title: 'Trip' }))).toBe(
      'Alice renamed the group to “Trip”',
    );
    expect(say(event({ event: 'admin_changed', userIds: ['b'] }), 'me', true)).toBe(
      'Alice made Bob an admin',
    );
    expect(say(event({ event: 'admin_changed', userIds: ['b'] }), 'me', false)).toBe(
      'Alice removed Bob as admin',
    );
  });

  it('calls the user "You"', () => {
    expect(say(event({ event: 'member_added', userIds: ['b'] }), 'a')).toBe('You added Bob');
    expect(say(event({ event: 'member_removed', userIds: ['me'] }))).toBe('Alice removed you');
    expect(say(event({ event: 'member_left', actorId: 'me', userIds: ['me'] }))).toBe('You left');
  });

  it('isolates names, so a right-to-left name cannot reorder the sentence', () => {
    expect(systemText(event({ event: 'member_added', userIds: ['b'] }), nameOf, 'me')).toBe(
      '\u2068Alice\u2069 added \u2068Bob\u2069',
    );
  });

  it('works out whether each admin change gave or took the role, from the newest back', () => {
    const change = (seq: number, userId: string): LocalMessage =>
      ({
        key: `a:s${seq}`,
        seq,
        system: event({ event: 'admin_changed', userIds: [userId] }),
      }) as LocalMessage;
    const messages = [change(1, 'b'), change(2, 'c'), change(3, 'b'), change(4, 'b')];
    // Bob is an admin now, Cara is not.
    const directions = adminDirections(messages, ['a', 'b']);
    expect(directions.get('a:s4')).toBe(true);
    expect(directions.get('a:s3')).toBe(false);
    expect(directions.get('a:s1')).toBe(true);
    expect(directions.get('a:s2')).toBe(false);
  });
});
