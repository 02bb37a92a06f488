/* log.h: diagnostics on stderr (lighttpd's error log) */
#ifndef BV_LOG_H
#define BV_LOG_H

#define BV_PRINTF(a, b) __attribute__((format(printf, a, b)))

void	log_init(const char *progname);
/* Informational line. */
void	log_info(const char *fmt, ...) BV_PRINTF(1, 2);
/* Warning with ": strerror(errno)" appended. */
void	log_warn(const char *fmt, ...) BV_PRINTF(1, 2);
/* Warning without errno. */
void	log_warnx(const char *fmt, ...) BV_PRINTF(1, 2);

#endif /* BV_LOG_H */
