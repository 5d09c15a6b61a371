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

/* The report's body as report_html writes it inside its own page: the h1,
 * the headings, the tables (each with a caption) and the SVG charts (each
 * an image with a title and a description), without <html>, <head> or a
 * style, for a page that has its own (carerhub-web's /report). The
 * classes it uses are styled by report_css. between (may be NULL) runs
 * once, after the h1 and the paragraph naming the period, to write what
 * such a page puts there (a period picker); ctx is passed to it. */
void report_html_body(buf_t *out, const Carerhub__ReportReply *rep, bool publish,
                      void (*between)(buf_t *out, void *ctx), void *ctx);
/* The style of the body's own classes and elements (tables, captions,
 * figures, charts), for a stylesheet of the page it stands in. */
extern const char report_css[];

#endif
