/*
 * md_main.c — medeld's command line and life cycle.
 *
 *   medeld [--data DIR] [--socket PATH] [--listen HOST:PORT]
 *          [--tokens FILE] [--tls-cert FILE --tls-key FILE]
 *          [--insecure-http] [--map-size SIZE] [--threads N]
 *          [--log-level error|warn|info|debug]
 *
 * Start-up, in an order where each step can fail with a clear message
 * and exit 1 (2 for a usage error) before anything is served: parse the
 * options; refuse plain HTTP on an address other than loopback (unless
 * --insecure-http: a TLS proxy in front); load the tokens (TCP needs
 * them) and the TLS certificate and key (md_tls.h); open the ledger
 * exclusively
 * (ML_OPEN_EXCLUSIVE: a directory held by another medeld or by medel --db
 * is refused, as is one that is not a medel ledger or of an unknown
 * format); bind the Unix socket (and TCP); build the server; serve. The
 * ledger is opened before the socket is bound, so a second medeld on the
 * same directory fails on the lock and never touches the first one's
 * socket.
 *
 * Shut-down (md_server_run returns): remove our socket file, free the
 * server (the writer has committed everything it accepted), close the
 * ledger, exit 0 — or 1 when the grace period cut requests off.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/thread.h>

#include "ml_ledger.h"

#include "md_auth.h"
#include "md_limits.h"
#include "md_listen.h"
#include "md_log.h"
#include "md_metrics.h"
#include "md_server.h"
#include "md_tls.h"

#ifndef MEDEL_VERSION
#define MEDEL_VERSION "0.0.0"
#endif

struct md_options {
	const char *data;       /* --data, default ./medel-data */
	const char *socket;     /* --socket, default <data>/medeld.sock */
	const char *listen;     /* --listen HOST:PORT or NULL */
	const char *tokens;     /* --tokens FILE or NULL */
	const char *tls_cert;   /* --tls-cert FILE or NULL */
	const char *tls_key;    /* --tls-key FILE or NULL */
	bool insecure_http;     /* --insecure-http */
	uint64_t map_bytes_max; /* --map-size, 0 = the ledger's default */
	unsigned threads;       /* --threads, default 1 */
	enum md_log_level level;
};

static void md_usage(FILE *to)
{
	fputs(
	    "usage: medeld [--data DIR] [--socket PATH] [--listen HOST:PORT]\n"
	    "              [--tokens FILE] [--tls-cert FILE --tls-key FILE]\n"
	    "              [--insecure-http] [--map-size SIZE] [--threads N]\n"
	    "              [--log-level error|warn|info|debug]\n"
	    "\n"
	    "Serves the medel ledger in DIR (default ./medel-data, created\n"
	    "if missing) over HTTP on a Unix socket (default\n"
	    "DIR/medeld.sock, mode 0600) and, with --listen, over TCP,\n"
	    "where every request needs a bearer token from --tokens FILE\n"
	    "(lines: ROLE NAME SHA256HEX; roles read, write, admin).\n"
	    "\n"
	    "  --tls-cert FILE  serve TCP as HTTPS (TLS 1.2+) with this PEM\n"
	    "  --tls-key FILE   certificate (chain) and its private key\n"
	    "  --insecure-http  allow plain HTTP on an address other than\n"
	    "                   loopback (only behind a TLS proxy)\n"
	    "  --map-size SIZE  the most the LMDB map may grow to, e.g. 64G\n"
	    "                   (suffixes K M G T, powers of 1024; default\n"
	    "                   1T)\n"
	    "  --threads N      event-loop threads serving reads (1..16,\n"
	    "                   default 1)\n"
	    "  --help, --version\n"
	    "\n"
	    "SIGTERM/SIGINT: finish in-flight requests, commit, exit 0.\n"
	    "SIGHUP: reload the tokens file and the TLS certificate.\n",
	    to);
}

