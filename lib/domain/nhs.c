/*
 * NHS number check digits (NHS Data Dictionary, "NHS Number"): weights 10
 * down to 2 on the first nine digits; 11 minus the remainder of the sum by
 * 11 is the check digit, 11 meaning 0 and 10 meaning the number is invalid.
 */
#include "domain/nhs.h"

nhs_status_t nhs_number_parse(const char *in, char *out)
{
    int n = 0, sum = 0, check;

    for (const char *p = in; *p; p++) {
        if (*p == ' ' || *p == '-')
            continue;
        if (*p < '0' || *p > '9' || n == 10)
            return NHS_FORMAT;
        out[n++] = *p;
    }
    out[n] = '\0';
    if (n != 10)
        return NHS_FORMAT;
    for (int i = 0; i < 9; i++)
        sum += (out[i] - '0') * (10 - i);
    check = 11 - sum % 11;
    if (check == 11)
        check = 0;
    if (check == 10 || check != out[9] - '0')
        return NHS_CHECKSUM;
    return NHS_OK;
}
