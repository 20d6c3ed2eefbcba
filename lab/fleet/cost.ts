/** What a PoP's hosts cost: hosts x the price of one, per million requests and per tenant-month. */

/** Hours in an average month (8,760 / 12). */
export const HOURS_PER_MONTH = 730;

/** Cost figures of `hosts` hosts at `hostPerHour` serving `tenants` tenants at `rate` requests per second. */
export function hostsCost(hosts: number, hostPerHour: number, tenants: number, rate: number): { costPerHour: number; perMillionRequests: number; perTenantMonth: number } {
  const costPerHour = hosts * hostPerHour;
  return { costPerHour, perMillionRequests: (costPerHour / (rate * 3600)) * 1e6, perTenantMonth: (costPerHour * HOURS_PER_MONTH) / tenants };
}
