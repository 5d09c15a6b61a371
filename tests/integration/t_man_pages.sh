# The man pages, as an operator gets them: `make install DESTDIR=...` puts
# each page in its section of MANDIR (and still installs the programs, the
# configuration and the units); `man -l` renders each, 80 columns wide with
# groff's warnings on, without a warning and not empty; each page's NAME is
# one that man-db can index, and each carerhub page it refers to is
# installed. Then the pages are held to the programs: every program
# installed has its page; every command `carerhub --help` lists has its own
# entry in carerhub(1), naming each of its options; every option of each
# daemon's usage is in its page's OPTIONS; every key of lib/conf/hubconf.c
# is in carerhub.yaml(5) with its default and, for a number, its range, and
# the page names no key the hub does not have. So a command, an option or a
# key added without its page fails here.
. "$(dirname "$0")/lib.sh"
dest=$WORK/dest
prefix=/usr/local
mandir=$dest$prefix/share/man

note "make install DESTDIR=$dest"
# A make of its own: not a sub-make of whatever ran the tests.
(cd "$top" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    make --no-print-directory install DESTDIR="$dest" PREFIX="$prefix") >"$WORK/install.log" 2>&1 ||
    fail "make install failed: $(tail -n 20 "$WORK/install.log")"

# What install did before it installed man pages is still done.
for p in carerhub carerhub-router carerhub-gp-intake carerhub-discharge-intake \
    carerhub-school-intake carerhub-self-intake carerhub-provider carerhub-web; do
    [ -x "$dest$prefix/bin/$p" ] || fail "make install did not install $prefix/bin/$p"
done
[ -f "$dest$prefix/etc/carerhub/carerhub.yaml" ] || fail "make install did not install carerhub.yaml"
[ -f "$dest$prefix/lib/systemd/system/carerhub-router.service" ] ||
    fail "make install did not install the systemd units"

