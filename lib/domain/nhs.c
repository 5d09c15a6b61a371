/*
 * NHS number check digits (NHS Data Dictionary, "NHS Number"): weights 10
 * down to 2 on the first nine digits; 11 minus the remainder of the sum by
 * 11 is the check digit, 11 meaning 0 and 10 meaning the number is invalid.
 * And the ranges of numbers that pass it but belong to nobody.
 */
#include "domain/nhs.h"

#include "util/log.h"

#include <string.h>

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

nhs_range_t nhs_number_range(const char *digits)
{
    int same = 1;

    CH_ASSERT(strlen(digits) == 10);
    /* The weights 10..2 sum to 54, and 54 d = -d (mod 11), so the check
     * digit of d repeated nine times is d itself: all ten of 0000000000 to
     * 9999999999 pass modulus 11, and none is anyone's number. */
    while (same < 10 && digits[same] == digits[0])
        same++;
    if (same == 10)
        return NHS_RANGE_REPEATED;
    /* The test range, 999 000 0000 to 999 999 9999: set aside for test and
     * training data and never issued to a patient. Source: NHS England (NHS
     * Digital), "Synthetic data in live environments - NHS e-Referral
     * Service", section "Synthetic data naming convention",
     * https://digital.nhs.uk/services/e-referral-service/document-library/synthetic-data-in-live-environments#synthetic-data-naming-convention
     * Numbers from the other UK schemes are people's and pass: Scotland's
     * CHI numbers (a date of birth first: NHS Data Dictionary, "COMMUNITY
     * HEALTH INDEX NUMBER") and Northern Ireland's H&C numbers (320 000 001
     * to 399 999 999 plus check digit: NHS Data Dictionary, "HEALTH AND CARE
     * NUMBER"). */
    if (strncmp(digits, "999", 3) == 0)
        return NHS_RANGE_TEST;
    return NHS_RANGE_ISSUED;
}
