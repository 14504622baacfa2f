import type { ParameterizedContext } from 'koa';
import type { AccessClaims } from '../auth/tokens';

/** What middleware leaves on `ctx.state` for the handlers after it. */
export interface AppState {
  requestId: string;
  /** The client's address (see http/client-address): limits are keyed by it. */
  clientAddress: string;
  /** Set by `requireAuth` on routes that need a caller. */
  auth?: AccessClaims;
  /** The route table's name of the matched route (for metrics and logs); unset when none matched. */
  routeName?: string;
}

export type AppContext = ParameterizedContext<AppState>;
