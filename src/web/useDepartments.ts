import { useQuery } from '@tanstack/react-query';
import { endpoints, queryKeys } from './api/endpoints.js';
import { useUser } from './session.js';

/** The departments the user may filter by: a secretary's own, everyone else's the campaign's. */
export function useDepartmentOptions(): { departments: string[]; isLoading: boolean } {
  const me = useUser();
  // a user scoped to departments (a secretary) filters by those; everyone else by the campaign's
  const own = me.departments.length > 0;
  const campaign = useQuery({ queryKey: queryKeys.campaign, queryFn: endpoints.campaign, enabled: !own });
  if (own) return { departments: me.departments, isLoading: false };
  return { departments: campaign.data?.departments.map((d) => d.name) ?? [], isLoading: campaign.isLoading };
}
