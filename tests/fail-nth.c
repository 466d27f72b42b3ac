// SPDX-License-Identifier: GPL-2.0
/*
 * fail-nth: fail the N-th allocation of one system call, from inside the
 * guests that scripts/userspace boots (linked statically on the host).
 *
 *	fail-nth N write FILE STRING	write STRING to FILE
 *	fail-nth N insmod MODULE [PARAMS]	finit_module() of MODULE
 *
 * The file is opened first, then /proc/thread-self/fail-nth is set to N,
 * so that only the allocations of the write or of the module's load count
 * (Documentation/fault-injection/fault-injection.rst).  Prints one line,
 * "injected ok", "injected ERROR" or "clean ok"/"clean ERROR": whether the
 * N-th allocation was reached (and failed) before the call returned, and
 * what the call returned.  Exits 0 if the call succeeded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int insmod, fd, nth, ret, err;
	char buf[32];
	ssize_t len;

	if (argc < 4 || argc > 5 ||
	    (strcmp(argv[2], "write") && strcmp(argv[2], "insmod")) ||
	    (!strcmp(argv[2], "write") && argc != 5)) {
		fprintf(stderr, "usage: %s N write FILE STRING | N insmod MODULE [PARAMS]\n",
			argv[0]);
		return 2;
	}
	insmod = !strcmp(argv[2], "insmod");
	fd = open(argv[3], insmod ? O_RDONLY | O_CLOEXEC : O_WRONLY);
	nth = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fd < 0 || nth < 0) {
		perror("open");
		return 2;
	}
	len = snprintf(buf, sizeof(buf), "%d", atoi(argv[1]));
	if (write(nth, buf, len) != len) {
		perror("fail-nth");
		return 2;
	}
	if (insmod)
		ret = syscall(SYS_finit_module, fd, argc > 4 ? argv[4] : "", 0);
	else
		ret = write(fd, argv[4], strlen(argv[4]));
	err = errno;
	/* Still counting down: the N-th allocation was never reached. */
	len = pread(nth, buf, sizeof(buf) - 1, 0);
	buf[len > 0 ? len : 0] = 0;
	printf("%s %s\n", atoi(buf) ? "clean" : "injected",
	       ret < 0 ? strerror(err) : "ok");
	if (write(nth, "0", 1) != 1)
		perror("fail-nth");
	return ret < 0;
}
