/*
 * Unit tests of lib/report under publish: counts below 5 shown "<5" and
 * whatever is worked out from them suppressed, in every form, so that no
 * form, chart or sentence tells a hidden count from another.
 */
#include "test.h"

#include "report_sample.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST(report_json_published_hides_counts_below_5)
{
    report_sample_t s;
    json_t *j;

    report_sample(&s);
    j = report_sample_json(&s, true);
    CHECK(j);
    CHECK(json_is_true(report_sample_at(j, "published")));
    CHECK_JINT(j, "referrals", 10);
    CHECK_JINT(j, "path.within_target", 5);
    CHECK_JSTR(j, "path.supported", "<5");
    CHECK_JSTR(j, "path.waiting", "<5");
    CHECK_JSTR(j, "path.closed", "<5"); /* 0 too */
    CHECK_JINT(j, "path.referred", 8);
    /* 6 reached of 8 referred: both 5 or more, but the 6 is a sum of
     * counts below 5 (1 contacted, 4 supported, 1 declined) */
    CHECK_JNULL(j, "path.conversion.contacted");
    /* 4 supported of 6 reached: worked out from a count below 5 */
    CHECK_JNULL(j, "path.conversion.supported");
    CHECK_JSTR(j, "carers_supported", "<5");
    CHECK_JINT(j, "time_to_first_contact.contacts", 6);
    CHECK_JINT(j, "time_to_first_contact.median_hours", 20);
    CHECK_JSTR(j, "by_provider.1.time_to_first_contact.contacts", "<5");
    CHECK_JNULL(j, "by_provider.1.time_to_first_contact.median_hours");
    CHECK_JNULL(j, "by_provider.1.time_to_first_contact.p90_hours");
    CHECK_JSTR(j, "urgent_discharges.referred", "<5");
    CHECK_JNULL(j, "urgent_discharges.share");
    CHECK_JSTR(j, "targets.1.supported_so_far", "<5");
    CHECK_JNULL(j, "targets.1.needed_per_month");
    CHECK_JINT(j, "targets.1.carers", 12500);
    CHECK_JINT(j, "referrers.1.referrals", 5);
    CHECK_JSTR(j, "referrers.0.referrals", "<5");
    CHECK_JSTR(j, "gone_quiet.0.referrals_before", "<5");
    CHECK_JSTR(j, "young_carers.transitions", "<5");
    CHECK_JNULL(j, "discharges.share");
done:
    json_decref(j);
}

/* Each of the four forms of s, published. */
static void s_published(const report_sample_t *s, char *out[4])
{
    out[0] = report_sample_render(report_text, s, true);
    out[1] = report_sample_render(report_json, s, true);
    out[2] = report_sample_render(report_csv, s, true);
    out[3] = report_sample_render(report_html, s, true);
}

/* Whether a and b, published, read the same in every form. */
static bool s_same_published(const report_sample_t *a, const report_sample_t *b)
{
    char *x[4], *y[4];
    bool same = true;
    s_published(a, x);
    s_published(b, y);
    for (int i = 0; i < 4; i++) {
        same = same && strcmp(x[i], y[i]) == 0;
        free(x[i]);
        free(y[i]);
    }
    return same;
}

TEST(report_published_share_hides_a_part_below_5)
{
    report_sample_t s;
    json_t *j = NULL;
    char *f[4];

    report_sample(&s);
    /* 10 reached of 40 referred and 5 supported of them: each 5 or more,
     * but the 10 holds 4 contacted and 1 declined */
    s.path = report_sample_path(40, 30, 4, 5, 1, 0);
    /* Action for Family Carers: 20 reached (5 + 10 + 5), every part shown */
    s.rp[0] = report_sample_path(40, 10, 5, 10, 5, 10);
    s_published(&s, f);
    CHECK_CONTAINS(f[0], "of those referred: suppressed\n");
    CHECK_CONTAINS(f[0], "supported, of those reached: suppressed\n");
    CHECK_CONTAINS(f[2], "\npath,,,conversion_contacted,\n");
    CHECK_CONTAINS(f[2], "\npath,,,conversion_supported,\n");
    CHECK_CONTAINS(f[2], ",Action for Family Carers,path_conversion_contacted,0.500\n");
    CHECK_CONTAINS(f[2], ",Action for Family Carers,path_conversion_supported,0.500\n");
    CHECK_CONTAINS(f[3], "or declined): suppressed of those referred. Supported: suppressed of");
    j = json_loads(f[1], 0, NULL);
    CHECK_JNULL(j, "path.conversion.contacted");
    CHECK_JNULL(j, "path.conversion.supported");
    CHECK_JREAL(j, "by_provider.0.path.conversion.contacted", 0.5);
    CHECK_JREAL(j, "by_provider.0.path.conversion.supported", 0.5);
done:
    json_decref(j);
    for (int i = 0; i < 4; i++)
        free(f[i]);
}

