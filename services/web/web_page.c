/*
 * Pages of carerhub-web: the one escaping function every value written
 * into HTML goes through, a printf for markup whose every string argument
 * is escaped, the layout every page shares (the GOV.UK and NHS pattern: a
 * skip link, a header naming who is logged in, navigation by role, one
 * <main id="main-content"> with one h1), error pages, the home page and
 * the stylesheet. No script anywhere: the Content-Security-Policy allows
 * none.
 */
#include "web_impl.h"

#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void web_esc(buf_t *b, const char *s)
{
    buf_html(b, s, true); /* a textarea's text keeps its line breaks */
}

void web_htmlf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p; p++) {
        const char *pct = strchr(p, '%');
        if (!pct) {
            buf_adds(b, p);
            break;
        }
        buf_add(b, p, (size_t)(pct - p));
        p = pct + 1;
        if (*p == 's')
            web_esc(b, va_arg(ap, const char *));
        else if (*p == 'd')
            buf_printf(b, "%d", va_arg(ap, int));
        else if (*p == 'u')
            buf_printf(b, "%u", va_arg(ap, unsigned));
        else if (*p == 'z' && p[1] == 'u')
            buf_printf(b, "%zu", va_arg(ap, size_t)), p++;
        else if (*p == 'l' && p[1] == 'l' && p[2] == 'd')
            buf_printf(b, "%lld", va_arg(ap, long long)), p += 2;
        else if (*p == '%')
            buf_addc(b, '%');
        else
            log_panic("web_htmlf: conversion %%%c in \"%s\"", *p ? *p : '?', fmt);
    }
    va_end(ap);
}

/* What each role may do here, for the navigation and the home page. */
typedef struct {
    const char *path, *label, *about;
} s_link_t;

static size_t s_links(const web_user_t *u, s_link_t out[3])
{
    size_t n = 0;
    if (!u || u->must_change)
        return 0;
    switch (u->role) {
    case ROLE_GP:
        out[n++] = (s_link_t){"/refer/gp", "Refer a carer",
                              "Send a carer's details to the support service for their area."};
        break;
    case ROLE_HOSPITAL:
        out[n++] = (s_link_t){"/refer/discharge", "Refer a carer at discharge",
                              "Refer the carer of a patient going home from hospital."};
        break;
    case ROLE_SCHOOL:
        out[n++] = (s_link_t){"/refer/school", "Refer a young carer",
                              "Refer a pupil who looks after someone at home."};
        break;
    default:
        break;
    }
    if (u->role == ROLE_GP || u->role == ROLE_HOSPITAL || u->role == ROLE_SCHOOL)
        out[n++] = (s_link_t){"/referrals", "Your referrals",
                              "See what has happened to the referrals your organisation made."};
    if (u->role == ROLE_PROVIDER)
        out[n++] = (s_link_t){"/inbox", "Cases",
                              "Your organisation's open cases: see each carer's details, record "
                              "what happened, or pass a case back."};
    if (u->role == ROLE_COMMISSIONER || u->role == ROLE_OPERATOR)
        out[n++] = (s_link_t){"/report", "Report",
                              "Carers supported against the targets, the path from referral to "
                              "support and who refers, for a period you choose, with its "
                              "charts and a CSV download."};
    if (u->role == ROLE_OPERATOR)
        out[n++] = (s_link_t){"/ops", "Operations",
                              "What needs a person now: alerts, the deliveries waiting for "
                              "each organisation, parked referrals and possible identity "
                              "conflicts."};
    return n;
}

