/* dpu-target config loader: the contract's example parses; each kind of
 * mistake is refused with a message naming the field and the reason; and the
 * contract dialect accepts and refuses exactly the fixture files the Java
 * reader does (operator/api/src/test/resources/dataplane-fixtures). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "config.h"

static const char *GOOD =
	"{ \"listen\": { \"address\": \"127.0.0.1\", \"port\": 4420 },"
	"  \"reactors\": 2, \"reactorCpus\": [0, 1], \"reactorPolling\": \"BusyPoll\", \"keepAliveTimeoutMs\": 120000,"
	"  \"offload\": { \"requireHeaderDigest\": true },"
	"  \"subsystems\": [ { \"nqn\": \"nqn.2024-01.dev.dpu:pool-a\", \"serial\": \"DPU0000000001\","
	"    \"model\": \"DPU Storage Offload\", \"allowAnyHost\": false,"
	"    \"hosts\": [\"nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\"],"
	"    \"namespaces\": ["
	"      { \"nsid\": 1, \"backend\": \"ram\", \"sizeBytes\": 134217728, \"blockSize\": 512 },"
	"      { \"nsid\": 2, \"backend\": \"file\", \"path\": \"/tmp/ns2.img\", \"sizeBytes\": 67108864, \"blockSize\": 4096 }"
	"    ] } ] }";

static void test_contract_example_parses(void)
{
	struct cfg c;
	char err[512] = "";
	CHECK_MSG(config_parse_string(GOOD, &c, err, sizeof(err)) == 0, "%s", err);
	CHECK(strcmp(c.address, "127.0.0.1") == 0 && c.port == 4420 && c.reactors == 2 && c.kato_ms == 120000);
	CHECK(c.ncpus == 2 && c.cpus[0] == 0 && c.cpus[1] == 1);
	CHECK(c.polling == DPD_POLLING_BUSY_POLL);
	CHECK(c.require_header_digest && !c.require_data_digest);
	CHECK(c.max_io_queues == 0 && c.in_capsule_bytes == -1); /* not given: the engine's defaults */
	CHECK(c.nsubs == 1 && c.subs[0].nhosts == 1 && c.subs[0].nns == 2 && !c.subs[0].allow_any);
	CHECK(c.subs[0].ns[1].is_file && strcmp(c.subs[0].ns[1].path, "/tmp/ns2.img") == 0 &&
	      c.subs[0].ns[1].block_size == 4096 && c.subs[0].ns[0].size == 134217728);
	config_free(&c);
	/* everything but listen is optional; reactors default to the contract's 1 */
	CHECK(config_parse_string("{\"listen\":{\"address\":\"0.0.0.0\",\"port\":4420}}", &c, err, sizeof(err)) == 0);
	CHECK(c.reactors == 1 && c.ncpus == 0 && c.kato_ms == -1 && c.nsubs == 0 && !c.require_header_digest);
	CHECK(c.polling == DPD_POLLING_SLEEP); /* reactors sleep unless asked to poll */
	config_free(&c);
	/* the standalone-only fields are refused in the contract dialect */
	CHECK(config_parse_text(GOOD, CONFIG_CONTRACT, &c, err, sizeof(err)) < 0 && strstr(err, "keepAliveTimeoutMs"));
	config_free(&c);
}

static void expect_error(const char *json, const char *field, const char *why)
{
	struct cfg c;
	char err[512] = "";
	int rc = config_parse_string(json, &c, err, sizeof(err));
	CHECK_MSG(rc < 0, "accepted: %s", json);
	CHECK_MSG(strstr(err, field) && strstr(err, why), "message \"%s\" lacks \"%s\"/\"%s\"", err, field, why);
}

#define L "\"listen\":{\"address\":\"127.0.0.1\",\"port\":4420}"
#define S(ns) "\"subsystems\":[{\"nqn\":\"nqn.2024-01.dev.dpu:y\",\"namespaces\":[" ns "]}]"

