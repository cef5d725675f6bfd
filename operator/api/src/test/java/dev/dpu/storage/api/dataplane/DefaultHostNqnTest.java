package dev.dpu.storage.api.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpu.storage.api.v1alpha1.ApiGroup;
import org.junit.jupiter.api.Test;

/** The host NQN a storage admin allows on a remote target must not change under them, and must be an NQN. */
class DefaultHostNqnTest {

    @Test
    void aNodeGetsAStableNqnNamedAfterIt() {
        assertThat(DataplaneContract.defaultHostNqn("dpu-node-7")).isEqualTo("nqn.2024-01.dev.dpu:dpu.dpu-node-7");
        assertThat(DataplaneContract.defaultHostNqn("dpu-node-7")).matches(ApiGroup.NQN);
    }

    @Test
    void aNodeNameTooLongForAnNqnGetsAStableUuidNqn() {
        String longName = "n".repeat(63) + "." + "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(61);
        String nqn = DataplaneContract.defaultHostNqn(longName);
        assertThat(nqn).startsWith("nqn.2014-08.org.nvmexpress:uuid:").matches(ApiGroup.NQN);
        assertThat(nqn.length()).isLessThanOrEqualTo(ApiGroup.NQN_MAX_LENGTH);
        assertThat(DataplaneContract.defaultHostNqn(longName)).isEqualTo(nqn);
        assertThat(DataplaneContract.defaultHostNqn(longName + "x")).isNotEqualTo(nqn);
    }
}