/* "64G", "512M", "1T", "1048576" → bytes; 0 on error. */
static uint64_t md_parse_size(const char *s)
{
	uint64_t n = 0;
	size_t i = 0;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			return 0;
		n = n * 10 + d;
	}
	if (i == 0)
		return 0;
	const char *units = "KMGT";
	const char *u = s[i] ? strchr(units, s[i]) : NULL;
	if (s[i] != '\0' && u == NULL)
		return 0;
	int shift = u ? 10 * (int)(u - units + 1) : 0;
	if (u != NULL && strcmp(s + i + 1, "") != 0 &&
	    strcmp(s + i + 1, "iB") != 0 && strcmp(s + i + 1, "B") != 0)
		return 0;
	if (shift > 0 && n > (UINT64_MAX >> shift))
		return 0;
	return n << shift;
}

/* A decimal count 1 ..= max; 0 on error. */
static unsigned md_parse_count(const char *s, unsigned max)
{
	unsigned n = 0;
	size_t i = 0;
	for (; s[i] >= '0' && s[i] <= '9' && i < 4; i++)
		n = n * 10 + (unsigned)(s[i] - '0');
	return i > 0 && s[i] == '\0' && n <= max ? n : 0;
}

/* One option c with its argument. 0 ok, 1 --help/--version done, 2 a
 * usage error (already reported). */
static int md_parse_option(int c, const char *arg, struct md_options *o)
{
	switch (c) {
	case 'd':
		o->data = arg;
		return 0;
	case 's':
		o->socket = arg;
		return 0;
	case 'l':
		o->listen = arg;
		return 0;
	case 't':
		o->tokens = arg;
		return 0;
	case 'c':
		o->tls_cert = arg;
		return 0;
	case 'k':
		o->tls_key = arg;
		return 0;
	case 'I':
		o->insecure_http = true;
		return 0;
	case 'm':
		o->map_bytes_max = md_parse_size(arg);
		if (o->map_bytes_max >= (1u << 20))
			return 0;
		fprintf(stderr,
		        "medeld: --map-size '%s' is not a size of at "
		        "least 1M\n",
		        arg);
		return 2;
	case 'T':
		o->threads = md_parse_count(arg, MD_THREADS_MAX);
		if (o->threads != 0)
			return 0;
		fprintf(stderr, "medeld: --threads must be 1..%d\n",
		        MD_THREADS_MAX);
		return 2;
	case 'L':
		if (md_log_level_parse(arg, &o->level) == 0)
			return 0;
		fprintf(stderr, "medeld: --log-level must be error, warn, info "
		                "or debug\n");
		return 2;
	case 'h':
		md_usage(stdout);
		return 1;
	case 'V':
		printf("medeld %s\n", MEDEL_VERSION);
		return 1;
	default:
		md_usage(stderr);
		return 2;
	}
}

/* 0 ok, 1 --help/--version done, 2 usage error. */
static int md_parse_args(int argc, char **argv, struct md_options *o)
{
	static const struct option longs[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"socket", required_argument, NULL, 's'},
	    {"listen", required_argument, NULL, 'l'},
	    {"tokens", required_argument, NULL, 't'},
	    {"tls-cert", required_argument, NULL, 'c'},
	    {"tls-key", required_argument, NULL, 'k'},
	    {"insecure-http", no_argument, NULL, 'I'},
	    {"map-size", required_argument, NULL, 'm'},
	    {"threads", required_argument, NULL, 'T'},
	    {"log-level", required_argument, NULL, 'L'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0}};
	int c, rc = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, "", longs, NULL)) != -1)
		rc = md_parse_option(c, optarg, o);
	if (rc != 0)
		return rc;
	if (optind < argc) {
		fprintf(stderr, "medeld: unexpected argument '%s'\n",
		        argv[optind]);
		return 2;
	}
	if (o->listen != NULL && o->tokens == NULL) {
		fprintf(stderr, "medeld: --listen needs --tokens FILE: every "
		                "TCP request must carry a token\n");
		return 2;
	}
	if ((o->tls_cert == NULL) != (o->tls_key == NULL)) {
		fprintf(stderr, "medeld: --tls-cert and --tls-key go together: "
		                "the certificate and its private key\n");
		return 2;
	}
	if (o->tls_cert != NULL && o->listen == NULL) {
		fprintf(stderr, "medeld: --tls-cert needs --listen HOST:PORT: "
		                "TLS is for TCP (the Unix socket stays "
		                "local)\n");
		return 2;
	}
	return 0;
}

