/*
 * A report (ReportReply, made by the router) as people and programs read
 * it: text for a terminal, JSON, CSV (one long table) and one
 * self-contained HTML page with inline SVG charts (no network, no
 * JavaScript). Counts only: a report never holds a person's details.
 *
 * publish: for figures meant to leave the hub, every count below 5 is
 * written "<5" (as NHS and ONS statistics do), and a share, rate or time
 * worked out from such a count is left out ("suppressed" in text, null in
 * JSON, empty in CSV).
 */
#ifndef CARERHUB_REPORT_H
#define CARERHUB_REPORT_H

#include "carerhub.pb-c.h"
#include "util/buf.h"

#include <stdbool.h>

#define REPORT_SMALL 5 /* counts below this are suppressed when published */

/* Each appends the whole report to out. */
void report_text(buf_t *out, const Carerhub__ReportReply *rep, bool publish);
void report_json(buf_t *out, const Carerhub__ReportReply *rep, bool publish);
void report_csv(buf_t *out, const Carerhub__ReportReply *rep, bool publish);
void report_html(buf_t *out, const Carerhub__ReportReply *rep, bool publish);

#endif
