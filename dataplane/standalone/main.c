/* dpu-target - the NVMe/TCP target as a standalone process, configured
 * from a JSON file; no Kubernetes needed. See docs/standalone-target.md. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "layers_config.h"
#include "dpudp.h"

static void log_sink(int level, const char *msg, void *ctx)
{
	static const char *const tags[] = { "debug: ", "", "warning: ", "error: " };
	(void)ctx;
	fprintf(stderr, "dpu-target: %s%s\n", tags[level < 0 || level > 3 ? 1 : level], msg);
}

static int usage(void)
{
	fprintf(stderr, "usage: dpu-target --config FILE [--log-level debug|info|warn|error] [--stats-file FILE]\n"
			"  SIGHUP: re-read the tenants and their limits from FILE (live)\n"
			"  SIGUSR1: write a stats snapshot as JSON to the --stats-file\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *config = NULL;
	const char *stats_file = NULL;
	int level = DPD_LOG_INFO;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config = argv[++i];
		} else if (strcmp(argv[i], "--stats-file") == 0 && i + 1 < argc) {
			stats_file = argv[++i];
		} else if (strcmp(argv[i], "--log-level") == 0 && i + 1 < argc) {
			const char *l = argv[++i];
			if (strcmp(l, "debug") == 0)
				level = DPD_LOG_DEBUG;
			else if (strcmp(l, "info") == 0)
				level = DPD_LOG_INFO;
			else if (strcmp(l, "warn") == 0)
				level = DPD_LOG_WARN;
			else if (strcmp(l, "error") == 0)
				level = DPD_LOG_ERROR;
			else
				return usage();
		} else {
			return usage();
		}
	}
	if (!config)
		return usage();
	setvbuf(stderr, NULL, _IOLBF, 0);
	dpd_log_set_callback(log_sink, NULL);
	dpd_log_set_level(level);

	struct cfg cfg;
	char err[1024];
	if (config_parse_file(config, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "dpu-target: error: bad config %s: %s\n", config, err);
		return 1;
	}
	/* Block the stop signals before any thread exists, then wait for them
	 * synchronously: no async-signal-safety puzzles in the shutdown path. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);  /* layers_config.c: reload tenants */
	sigaddset(&stop, SIGUSR1); /* layers_config.c: write stats */
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	dpd_options *opts;
	dpd_engine *e = NULL;
	int rc = dpd_options_create(&opts);
	if (rc == 0)
		rc = dpd_options_set_int(opts, "reactors", cfg.reactors);
	if (rc == 0)
		rc = dpd_options_set_reactor_cpus(opts, cfg.cpus, (uint32_t)cfg.ncpus);
	if (rc == 0)
		rc = dpd_options_set_int(opts, "polling", cfg.polling);
	if (rc == 0 && cfg.kato_ms >= 0)
		rc = dpd_options_set_int(opts, "max_kato_ms", cfg.kato_ms);
	/* The contract's offload numbers the file gives; the engine's defaults otherwise. */
	if (rc == 0 && cfg.max_io_queues)
		rc = dpd_options_set_int(opts, "max_io_queues", cfg.max_io_queues);
	if (rc == 0 && cfg.max_queue_depth)
		rc = dpd_options_set_int(opts, "max_queue_depth", cfg.max_queue_depth);
	if (rc == 0 && cfg.in_capsule_bytes >= 0)
		rc = dpd_options_set_int(opts, "in_capsule_bytes", cfg.in_capsule_bytes);
	if (rc == 0 && cfg.max_transfer_bytes)
		rc = dpd_options_set_int(opts, "max_transfer_bytes", cfg.max_transfer_bytes);
	if (rc == 0)
		rc = dpd_engine_create(opts, &e);
	dpd_options_destroy(opts);
	if (rc == 0)
		rc = dpd_engine_set_digest_policy(e, cfg.require_header_digest, cfg.require_data_digest);
	if (rc < 0) {
		fprintf(stderr, "dpu-target: error: bad config %s: %s\n", config, dpd_last_error());
		config_free(&cfg);
		return 1;
	}
	if (config_apply(&cfg, e, err, sizeof(err)) < 0) {
		fprintf(stderr, "dpu-target: error: bad config %s: %s\n", config, err);
		dpd_engine_destroy(e);
		config_free(&cfg);
		return 1;
	}
	if (layers_config_apply_file(config, e, err, sizeof(err)) < 0) {
		fprintf(stderr, "dpu-target: error: bad config %s: %s\n", config, err);
		dpd_engine_destroy(e);
		config_free(&cfg);
		return 1;
	}
	if ((rc = dpd_engine_start(e)) < 0) {
		fprintf(stderr, "dpu-target: error: cannot start: %s\n", dpd_last_error());
		dpd_engine_destroy(e);
		config_free(&cfg);
		return 1;
	}
	int port = dpd_listener_add(e, cfg.address, cfg.port);
	if (port < 0) {
		fprintf(stderr, "dpu-target: error: listen.address/listen.port: %s\n", dpd_last_error());
		dpd_engine_destroy(e);
		config_free(&cfg);
		return 1;
	}
	fprintf(stderr, "dpu-target: listening on %s:%d\n", cfg.address, port);
	config_free(&cfg);

	int sig = 0;
	for (;;) {
		if (sigwait(&stop, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			if (layers_config_reload_tenants(config, e, err, sizeof(err)) < 0)
				fprintf(stderr, "dpu-target: error: reload of %s failed: %s\n", config, err);
			else
				fprintf(stderr, "dpu-target: tenants reloaded from %s\n", config);
		} else if (sig == SIGUSR1) {
			if (!stats_file)
				fprintf(stderr, "dpu-target: SIGUSR1 ignored: no --stats-file given\n");
			else if (layers_write_stats(e, stats_file, err, sizeof(err)) < 0)
				fprintf(stderr, "dpu-target: error: %s\n", err);
		} else {
			break;
		}
	}
	fprintf(stderr, "dpu-target: %s received; finishing in-flight I/O and flushing\n",
		sig == SIGTERM ? "SIGTERM" : "SIGINT");
	rc = dpd_engine_stop(e, 10000);
	dpd_engine_destroy(e);
	if (rc < 0) {
		fprintf(stderr, "dpu-target: error: shutdown incomplete: %s\n", dpd_last_error());
		return 1;
	}
	fprintf(stderr, "dpu-target: stopped\n");
	return 0;
}