/* The three charts of s, one after another, and whether each left out a
 * figure. */
static char *s_charts(const report_sample_t *s, bool publish, bool left[3])
{
    buf_t b = BUF_INIT;
    left[0] = report_svg_progress(&b, &s->rep, publish);
    left[1] = report_svg_path(&b, s->rep.path, publish);
    left[2] = report_svg_times(&b, &s->rep, publish);
    return buf_take(&b);
}

/* Published, a chart draws the same whatever its hidden figures are: not
 * its axis, nor its bars, nor what it says about them. */
TEST(report_published_charts_draw_nothing_from_a_hidden_figure)
{
    static const uint64_t since[2][4] = {{1, 2, 3, 4}, {0, 0, 0, 0}};
    report_sample_t s[2];
    char *pub[2], *all[2], *page = NULL, *plain = NULL;
    bool left[2][3], shown[3];

    for (int k = 0; k < 2; k++) {
        report_sample(&s[k]);
        /* no target yet: the axis is the months' own */
        s[k].rep.n_targets = 0;
        for (int i = 0; i < 4; i++)
            s[k].month[i]->carers_supported_since_start = since[k][i];
        s[k].path = k ? report_sample_path(8, 0, 0, 0, 0, 0) : report_sample_path(8, 4, 3, 2, 1, 4);
        /* Action for Family Carers: no first contact, or 3 taking 900 h */
        s[k].rt[0] = k ? report_sample_times(0, 0, 0) : report_sample_times(3, 5, 900);
        s[k].rt[1] = report_sample_times(6, 30, 100);
        pub[k] = s_charts(&s[k], true, left[k]);
        all[k] = s_charts(&s[k], false, shown);
        /* unpublished, every figure is drawn */
        CHECK(!shown[0] && !shown[1] && !shown[2]);
    }
    CHECK(strcmp(all[0], all[1]) != 0);
    CHECK_STR(pub[0], pub[1]);
    CHECK_CONTAINS(pub[0], "median 30 h");
    CHECK(!strstr(pub[0], "no first contacts"));
    /* each chart left a figure out, and the page says so beside it, as
     * text of the page (a chart's own text would be cut at its edge) */
    CHECK(left[0][0] && left[0][1] && left[0][2]);
    CHECK(left[1][0] && left[1][1] && left[1][2]);
    CHECK(!strstr(pub[0], "are not drawn."));
    page = report_sample_render(report_html, &s[0], true);
    plain = report_sample_render(report_html, &s[0], false);
    CHECK_CONTAINS(page, "target (dashed). The table below has the same figures. Months with "
                         "fewer than 5 carers so far are not drawn.</figcaption>");
    CHECK_CONTAINS(page, "Stages with fewer than 5 carers are not drawn.</figcaption>");
    CHECK_CONTAINS(page,
                   "Organisations with fewer than 5 first contacts are not drawn.</figcaption>");
    CHECK(!strstr(plain, "are not drawn."));
    free(page);
    free(plain);
    for (int k = 0; k < 2; k++) {
        free(pub[k]);
        free(all[k]);
    }
}

/* Fewer than 5 carers supported so far against a straight line at 1 by
 * now: "behind" would say none, "on track" 1 to 4. */
TEST(report_published_target_state_hides_a_hidden_so_far)
{
    report_sample_t s[2];
    char *text;

    for (int k = 0; k < 2; k++) {
        report_sample(&s[k]);
        s[k].t[1].expected_by_now = 1;
        s[k].t[1].supported_so_far = k ? 3 : 0;
        s[k].t[1].on_track = k == 1;
        s[k].t[1].needed_per_month = k ? 0 : 3125.0;
    }
    CHECK(s_same_published(&s[0], &s[1]));
    text = report_sample_render(report_text, &s[0], true);
    CHECK_CONTAINS(text, "12,500 by 1 April 2027: <5 so far; whether on track is suppressed");
    /* against 4,150: fewer than 5 can only have missed, and says so */
    CHECK_CONTAINS(text, "4,150 by 1 April 2025: <5 so far; missed");
    free(text);
}

/* Published, 0 is "<5" like 1 to 4: no share, time or chart may tell
 * them apart by saying "-" or "no first contacts" for 0 alone. */
TEST(report_published_zero_reads_like_any_hidden_count)
{
    report_sample_t s[2];

    for (int k = 0; k < 2; k++) {
        report_sample(&s[k]);
        s[k].path.urgent = k ? 3 : 0;
        s[k].path.urgent_within_target = k ? 1 : 0;
        s[k].rep.discharges = k ? 2 : 0;
        s[k].rep.discharges_consulted = k ? 1 : 0;
        s[k].tfc = k ? report_sample_times(3, 7, 9) : report_sample_times(0, 0, 0);
        s[k].rt[0] = k ? report_sample_times(2, 10, 30) : report_sample_times(0, 0, 0);
    }
    CHECK(s_same_published(&s[0], &s[1]));
}
