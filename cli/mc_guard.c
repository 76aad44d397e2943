/*
 * mc_guard.c — `medel verify` names a damaged page instead of dying on it.
 *
 * LMDB 0.9 keeps no page checksums: a damaged node offset in a page can
 * make it read outside the page, and the process gets SIGSEGV (or SIGBUS
 * past the end of the file) inside mdb_get or a cursor step, or LMDB
 * stops on its own assertion (abort: SIGABRT, "IS_LEAF(mp)"). The library
 * says what verify and opening read at every moment (ml_damage.h); this
 * handler, installed by verify alone, turns such a fault into a sentence
 * on stderr and verify's exit status for a difference (1), so a nightly
 * `medel verify || mail …` reports the damage rather than a signal.
 *
 * The handler runs on an alternate stack (sigaltstack) of the main
 * thread, so it runs even if the fault were a stack overflow; verify's
 * second thread (the chain's) runs it on its own stack, which a bad read
 * leaves intact. It calls only async-signal-safe functions: the library's
 * ml_damage_message (no allocation, no locks), write(2) and _exit(2). A
 * fault while nothing is being read under verify or open is a bug, not
 * damage: the handler puts the default action back and the process dies
 * by the same signal, as it would without the guard.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "mc_cli.h"
#include "ml_damage.h"

#define MC_GUARD_STACK_BYTES (64u * 1024u)

static void mc_guard_write(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void mc_guard_on_fault(int sig)
{
	static const char prefix[] = "medel: verify: ";
	char msg[600];
	size_t n = ml_damage_message(sig, msg, sizeof msg - 1);
	if (n == 0) {
		/* Not damage met while reading: die as before. */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	msg[n++] = '\n';
	mc_guard_write(prefix, sizeof prefix - 1);
	mc_guard_write(msg, n);
	_exit(MC_EXIT_REFUSED);
}

void mc_guard_verify(void)
{
	static char stack[MC_GUARD_STACK_BYTES];
	stack_t ss = {.ss_sp = stack, .ss_size = sizeof stack, .ss_flags = 0};
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = mc_guard_on_fault;
	sigemptyset(&sa.sa_mask);
	/* Without an alternate stack the handler still runs on the
	 * faulting thread's stack: good enough for a bad read. */
	sa.sa_flags = sigaltstack(&ss, NULL) == 0 ? SA_ONSTACK : 0;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
}
