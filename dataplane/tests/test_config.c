/* dpu-target config loader: the contract's example parses; each kind of
 * mistake is refused with a message naming the field and the reason. */
#include <stdlib.h>

#include "check.h"
#include "config.h"

static const char *GOOD =
	"{ \"listen\": { \"address\": \"127.0.0.1\", \"port\": 4420 },"
	"  \"reactors\": 2, \"keepAliveTimeoutMs\": 120000,"
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
	CHECK(c.nsubs == 1 && c.subs[0].nhosts == 1 && c.subs[0].nns == 2 && !c.subs[0].allow_any);
	CHECK(c.subs[0].ns[1].is_file && strcmp(c.subs[0].ns[1].path, "/tmp/ns2.img") == 0 &&
	      c.subs[0].ns[1].block_size == 4096 && c.subs[0].ns[0].size == 134217728);
	config_free(&c);
	/* reactors and keepAliveTimeoutMs are optional */
	CHECK(config_parse_string("{\"listen\":{\"address\":\"0.0.0.0\",\"port\":4420}}", &c, err, sizeof(err)) == 0);
	CHECK(c.reactors == 2 && c.kato_ms == -1 && c.nsubs == 0);
	config_free(&c);
}

static void test_reactor_cpus(void)
{
	struct cfg c;
	char err[512] = "";
	CHECK_MSG(config_parse_string("{\"listen\":{\"address\":\"0.0.0.0\",\"port\":4420},\"reactors\":3,"
				      "\"reactorCpus\":[2,3,5]}", &c, err, sizeof(err)) == 0, "%s", err);
	CHECK(c.reactors == 3 && c.nreactor_cpus == 3 && c.reactor_cpus[0] == 2 && c.reactor_cpus[2] == 5);
	config_free(&c);
	CHECK(config_parse_string("{\"listen\":{\"address\":\"0.0.0.0\",\"port\":4420},\"reactorCpus\":[-1]}", &c,
				  err, sizeof(err)) < 0 && strstr(err, "reactorCpus"));
	CHECK(config_parse_string("{\"listen\":{\"address\":\"0.0.0.0\",\"port\":4420},\"reactorCpus\":\"2\"}", &c,
				  err, sizeof(err)) < 0 && strstr(err, "reactorCpus"));
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
#define S(ns) "\"subsystems\":[{\"nqn\":\"nqn.x:y\",\"namespaces\":[" ns "]}]"

static void test_bad_configs_name_the_field(void)
{
	expect_error("{", "(file)", "not valid JSON");
	expect_error("{\"reactors\":2}", "listen", "missing");
	expect_error("{\"listen\":{\"address\":\"127.0.0.1\",\"port\":70000}}", "listen.port", "out of range");
	expect_error("{" L ",\"reactors\":0}", "reactors", "out of range");
	expect_error("{" L ",\"reactor\":2}", "(top level)", "unknown field \"reactor\"");
	expect_error("{" L "," S("{\"nsid\":1,\"backend\":\"ram\",\"sizeBytes\":4096,\"blockSize\":1000}") "}",
		     "subsystems[0].namespaces[0].blockSize", "512 or 4096");
	expect_error("{" L "," S("{\"nsid\":1,\"backend\":\"ram\"}") "}", "subsystems[0].namespaces[0].sizeBytes",
		     "missing");
	expect_error("{" L "," S("{\"nsid\":1,\"backend\":\"file\",\"sizeBytes\":4096}") "}",
		     "subsystems[0].namespaces[0].path", "missing");
	expect_error("{" L "," S("{\"nsid\":1,\"backend\":\"nvme\",\"sizeBytes\":4096}") "}", "backend", "\"ram\"");
	expect_error("{" L "," S("{\"nsid\":1,\"backend\":\"ram\",\"sizeBytes\":1000}") "}", "sizeBytes",
		     "not a multiple");
	expect_error("{" L "," S("{\"nsid\":1,\"backend\":\"ram\",\"sizeBytes\":4096},"
				 "{\"nsid\":1,\"backend\":\"ram\",\"sizeBytes\":4096}") "}",
		     "namespaces[1]", "used twice");
	expect_error("{" L ",\"subsystems\":[{\"nqn\":\"nqn.x:y\",\"hosts\":[\"bob\"]}]}", "subsystems[0].hosts[0]",
		     "host NQN");
	expect_error("{" L ",\"subsystems\":[{\"nqn\":\"nqn.x:y\",\"allowAnyHost\":\"yes\"}]}", "allowAnyHost",
		     "true or false");
	expect_error("{" L ",\"subsystems\":[{\"serial\":\"1\"}]}", "subsystems[0].nqn", "missing");
}

/* Values the parser accepts but the engine refuses are reported with the
 * engine's reason and the subsystem index. */
static void test_apply_reports_engine_errors(void)
{
	struct cfg c;
	char err[512] = "";
	dpd_engine *e = NULL;
	CHECK(config_parse_string("{" L ",\"subsystems\":[{\"nqn\":\"not-nqn\"}]}", &c, err, sizeof(err)) == 0);
	CHECK(dpd_engine_create(NULL, &e) == 0);
	CHECK(config_apply(&c, e, err, sizeof(err)) < 0 && strstr(err, "subsystems[0]") && strstr(err, "not an NQN"));
	config_free(&c);
	dpd_engine_destroy(e);
}

int main(void)
{
	dpd_log_set_level(DPD_LOG_ERROR);
	RUN(test_contract_example_parses);
	RUN(test_reactor_cpus);
	RUN(test_bad_configs_name_the_field);
	RUN(test_apply_reports_engine_errors);
	TEST_EXIT();
}
