import type { RouteHandlers } from '../http/route-table';
import type { SearchService } from './service';

export function searchRoutes(search: SearchService): RouteHandlers<'searchMessages'> {
  return {
    searchMessages: async ({ query, caller }) => ({
      status: 200,
      body: await search.search(caller.userId, query),
    }),
  };
}
