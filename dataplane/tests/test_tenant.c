/* Tenant registry: membership rules, binding at connect, live limits, removal. */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "layers/tenant.h"

#define HOST_A "nqn.2014-08.org.nvmexpress:uuid:aaaaaaaa-0000-0000-0000-000000000001"
#define HOST_B "nqn.2014-08.org.nvmexpress:uuid:bbbbbbbb-0000-0000-0000-000000000002"
#define SUB_BLUE "nqn.2024-01.dev.dpu:storage.pool-a.tenant-blue"

static void membership_rules(void)
{
	struct dpd_tenant_registry reg;
	CHECK(dpd_tenants_init(&reg, 2) == 0);
	struct dpd_qos_limits l = {.total_iops = 1000};
	CHECK(dpd_tenants_add(&reg, "blue", &l) == 0);
	CHECK(dpd_tenants_add(&reg, "blue", &l) == -EEXIST);
	CHECK(dpd_tenants_add(&reg, "green", NULL) == 0);
	CHECK(dpd_tenants_add(&reg, "", NULL) == -EINVAL);
	struct dpd_qos_limits bad = {.read_iops = UINT64_MAX};
	CHECK(dpd_tenants_add(&reg, "red", &bad) == -EINVAL);
	CHECK(dpd_tenants_host_add(&reg, "blue", HOST_A) == 0);
	CHECK(dpd_tenants_host_add(&reg, "blue", HOST_A) == -EEXIST);
	CHECK(dpd_tenants_host_add(&reg, "green", HOST_A) == -EBUSY); /* a host has one tenant */
	CHECK(dpd_tenants_host_add(&reg, "nobody", HOST_B) == -ENOENT);
	CHECK(dpd_tenants_ns_add(&reg, "blue", SUB_BLUE, 1) == 0);
	CHECK(dpd_tenants_ns_add(&reg, "green", SUB_BLUE, 1) == -EBUSY);
	CHECK(dpd_tenants_ns_add(&reg, "blue", SUB_BLUE, 0) == -EINVAL);
	CHECK(dpd_tenants_host_remove(&reg, "blue", HOST_A) == 0);
	CHECK(dpd_tenants_host_remove(&reg, "blue", HOST_A) == -ENOENT);
	CHECK(dpd_tenants_host_add(&reg, "green", HOST_A) == 0);
	CHECK(dpd_tenants_ns_remove(&reg, "green", SUB_BLUE, 1) == -ENOENT); /* blue's, not green's */
	CHECK(dpd_tenants_ns_remove(&reg, "blue", SUB_BLUE, 1) == 0);
	CHECK(dpd_tenants_ns_remove(&reg, "blue", SUB_BLUE, 1) == -ENOENT);
	CHECK(dpd_tenants_ns_add(&reg, "green", SUB_BLUE, 1) == 0);
	dpd_tenants_fini(&reg);
}

static void binding_by_host_then_by_subsystem(void)
{
	struct dpd_tenant_registry reg;
	CHECK(dpd_tenants_init(&reg, 2) == 0);
	CHECK(dpd_tenants_add(&reg, "blue", NULL) == 0);
	CHECK(dpd_tenants_add(&reg, "green", NULL) == 0);
	CHECK(dpd_tenants_host_add(&reg, "green", HOST_A) == 0);
	CHECK(dpd_tenants_ns_add(&reg, "blue", SUB_BLUE, 1) == 0);
	struct dpd_tenant *t = dpd_tenants_bind(&reg, HOST_A, SUB_BLUE);
	CHECK(t && strcmp(t->name, "green") == 0); /* the host's own tenant wins */
	dpd_tenant_put(t);
	t = dpd_tenants_bind(&reg, HOST_B, SUB_BLUE);
	CHECK(t && strcmp(t->name, "blue") == 0);
	dpd_tenant_put(t);
	CHECK(dpd_tenants_bind(&reg, HOST_B, "nqn.2024-01.dev.dpu:other") == NULL);
	dpd_tenants_fini(&reg);
}

static void removal_keeps_bound_connections_valid_and_unthrottled(void)
{
	struct dpd_tenant_registry reg;
	CHECK(dpd_tenants_init(&reg, 1) == 0);
	struct dpd_qos_limits l = {.total_iops = 10};
	CHECK(dpd_tenants_add(&reg, "blue", &l) == 0);
	CHECK(dpd_tenants_host_add(&reg, "blue", HOST_A) == 0);
	struct dpd_tenant *t = dpd_tenants_bind(&reg, HOST_A, NULL);
	CHECK(dpd_tenant_throttles(t));
	CHECK(dpd_tenants_remove(&reg, "blue") == 0);
	CHECK(dpd_tenants_remove(&reg, "blue") == -ENOENT);
	CHECK(!dpd_tenant_throttles(t)); /* the binding outlives the tenant, without limits */
	dpd_ctr_add(&dpd_io_counter_slot(&t->stats, 0)->read_ops, 1); /* still writable */
	CHECK(dpd_tenants_bind(&reg, HOST_A, NULL) == NULL);
	dpd_tenant_put(t);
	dpd_tenants_fini(&reg);
}

static void live_limits_and_snapshot(void)
{
	struct dpd_tenant_registry reg;
	CHECK(dpd_tenants_init(&reg, 2) == 0);
	CHECK(dpd_tenants_add(&reg, "zeta", NULL) == 0);
	CHECK(dpd_tenants_add(&reg, "alpha", NULL) == 0);
	struct dpd_tenant *t = NULL;
	CHECK(dpd_tenants_host_add(&reg, "alpha", HOST_A) == 0);
	t = dpd_tenants_bind(&reg, HOST_A, NULL);
	CHECK(!dpd_tenant_throttles(t));
	struct dpd_qos_limits l = {.write_bytes_per_sec = 1 << 20, .burst_bytes = 1 << 20};
	CHECK(dpd_tenants_set_limits(&reg, "alpha", &l) == 0);
	CHECK(dpd_tenant_throttles(t)); /* the bound connection sees it at once */
	CHECK(dpd_tenants_set_limits(&reg, "nobody", &l) == -ENOENT);
	dpd_io_counters_complete(dpd_io_counter_slot(&t->stats, 1), true, 4096, true, 1000, 500);
	struct dpd_tenant_stat *s = NULL;
	int n = 0;
	CHECK(dpd_tenants_snapshot(&reg, &s, &n) == 0);
	CHECK(n == 2);
	CHECK(strcmp(s[0].name, "alpha") == 0 && strcmp(s[1].name, "zeta") == 0);
	CHECK_EQ_U64(s[0].limits.write_bytes_per_sec, 1 << 20);
	CHECK_EQ_U64(s[0].c.write_ops, 1);
	CHECK_EQ_U64(s[0].c.write_bytes, 4096);
	CHECK(s[0].nhosts == 1);
	free(s);
	dpd_tenant_put(t);
	dpd_tenants_fini(&reg);
}

int main(void)
{
	RUN(membership_rules);
	RUN(binding_by_host_then_by_subsystem);
	RUN(removal_keeps_bound_connections_valid_and_unthrottled);
	RUN(live_limits_and_snapshot);
	TEST_EXIT();
}
