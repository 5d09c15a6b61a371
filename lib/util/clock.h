/*
 * Time in milliseconds: wall clock for records, monotonic for timeouts.
 */
#ifndef CARERHUB_CLOCK_H
#define CARERHUB_CLOCK_H

#include <stdint.h>

int64_t clock_now_ms(void);  /* unix time, milliseconds */
int64_t clock_mono_ms(void); /* monotonic, milliseconds */
int64_t clock_mono_us(void); /* monotonic, microseconds */

#endif