# The pages the issue asks for, each in its section, and every page of man/.
want="man1/carerhub.1 man5/carerhub.yaml.5 man5/routing.yaml.5 man5/participants.yaml.5
man5/carerhub-case.5 man5/carerhub-outcome.5"
for p in "$dest$prefix"/bin/carerhub-*; do want="$want man8/$(basename "$p").8"; done
for src in "$top"/man/*.[158]; do
    f=$(basename "$src")
    want="$want man${f##*.}/$f"
done
for page in $want; do
    [ -f "$mandir/$page" ] || fail "make install did not install $page in $prefix/share/man"
done
pages=$(cd "$mandir" && ls man[158]/* | sort)
[ "$(echo "$pages" | wc -l)" -ge 13 ] || fail "only $(echo "$pages" | wc -l) pages installed: $pages"

note "man -l renders each page, 80 columns, warnings on"
for page in $pages; do
    f=$mandir/$page
    MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings=w -l "$f" >"$WORK/out" 2>"$WORK/err" ||
        fail "man -l $page failed: $(cat "$WORK/err")"
    [ ! -s "$WORK/err" ] || fail "man -l $page warns: $(head -n 20 "$WORK/err")"
    [ "$(wc -w <"$WORK/out")" -ge 100 ] || fail "man -l $page renders next to nothing"
    wide=$(awk 'length($0) > 80' "$WORK/out")
    [ -z "$wide" ] || fail "man -l $page has lines wider than 80 columns: $wide"
    for sh in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
        grep -q "^$sh\$" "$WORK/out" || fail "$page has no $sh section"
    done
    case $page in man8/*)
        for sh in OPTIONS SIGNALS FILES "EXIT STATUS"; do
            grep -q "^$sh\$" "$WORK/out" || fail "$page has no $sh section"
        done
        ;;
    esac
    # man-db indexes a page by its NAME line: "name - what it is".
    name=$(basename "$page")
    name=${name%.*}
    lexgrog "$f" >"$WORK/lex" 2>&1 || fail "man-db cannot read the NAME of $page: $(cat "$WORK/lex")"
    grep -q "\"$name - " "$WORK/lex" || fail "$page's NAME is not '$name - ...': $(cat "$WORK/lex")"
    # Each carerhub page it refers to is installed.
    sed -n '/^SEE ALSO$/,/^[A-Z]/p' "$WORK/out" | grep -o '[a-z][a-z0-9.-]*([0-9])' | sort -u |
        while read -r ref; do
            n=${ref%(*} s=${ref#*(}
            s=${s%)}
            case $n in carerhub* | *.yaml) ;; *) continue ;; esac
            [ -f "$mandir/man$s/$n.$s" ] || fail "$page refers to $ref, which is not installed"
        done || exit 1
done
note "$(echo "$pages" | wc -l) pages render without a warning"

note "the pages name every command, option and key"
"$bin/carerhub" --help >"$WORK/help" || fail "carerhub --help failed"
for d in gp-intake discharge-intake school-intake self-intake professional-intake router provider web; do
    "$bin/carerhub-$d" --help >"$WORK/usage-carerhub-$d" || fail "carerhub-$d --help failed"
done
python3 - "$mandir" "$WORK" "$top/lib/conf/hubconf.c" <<'PY' || fail "the pages and the programs disagree"
import re, sys

mandir, work, hubconf = sys.argv[1:4]
problems = []


def plain(text):
    """A line of roff as words: fonts and escapes gone, macro arguments
    joined as the macro would set them."""
    text = re.sub(r'\\f(\[[^]]*\]|\(..|.)', '', text)
    for esc, ch in ((r'\-', '-'), (r'\(aq', "'"), (r'\(en', '-'), (r'\(bu', '*'),
                    (r'\e', '\\'), (r'\&', ''), (r'\%', ''), (r'\~', ' '), (r'\ ', ' ')):
        text = text.replace(esc, ch)
    m = re.match(r'^\.([A-Z]{1,2})\b\s*(.*)$', text)
    if not m:
        return text
    macro, rest = m.groups()
    args = re.findall(r'"([^"]*)"|(\S+)', rest)
    args = [a or b for a, b in args]
    joiner = '' if macro in ('BR', 'BI', 'IB', 'IR', 'RB', 'RI') else ' '
    return joiner.join(args)


def parse(path):
    """A page as (section, subsection, tag, text) for each paragraph: the
    tag of a .TP (or '' for text outside one)."""
    out, sh, ss, tag, buf, want_tag = [], '', '', '', [], False
    def flush():
        if buf or tag:
            out.append((sh, ss, tag, ' '.join(buf)))
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if line.startswith(".\\\""):
            continue
        if want_tag:
            tag, want_tag = plain(line).strip(), False
            continue
        m = re.match(r'^\.(SH|SS|TP|PP|IP|RS|RE)\b\s*(.*)$', line)
        if m:
            flush()
            buf, tag = [], ''
            name, arg = m.groups()
            if name == 'SH':
                sh, ss = plain('.B ' + arg).strip(), ''
            elif name == 'SS':
                ss = plain('.B ' + arg).strip()
            elif name == 'TP':
                want_tag = True
            continue
        buf.append(plain(line))
    flush()
    return out


def has_word(text, word):
    return re.search(r'(?<![\w-])' + re.escape(word) + r'(?![\w-])', text) is not None


# carerhub(1): each command of --help has a .SS in COMMANDS naming each of
# its options; the global options are in OPTIONS.
page = parse(f'{mandir}/man1/carerhub.1')
entries = {}
for sh, ss, tag, text in page:
    if sh == 'COMMANDS' and ss:
        entries.setdefault(ss.split()[0], []).append(tag + ' ' + text)
entries = {k: ' '.join(v) for k, v in entries.items()}
global_tags = ' '.join(tag for sh, ss, tag, text in page if sh == 'OPTIONS')
help_lines = open(f'{work}/help').read().split('\n')
for opt in re.findall(r'--[a-z][a-z-]*', ' '.join(help_lines[:2])):
    if not has_word(global_tags, opt):
        problems.append(f'carerhub(1): the global option {opt} is not in OPTIONS')
commands, cmd = {}, None
for line in help_lines[help_lines.index('commands:') + 1:]:
    if not line.strip():
        break
    m = re.match(r'^  ([a-z][a-z0-9-]*)', line)
    if m:
        cmd = m.group(1)
        commands.setdefault(cmd, set())
    commands[cmd].update(re.findall(r'--[a-z][a-z-]*', line))
if len(commands) < 20:
    problems.append(f'carerhub --help lists only {len(commands)} commands: {sorted(commands)}')
for cmd, opts in sorted(commands.items()):
    if cmd not in entries:
        problems.append(f'carerhub(1): the command {cmd} has no entry (.SS {cmd} in COMMANDS)')
        continue
    for opt in sorted(opts):
        if not has_word(entries[cmd], opt):
            problems.append(f'carerhub(1): the entry of {cmd} does not name its option {opt}')

# Each daemon's page: every option of its usage is the tag of an entry of
# OPTIONS.
for d in ('gp-intake', 'discharge-intake', 'school-intake', 'self-intake', 'professional-intake', 'router',
          'provider', 'web'):
    prog = f'carerhub-{d}'
    usage = open(f'{work}/usage-{prog}').read()
    opts = set(re.findall(r'(?<![\w-])(--?[a-z][a-z-]*)', usage))
    if not {'-c', '-n', '-v'} <= opts:
        problems.append(f'{prog} --help: no -c, -n, -v in: {usage!r}')
    tags = ' '.join(tag for sh, ss, tag, text in parse(f'{mandir}/man8/{prog}.8')
                    if sh == 'OPTIONS')
    for opt in sorted(opts):
        if not has_word(tags, opt):
            problems.append(f'{prog}(8): the option {opt} of its usage is not in OPTIONS')

# carerhub.yaml(5) against the key tables of hubconf.c.
src = open(hubconf).read()
entry = (r'\{\s*"(\w+)",[\s\\]*(CK_\w+),[\s\\]*offsetof\([^)]*\),[\s\\]*(NULL|"[^"]*"|ep),'
         r'[\s\\]*(-?\w+),[\s\\]*(-?\w+),[\s\\]*(NULL|s_\w+)')
macro = re.search(r'#define S_INTAKE_KEYS\(ep\)(.*?)\n\n', src, re.S).group(1)
tables = {}
for m in re.finditer(r'static const conf_key_t (s_\w+)\[\] = \{(.*?)\};', src, re.S):
    name, body = m.groups()
    ep = re.match(r'\s*S_INTAKE_KEYS\(("[^"]*")\)', body)
    if ep:
        body = macro.replace('ep,', ep.group(1) + ',')
    tables[name] = re.findall(entry, body)
keys = {}  # (section, key) -> (type, default, min, max)
for k, typ, default, lo, hi, sub in tables['s_keys']:
    if typ == 'CK_SECTION':
        for k2, typ2, d2, lo2, hi2, _ in tables[sub]:
            keys[(k, k2)] = (typ2, d2, lo2, hi2)
    else:
        keys[('', k)] = (typ, default, lo, hi)
if len(keys) < 50 or ('retention', 'closed_case_days') not in keys:
    problems.append(f'hubconf.c read wrong: {len(keys)} keys')
sections = {s for s, _ in keys if s}
documented = {}  # (section, key) -> text
for sh, ss, tag, text in parse(f'{mandir}/man5/carerhub.yaml.5'):
    if sh != 'KEYS' or not tag:
        continue
    secs = [w for w in re.split(r'[^\w]+', ss) if w in sections]
    if not secs:
        if ss != 'Top level':
            problems.append(f'carerhub.yaml(5): the subsection "{ss}" names no section')
            continue
        secs = ['']
    for k in re.split(r',\s*', tag):
        for s in secs:
            documented[(s, k.strip())] = tag + ' ' + text
for (s, k), (typ, default, lo, hi) in sorted(keys.items()):
    name = f'{s}.{k}' if s else k
    text = documented.get((s, k))
    if text is None:
        problems.append(f'carerhub.yaml(5): the key {name} is not there')
        continue
    if default != 'NULL' and not has_word(text, default.strip('"')):
        problems.append(f'carerhub.yaml(5): {name} does not give its default {default}')
    if typ == 'CK_INT':
        for bound in (lo, hi):
            if not has_word(text, bound):
                problems.append(f'carerhub.yaml(5): {name} does not give its range ({lo} to {hi})')
                break
for s, k in sorted(set(documented) - set(keys)):
    problems.append(f'carerhub.yaml(5) names {s + "." if s else ""}{k}, a key the hub does not have')

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
PY
note "every command, option and key is in its page"