/* Plain HTTP on an address other than loopback carries the tokens and
 * the ledger in clear text: refused unless --insecure-http says a TLS
 * proxy in front does the encryption. 0 or -1 (said why). */
static int md_check_plain(const struct md_options *o)
{
	if (o->listen == NULL || o->tls_cert != NULL ||
	    md_listen_loopback(o->listen) != 0)
		return 0; /* -1 (not HOST:PORT): md_listen_tcp says why */
	if (o->insecure_http) {
		md_log(MD_LOG_WARN, "listen",
		       "serving plain HTTP on %s, which is not loopback "
		       "(--insecure-http): tokens cross the network in clear "
		       "text unless a TLS proxy is in front",
		       o->listen);
		return 0;
	}
	fprintf(stderr,
	        "medeld: refusing to listen on %s in plain HTTP: it is not "
	        "a loopback address, so bearer tokens and the ledger would "
	        "cross the network unencrypted. Give --tls-cert FILE "
	        "--tls-key FILE to serve HTTPS, or --insecure-http when a "
	        "TLS proxy in front of medeld encrypts the traffic.\n",
	        o->listen);
	return -1;
}

/* Everything medeld holds while it runs; freed in reverse order. */
struct md_state {
	struct md_auth *auth;
	struct ml_ledger *lg;
	struct md_metrics *metrics;
	struct md_server *srv;
	struct md_tls *tls; /* --tls-cert: TLS on TCP, or NULL */
	int unix_fd, tcp_fd;
	ino_t unix_ino;
	char socket_path[MD_PATH_MAX];
	char tcp_bound[128];
};

static int md_open_ledger(const struct md_options *o, struct md_state *st)
{
	struct ml_errinfo err;
	/* summaries: deadlines and repayments kept per grant (ml_summary.h) */
	unsigned flags = ML_OPEN_EXCLUSIVE | ML_OPEN_SUMMARIES;
	struct ml_open_opts lo = {.flags = flags,
	                          .map_bytes_max = o->map_bytes_max};
	int rc = ml_ledger_open(o->data, &lo, &st->lg, &err);
	if (rc != 0) {
		fprintf(stderr, "medeld: %s\n",
		        err.message[0] ? err.message : ml_strerror(rc));
		return -1;
	}
	return 0;
}

static int md_open_sockets(const struct md_options *o, struct md_state *st)
{
	char why[512];
	int n = o->socket ? snprintf(st->socket_path, sizeof st->socket_path,
	                             "%s", o->socket)
	                  : snprintf(st->socket_path, sizeof st->socket_path,
	                             "%s/medeld.sock", o->data);
	if (n < 0 || (size_t)n >= sizeof st->socket_path) {
		fprintf(stderr, "medeld: the socket path is too long\n");
		return -1;
	}
	st->unix_fd =
	    md_listen_unix(st->socket_path, &st->unix_ino, why, sizeof why);
	if (st->unix_fd < 0) {
		fprintf(stderr, "medeld: %s\n", why);
		return -1;
	}
	if (o->listen != NULL) {
		st->tcp_fd =
		    md_listen_tcp(o->listen, st->tcp_bound,
		                  sizeof st->tcp_bound, why, sizeof why);
		if (st->tcp_fd < 0) {
			fprintf(stderr, "medeld: %s\n", why);
			return -1;
		}
	}
	return 0;
}