static void test_bad_configs_name_the_field(void)
{
	expect_error("{", "(file)", "not valid JSON");
	expect_error("{\"reactors\":2}", "listen", "missing");
	expect_error("{\"listen\":{\"address\":\"127.0.0.1\",\"port\":70000}}", "listen.port", "out of range");
	expect_error("{" L ",\"reactors\":0}", "reactors", "out of range");
	expect_error("{" L ",\"reactor\":2}", "(top level)", "unknown field \"reactor\"");
	expect_error("{" L "," S("{\"nsid\":1,\"backend\":\"ram\",\"sizeBytes\":4096,\"blockSize\":1000}") "}",
		     "subsystems[0].namespaces[0].blockSize", "512 or 4096");
	expect_error("{" L ",\"reactors\":2,\"reactorCpus\":[3]}", "reactorCpus", "1 CPUs for 2 reactors");
	expect_error("{" L ",\"reactorPolling\":\"sleep\"}", "reactorPolling", "not one of Sleep, BusyPoll, Adaptive");
	expect_error("{" L ",\"reactorPolling\":1}", "reactorPolling", "must be a string");
	expect_error("{" L "," S("{\"nsid\":1,\"backend\":\"ram\"}") "}", "subsystems[0].namespaces[0].sizeBytes",
		     "missing");
	expect_error("{" L "," S("{\"nsid\":1,\"backend\":\"file\",\"sizeBytes\":4096}") "}",
		     "subsystems[0].namespaces[0].path", "missing");
	expect_error("{" L "," S("{\"nsid\":1,\"backend\":\"nvme\",\"sizeBytes\":4096}") "}", "backend", "not one of ram, file");
	expect_error("{" L "," S("{\"nsid\":1,\"backend\":\"ram\",\"sizeBytes\":1000}") "}", "sizeBytes",
		     "not a multiple");
	expect_error("{" L "," S("{\"nsid\":1,\"backend\":\"ram\",\"sizeBytes\":4096},"
				 "{\"nsid\":1,\"backend\":\"ram\",\"sizeBytes\":4096}") "}",
		     "namespaces[1].nsid", "used twice");
	expect_error("{" L ",\"subsystems\":[{\"nqn\":\"nqn.2024-01.dev.dpu:y\",\"hosts\":[\"bob\"]}]}",
		     "subsystems[0].hosts[0]", "host NQN");
	expect_error("{" L ",\"subsystems\":[{\"nqn\":\"nqn.2024-01.dev.dpu:y\",\"allowAnyHost\":\"yes\"}]}",
		     "allowAnyHost", "true or false");
	expect_error("{" L ",\"subsystems\":[{\"serial\":\"1\"}]}", "subsystems[0].nqn", "missing");
}

/* Values the parser accepts but the engine refuses are reported with the
 * engine's reason and the subsystem index. */
static void test_apply_reports_engine_errors(void)
{
	struct cfg c;
	char err[512] = "";
	dpd_engine *e = NULL;
	CHECK(config_parse_string("{" L ",\"subsystems\":[{\"nqn\":\"nqn.2024-01.dev.dpu:y\"},"
				  "{\"nqn\":\"nqn.2024-01.dev.dpu:z\",\"serial\":\"caf\\u00e9\"}]}",
				  &c, err, sizeof(err)) == 0);
	CHECK(dpd_engine_create(NULL, &e) == 0);
	CHECK_MSG(config_apply(&c, e, err, sizeof(err)) < 0 && strstr(err, "subsystems[1]"), "%s", err);
	config_free(&c);
	dpd_engine_destroy(e);
}

/* ---- the shared fixtures: same verdicts as the Java reader ---- */

static const char *fixtures_dir(void)
{
	const char *d = getenv("DPD_FIXTURES_DIR");
	return d && *d ? d : "../operator/api/src/test/resources/dataplane-fixtures";
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = calloc(1, 1 << 20);
	size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	(void)n;
	fclose(f);
	return buf;
}

/* Runs every *.json of dir; returns how many there were. */
static int each_fixture(const char *kind, void (*check)(const char *path, const char *text))
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/%s", fixtures_dir(), kind);
	DIR *d = opendir(dir);
	CHECK_MSG(d != NULL, "cannot open fixtures %s (set DPD_FIXTURES_DIR)", dir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		char path[8192];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		char *text = slurp(path);
		CHECK_MSG(text != NULL, "cannot read %s", path);
		if (text)
			check(path, text);
		free(text);
		n++;
	}
	closedir(d);
	return n;
}

static void accept_fixture(const char *path, const char *text)
{
	struct cfg c;
	char err[1024] = "";
	CHECK_MSG(config_parse_text(text, CONFIG_CONTRACT, &c, err, sizeof(err)) == 0, "%s refused: %s", path, err);
	config_free(&c);
}

static void refuse_fixture(const char *path, const char *text)
{
	struct cfg c;
	char err[1024] = "", fieldpath[8192];
	snprintf(fieldpath, sizeof(fieldpath), "%.*s.field", (int)(strlen(path) - 5), path);
	char *field = slurp(fieldpath);
	CHECK_MSG(field != NULL, "%s has no .field file", path);
	if (!field)
		return;
	field[strcspn(field, "\r\n")] = '\0';
	int rc = config_parse_text(text, CONFIG_CONTRACT, &c, err, sizeof(err));
	CHECK_MSG(rc < 0, "%s accepted", path);
	if (rc < 0 && !strstr(err, field))
		fprintf(stderr, "%s: message \"%s\" does not name %s\n", path, err, field);
	CHECK_MSG(rc >= 0 || strstr(err, field), "%s: message \"%s\" does not name %s", path, err, field);
	free(field);
}

static void test_fixtures_match_the_java_reader(void)
{
	CHECK(each_fixture("valid", accept_fixture) >= 3);
	CHECK(each_fixture("invalid", refuse_fixture) >= 40);
}

int main(void)
{
	dpd_log_set_level(DPD_LOG_ERROR);
	RUN(test_contract_example_parses);
	RUN(test_bad_configs_name_the_field);
	RUN(test_apply_reports_engine_errors);
	RUN(test_fixtures_match_the_java_reader);
	TEST_EXIT();
}
