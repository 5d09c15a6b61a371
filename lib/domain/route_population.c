/*
 * The areas' estimated carer populations (routing.yaml carer_population,
 * read by route_load.c): what reports divide carers referred by, to say
 * how many of an area's carers the hub has found (per 1,000).
 */
#include "domain/route_impl.h"

#include "domain/geo.h"

size_t route_population_count(const route_t *rt)
{
    return rt->npopulations;
}

void route_population(const route_t *rt, size_t i, const char **id, const char **name,
                      uint64_t *carers)
{
    const route_population_t *a = &rt->populations[i];
    *id = a->id;
    *name = a->name;
    *carers = a->carers;
}

int route_population_of(const route_t *rt, const char *code)
{
    int lad;
    if (rt->npopulations == 0 || (lad = geo_lad_find(rt->geo, code)) < 0)
        return -1;
    for (size_t i = 0; i < rt->npopulations; i++)
        if (route_bit(rt->populations[i].bits, (geo_lad_t)lad))
            return (int)i;
    return -1;
}
