/*
 * A carer's postcode as an intake judges it: see route.h. One place, so
 * that `carerhub route` refuses exactly what the intakes refuse, in the same
 * words, and accepts exactly what they accept.
 */
#include "domain/route.h"

#include <stdio.h>
#include <string.h>

route_pc_t route_postcode_check(const geo_t *geo, route_unit_fn unit, void *unit_arg,
                                const char *in, char pc[POSTCODE_MAX])
{
    char district[DISTRICT_MAX], lad[16];
    const geo_lad_t *lads;

    if (!in || postcode_normalise(in, pc) < 0)
        return ROUTE_PC_FORMAT;
    if (!geo || postcode_crown_dependency(pc))
        return ROUTE_PC_OK;
    postcode_district(pc, district);
    if (geo_district(geo, district, &lads) > 0 || (unit && unit(unit_arg, pc, lad) == 1))
        return ROUTE_PC_OK;
    return ROUTE_PC_UNKNOWN;
}

void route_postcode_problem(route_pc_t why, const char *in, const char *pc, buf_t *out)
{
    if (why == ROUTE_PC_FORMAT)
        buf_printf(out, "'%.16s' is not a valid UK postcode (a form like CM2 0AA)", in ? in : "");
    else if (why == ROUTE_PC_UNKNOWN)
        buf_printf(out, "%s is not in any known UK postcode district; check it with the carer", pc);
}

const char *route_postcode_code(route_pc_t why)
{
    return why == ROUTE_PC_FORMAT ? "format" : why == ROUTE_PC_UNKNOWN ? "unknown" : "";
}