void web_page_begin(buf_t *b, const web_req_t *q, const char *title)
{
    const web_user_t *u = q ? q->user : NULL;
    s_link_t links[3];
    size_t n = s_links(u, links);

    web_htmlf(b,
              "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
              "<title>%s - carerhub</title>\n"
              "<link rel=\"stylesheet\" href=\"/style.css\">\n</head>\n<body>\n"
              "<a href=\"#main-content\" class=\"skip-link\">Skip to main content</a>\n"
              "<header class=\"header\">\n<div class=\"width\">\n"
              "<a href=\"/\" class=\"header-name\">carerhub</a>\n",
              title);
    if (u) {
        web_htmlf(b, "<p class=\"header-user\">Logged in as <strong>%s</strong>", u->name);
        if (u->org[0])
            web_htmlf(b, " (%s, %s)", role_name(u->role), u->org);
        else
            web_htmlf(b, " (%s)", role_name(u->role));
        buf_adds(b, "</p>\n<form method=\"post\" action=\"/logout\" class=\"header-logout\">");
        web_csrf_input(b, q);
        buf_adds(b, "<button type=\"submit\" class=\"button-link\">Log out</button></form>\n");
    }
    buf_adds(b, "</div>\n</header>\n");
    if (n) {
        buf_adds(b, "<nav class=\"nav width\" aria-label=\"Menu\">\n<ul>\n");
        for (size_t i = 0; i < n; i++) {
            bool here = q && q->path && strcmp(q->path, links[i].path) == 0;
            web_htmlf(b, "<li><a href=\"%s\"", links[i].path);
            if (here)
                buf_adds(b, " aria-current=\"page\"");
            web_htmlf(b, ">%s</a></li>\n", links[i].label);
        }
        buf_adds(b, "</ul>\n</nav>\n");
    }
    buf_adds(b, "<div class=\"width\">\n<main id=\"main-content\" tabindex=\"-1\">\n");
}

void web_page_end(buf_t *b)
{
    buf_adds(b, "</main>\n</div>\n<footer class=\"footer width\"><p>carerhub: referrals "
                "for unpaid carers</p></footer>\n</body>\n</html>\n");
}

void web_csrf_input(buf_t *b, const web_req_t *q)
{
    const char *t = q && q->csrf ? q->csrf : q && q->user ? q->user->csrf : "";
    web_htmlf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", t);
}

static const char *s_status_title(int status)
{
    switch (status) {
    case 400:
        return "The request could not be read";
    case 403:
        return "You cannot do that here";
    case 404:
        return "Page not found";
    case 405:
        return "That cannot be done to this page";
    case 413:
        return "What was sent is too large";
    case 429:
        return "Too many attempts";
    case 503:
        return "Not available now";
    default:
        return "Sorry, there is a problem";
    }
}

void web_error_page(web_resp_t *r, const web_req_t *q, int status, const char *message)
{
    const char *title = s_status_title(status);
    buf_reset(&r->body);
    r->status = status;
    r->type = NULL;
    r->location[0] = '\0';
    r->filename[0] = '\0';
    web_page_begin(&r->body, q, title);
    web_htmlf(&r->body, "<h1>%s</h1>\n<p>%s</p>\n", title, message);
    if (q && q->user)
        buf_adds(&r->body, "<p><a href=\"/\">Go to the start page</a></p>\n");
    else
        buf_adds(&r->body, "<p><a href=\"/login\">Go to the log-in page</a></p>\n");
    web_page_end(&r->body);
}

void web_home(web_t *w, const web_req_t *q, web_resp_t *r)
{
    s_link_t links[3];
    size_t n = s_links(q->user, links);
    (void)w;
    web_page_begin(&r->body, q, "Start");
    web_htmlf(&r->body, "<h1>What do you want to do?</h1>\n");
    if (!n)
        web_htmlf(&r->body,
                  "<p>There is nothing for the %s role on these pages yet. The carerhub "
                  "command does what that role may do.</p>\n",
                  role_name(q->user->role));
    for (size_t i = 0; i < n; i++)
        web_htmlf(&r->body, "<h2><a href=\"%s\">%s</a></h2>\n<p>%s</p>\n", links[i].path,
                  links[i].label, links[i].about);
    web_page_end(&r->body);
}

/* In the NHS design system's manner: 19px type, a yellow focus ring with a
 * dark underline (3:1 against anything), the error colour #d5281b with a
 * left border for the error summary and each field in error. */
