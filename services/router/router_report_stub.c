/* Until routing reads programme_start, targets and referrers: nothing
 * configured. Weak, so the real ones replace these. */
#include "domain/route.h"

__attribute__((weak)) date_t route_programme_start(const route_t *rt)
{
    return -1;
}
__attribute__((weak)) size_t route_target_count(const route_t *rt)
{
    return 0;
}
__attribute__((weak)) void route_target(const route_t *rt, size_t i, date_t *date, uint64_t *carers)
{
}
__attribute__((weak)) const char *route_referrer_name(const route_t *rt, route_src_t source,
                                                      const char *code)
{
    return NULL;
}
__attribute__((weak)) const char *route_authority_name(const route_t *rt, const char *code)
{
    return NULL;
}
