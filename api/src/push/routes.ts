import type { RouteHandlers } from '../http/route-table';
import type { PushService } from './service';

export function pushRoutes(
  push: PushService,
): RouteHandlers<
  'pushKey' | 'subscribePush' | 'unsubscribePush' | 'getPushPreferences' | 'setPushPreferences'
> {
  return {
    pushKey: () => ({ status: 200, body: push.publicKey() }),

    subscribePush: async ({ body, caller }) => {
      await push.subscribe(caller, body);
      return { status: 201 };
    },

    unsubscribePush: async ({ body, caller }) => {
      await push.unsubscribe(caller.userId, body.endpoint);
      return { status: 204 };
    },

    getPushPreferences: async ({ caller }) => ({
      status: 200,
      body: await push.preferences(caller.userId),
    }),

    setPushPreferences: async ({ body, caller }) => ({
      status: 200,
      body: await push.setPreferences(caller.userId, body),
    }),
  };
}