const char web_css[] =
    "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\n"
    "body{margin:0;background:#f0f4f5;color:#212b32;font-family:Arial,Helvetica,sans-serif;"
    "font-size:1.1875rem;line-height:1.5}\n"
    ".width{max-width:60rem;margin:0 auto;padding:0 1rem}\n"
    "a{color:#005eb8}a:visited{color:#330072}a:hover{color:#7c2855}\n"
    "a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:4px solid #ffeb3b;"
    "outline-offset:0;box-shadow:0 4px 0 #212b32}\n"
    "a:focus{background:#ffeb3b;color:#212b32;text-decoration:none}\n"
    ".skip-link{position:absolute;left:-9999px;top:0;padding:.5rem 1rem;background:#fff}\n"
    ".skip-link:focus{left:0;z-index:10}\n"
    ".visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap}\n"
    ".header{background:#005eb8;color:#fff;padding:.75rem 0}\n"
    ".header .width{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem}\n"
    ".header-name{color:#fff;font-weight:bold;font-size:1.5rem;text-decoration:none}\n"
    ".header-name:visited{color:#fff}\n"
    ".header-user{margin:0;flex:1}\n"
    ".header-logout{margin:0}\n"
    ".button-link{background:none;border:0;padding:0;color:#fff;font:inherit;"
    "text-decoration:underline;cursor:pointer}\n"
    ".nav{background:#fff;border-bottom:1px solid #d8dde0}\n"
    ".nav ul{list-style:none;margin:0;padding:.5rem 0;display:flex;flex-wrap:wrap;gap:1.5rem}\n"
    "main{display:block;background:#fff;margin:1.5rem 0;padding:1rem 1.5rem 2rem}\n"
    "h1{font-size:2rem;line-height:1.2;margin:.5rem 0 1.5rem}\n"
    "h2{font-size:1.5rem;line-height:1.3;margin:1.5rem 0 .5rem}\n"
    "fieldset{border:0;margin:0 0 1.5rem;padding:0}\n"
    "legend{font-weight:bold;font-size:1.375rem;margin-bottom:.5rem}\n"
    "label{display:block;font-weight:bold;margin-bottom:.25rem}\n"
    ".hint{display:block;color:#4c6272;margin-bottom:.25rem}\n"
    ".form-group{margin-bottom:1.5rem}\n"
    "input[type=text],input[type=password],input[type=date],select,textarea{font:inherit;"
    "border:2px solid #4c6272;padding:.25rem .5rem;width:100%;max-width:30rem;"
    "box-sizing:border-box;background:#fff;color:#212b32}\n"
    "textarea{min-height:6rem}\n"
    ".radios label,.checkboxes label{display:inline;font-weight:normal;margin-left:.5rem}\n"
    ".radios div,.checkboxes div{margin:.25rem 0}\n"
    "input[type=radio],input[type=checkbox]{width:1.5rem;height:1.5rem;vertical-align:middle}\n"
    ".button{font:inherit;font-weight:bold;color:#fff;background:#007f3b;border:0;"
    "border-radius:4px;box-shadow:0 4px 0 #00401e;padding:.5rem 1rem;cursor:pointer}\n"
    ".button:hover{background:#00662f}\n"
    ".error-summary{border:4px solid #d5281b;padding:1rem;margin-bottom:1.5rem}\n"
    ".error-summary h2{margin-top:0}\n"
    ".error-summary a{color:#d5281b;font-weight:bold}\n"
    ".form-group-error{border-left:4px solid #d5281b;padding-left:1rem}\n"
    ".error-message{display:block;color:#d5281b;font-weight:bold;margin-bottom:.25rem}\n"
    ".input-error{border-color:#d5281b!important}\n"
    ".panel{border:4px solid #007f3b;padding:1rem;margin-bottom:1.5rem}\n"
    ".inset{border-left:8px solid #005eb8;padding-left:1rem}\n"
    /* A tag says its word; its colour only adds to it (WCAG 1.4.1). */
    ".tag{display:inline-block;border:1px solid #212b32;padding:0 .4rem;font-size:1rem;"
    "line-height:1.6;background:#fff;color:#212b32;white-space:nowrap}\n"
    ".tag-overdue,.tag-urgent{background:#f7d4d1;color:#6b140e;border-color:#6b140e}\n"
    ".facts{margin-bottom:1.5rem}.facts th{width:35%}\n"
    /* On a phone a fact's name sits above its value (GOV.UK summary list). */
    "@media (max-width:40rem){.facts th,.facts td{display:block;width:auto}"
    ".facts th{border-bottom:0;padding-bottom:0}}\n"
    ".nowrap{white-space:nowrap}\n"
    ".case-form{margin-bottom:3rem}\n"
    "table{border-collapse:collapse;width:100%}\n"
    ".table-wrap{overflow-x:auto;max-width:100%;margin-bottom:1.5rem}\n"
    ".table-wrap:focus{outline:3px solid #ffeb3b}\n"
    "th,td{text-align:left;border-bottom:1px solid #d8dde0;padding:.5rem .5rem .5rem 0;"
    "vertical-align:top}\n"
    ".footer{color:#4c6272;font-size:1rem;padding-bottom:2rem}\n";