static int md_start(const struct md_options *o, struct md_state *st)
{
	char why[512];
	if (md_check_plain(o) != 0)
		return -1;
	if (o->tokens != NULL &&
	    md_auth_open(o->tokens, &st->auth, why, sizeof why) != 0) {
		fprintf(stderr, "medeld: tokens: %s\n", why);
		return -1;
	}
	if (o->tls_cert != NULL) {
		st->tls = md_tls_open(o->tls_cert, o->tls_key, why, sizeof why);
		if (st->tls == NULL) {
			fprintf(stderr, "medeld: %s\n", why);
			return -1;
		}
	}
	if (md_open_ledger(o, st) != 0 || md_open_sockets(o, st) != 0)
		return -1;
	st->metrics = md_metrics_new();
	struct md_server_opts so = {.lg = st->lg,
	                            .data_dir = o->data,
	                            .auth = st->auth,
	                            .metrics = st->metrics,
	                            .unix_fd = st->unix_fd,
	                            .tcp_fd = st->tcp_fd,
	                            .tls = st->tls,
	                            .threads = o->threads};
	if (st->metrics == NULL ||
	    md_server_new(&so, &st->srv, why, sizeof why) != 0) {
		fprintf(stderr, "medeld: %s\n",
		        st->metrics ? why : "out of memory");
		return -1;
	}
	return 0;
}

static void md_log_start(const struct md_options *o, const struct md_state *st)
{
	struct md_logline l;
	md_logline_start(&l, MD_LOG_INFO, "start");
	md_logline_str(&l, "version", MEDEL_VERSION);
	md_logline_str(&l, "data", o->data);
	md_logline_str(&l, "socket", st->socket_path);
	md_logline_str(&l, "tcp", st->tcp_fd >= 0 ? st->tcp_bound : NULL);
	md_logline_str(&l, "tls", st->tls ? "on" : "off");
	md_logline_u64(&l, "tokens", st->auth ? md_auth_count(st->auth) : 0);
	md_logline_u64(&l, "threads", o->threads);
	md_logline_u64(&l, "pid", (uint64_t)getpid());
	md_logline_end(&l);
}

static void md_stop(struct md_state *st, bool clean)
{
	if (st->unix_fd >= 0)
		md_listen_unix_remove(st->socket_path, st->unix_ino);
	if (!clean)
		return; /* helper threads may still read: let exit clean up */
	md_server_free(st->srv);
	if (st->unix_fd >= 0)
		close(st->unix_fd);
	if (st->tcp_fd >= 0)
		close(st->tcp_fd);
	ml_ledger_close(st->lg);
	md_metrics_free(st->metrics);
	md_auth_free(st->auth);
	md_tls_free(st->tls);
}

int main(int argc, char **argv)
{
	struct md_options o = {
	    .data = "./medel-data", .threads = 1, .level = MD_LOG_INFO};
	struct md_state st = {.unix_fd = -1, .tcp_fd = -1};
	int rc = md_parse_args(argc, argv, &o);
	if (rc != 0)
		return rc == 1 ? 0 : 2;
	md_log_set_level(o.level);
	/* advice to glibc (md_limits.h): refused, medeld runs as before */
	(void)mallopt(M_MMAP_THRESHOLD, MD_MMAP_BYTES);
	(void)mallopt(M_TRIM_THRESHOLD, MD_HEAP_KEEP_BYTES);
	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() != 0) {
		fprintf(stderr, "medeld: libevent has no pthreads support\n");
		return 1;
	}
	if (md_start(&o, &st) != 0) {
		md_stop(&st, true);
		return 1;
	}
	md_log_start(&o, &st);
	rc = md_server_run(st.srv);
	/* A second SIGTERM must not kill the clean-up half way (freeing the
	 * server's signal events restores the default handlers): from here
	 * on the stop signals stay blocked. */
	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	md_log(rc == 0 ? MD_LOG_INFO : MD_LOG_ERROR, "stop",
	       rc == 0 ? "stopped cleanly" : "stopped with requests cut off");
	md_stop(&st, rc == 0);
	return rc;
}
