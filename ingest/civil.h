/* civil.h — calendar arithmetic shared by the timestamp parsers (span JSON, pricing dates).
 * Header-only: one pure function, no state. Does not parse text; callers validate fields. */
#ifndef SPANHOUSE_CIVIL_H
#define SPANHOUSE_CIVIL_H

#include <stdint.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
 * m is 1..12, d is 1..31; no range check. */
static inline int64_t civil_days(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

#endif
